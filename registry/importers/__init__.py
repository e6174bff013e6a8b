"""Importers, one module per source, run through ``run_import`` as one transaction each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.changelog import ChangeContext, change_context
from registry.errors import BadImportError
from registry.importers import csl, curated, ftm, ofac_cons, unitracker, us_1260h
from registry.importers.progress import Progress, silent
from registry.importers.result import ImportResult
from registry.models import Change, ImportRun

Importer = Callable[[Session, Path, Progress], ImportResult]

IMPORTERS: dict[str, Importer] = {
    "curated": curated.load,
    "us-1260h": us_1260h.load,
    "ofac-cons": ofac_cons.load,
    "csl": csl.load,
    "unitracker": unitracker.load,
    "ftm": ftm.load,
}


def run_import(
    session: Session, source: str, files: Sequence[Path], progress: Progress = silent
) -> list[ImportResult]:
    """Load ``files`` with the ``source`` importer inside the caller's transaction."""
    try:
        importer = IMPORTERS[source]
    except KeyError:
        known = ", ".join(sorted(IMPORTERS))
        raise BadImportError(f"unknown source {source!r} (known: {known})", file="-") from None
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
