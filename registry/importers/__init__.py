"""Importers, one module per source, run through ``run_import`` as one transaction each."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.changelog import ChangeContext, change_context
from registry.errors import BadImportError
from registry.extras import import_with_extra
from registry.importers.progress import Progress, silent
from registry.importers.result import ImportResult
from registry.models import Change, ImportRun
from registry.resolution import Decision, load_decisions, resolve

Importer = Callable[[Session, Path, Progress], ImportResult]

# Source id -> the module whose ``load(session, path, progress)`` reads it. Modules are
# imported when their source is asked for, so ``mcf-bot ask`` never pays for parsers (or
# followthemoney) it does not use.
IMPORTERS: dict[str, str] = {
    "curated": "registry.importers.curated",
    "us-1260h": "registry.importers.us_1260h",
    "ofac-cons": "registry.importers.ofac_cons",
    "csl": "registry.importers.csl",
    "unitracker": "registry.importers.unitracker",
    "us-1286": "registry.importers.us_1286",
    "us-ndaa": "registry.importers.us_ndaa",
    "fcc-covered": "registry.importers.fcc_covered",
    "eu-annex-iv": "registry.importers.eu_annex_iv",
    "aspi-risk": "registry.importers.aspi_risk",
    "cset-pla-supply": "registry.importers.cset_pla_supply",
    "cset-bgi": "registry.importers.cset_bgi",
    "ftm": "registry.importers.ftm",
    "native-names": "registry.importers.native_names",
}
# Sources whose importer needs a pip extra (``registry.extras``), and what it does.
NEEDS_EXTRA: dict[str, tuple[str, str]] = {"ftm": ("ftm", "importing FollowTheMoney files")}


def importer_for(source: str) -> Importer:
    """The ``load`` function of ``source``'s importer, imported on first use."""
    try:
        module_name = IMPORTERS[source]
    except KeyError:
        known = ", ".join(sorted(IMPORTERS))
        raise BadImportError(f"unknown source {source!r} (known: {known})", file="-") from None
    if source in NEEDS_EXTRA:
        extra, feature = NEEDS_EXTRA[source]
        module = import_with_extra(module_name, extra=extra, feature=feature)
    else:
        module = importlib.import_module(module_name)
    load: Importer = module.load
    return load


def run_import(
    session: Session,
    source: str,
    files: Sequence[Path],
    progress: Progress = silent,
    decisions: list[Decision] | None = None,
) -> list[ImportResult]:
    """Load ``files`` with the ``source`` importer inside the caller's transaction, then
    resolve the registry (``registry.resolution``) with the reviewed ``decisions``
    (default: the bundled ``data/resolution/decisions.yaml``)."""
    importer = importer_for(source)
    if decisions is None:
        decisions = load_decisions()
    results = []
    for path in files:
        if not path.is_file():
            raise BadImportError("no such file", file=str(path))
        run = ImportRun(source=source, files=[str(path)])
        session.add(run)
        session.flush()
        before = session.scalar(select(func.count()).select_from(Change)) or 0
        with change_context(session, ChangeContext(run.id, path.name)):
            result = importer(session, path, progress)
            session.flush()
            # A step of its own: whatever the importer joined or not, one organisation
            # from several lists (or spellings) becomes one entity here, explained.
            outcome = resolve(session, decisions, import_run_id=run.id)
        result.merged += outcome.merged
        result.near_misses += [n for n in outcome.kept_apart if n not in result.near_misses]
        result.changes = (session.scalar(select(func.count()).select_from(Change)) or 0) - before
        run.edition = result.edition
        run.summary = result.summary()
        results.append(result)
    return results
