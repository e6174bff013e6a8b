"""Importers, one module per source, run through ``run_import`` as one transaction each."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import guard as import_guard
from registry.catalog import catalog
from registry.changelog import ChangeContext, change_context
from registry.errors import BadImportError
from registry.extras import import_with_extra
from registry.guard import GuardOptions
from registry.importers.result import ImportResult
from registry.models import Change, ImportRun
from registry.progress import Progress, silent
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
    "us-mieu": "registry.importers.us_mieu",
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
    guard: GuardOptions | None = None,
) -> list[ImportResult]:
    """Load ``files`` with the ``source`` importer inside the caller's transaction, then
    resolve the registry (``registry.resolution``) with the reviewed ``decisions``
    (default: the bundled ``data/resolution/decisions.yaml``).

    With ``guard``, an edition that looks wrong raises ``registry.guard.EditionHeld``
    after its import: the caller's transaction must roll back (``unit_of_work`` does).
    Without it (the bundle, ``--accept``), open holds of ``source`` count as accepted."""
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
        opened = import_guard.open_listings(session) if guard is not None else {}
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
        shape = _shape(source, path, result)
        run.summary = {**result.summary(), "shape": shape.as_json()}
        if result.out_of_scope:
            run.summary["out_of_scope"] = dict(result.out_of_scope)
        if guard is not None:
            reasons = import_guard.check(
                session,
                source=source,
                run_id=run.id,
                edition=result.edition,
                shape=shape,
                opened=opened,
                options=guard,
            )
            if reasons:
                raise import_guard.EditionHeld(
                    source, [str(p) for p in files], result.edition, reasons
                )
        results.append(result)
    import_guard.settle(session, source, "accepted" if guard is None else "superseded")
    return results


def _shape(source: str, path: Path, result: ImportResult) -> import_guard.Shape:
    """What the edition held: the importer's own count, else (a source that feeds one
    list) the file's records."""
    rows = dict(result.rows)
    if not rows:
        lists = [info.id for info in catalog().values() if info.importer == source]
        records = _records(path) if len(lists) == 1 else None
        if records is not None:
            rows = {lists[0]: records}
    return import_guard.Shape(result.format, list(result.columns), rows)


def _records(path: Path) -> int | None:
    """Data rows of a CSV (without its header line) or entries of a JSON list."""
    from registry.importers.lists import read_records, read_text

    if path.suffix.lower() in (".yaml", ".yml"):
        return None
    head = read_text(path).lstrip()[:1]
    if head in ("{", "["):
        return None
    try:
        return max(len(read_records(path)) - 1, 0)
    except BadImportError:
        return None
