"""Importers, one module per source, run through ``run_import`` as one transaction each."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.changelog import ChangeContext, change_context
from registry.errors import BadImportError
from registry.importers.progress import Progress, silent
from registry.importers.result import ImportResult
from registry.models import Change, ImportRun

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


def importer_for(source: str) -> Importer:
    """The ``load`` function of ``source``'s importer, imported on first use."""
    try:
        module_name = IMPORTERS[source]
    except KeyError:
        known = ", ".join(sorted(IMPORTERS))
        raise BadImportError(f"unknown source {source!r} (known: {known})", file="-") from None
    load: Importer = importlib.import_module(module_name).load
    return load


def run_import(
    session: Session, source: str, files: Sequence[Path], progress: Progress = silent
) -> list[ImportResult]:
    """Load ``files`` with the ``source`` importer inside the caller's transaction."""
    importer = importer_for(source)
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
        result.changes = (session.scalar(select(func.count()).select_from(Change)) or 0) - before
        run.edition = result.edition
        run.summary = result.summary()
        results.append(result)
    return results
