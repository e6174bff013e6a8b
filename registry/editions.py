"""What the registry holds of each list: the catalogue entry joined to what was loaded.

``list_statuses`` answers ``mcf-bot sources`` and ``/mcf sources``: per list of the
catalogue (``registry/catalog.yaml``), the edition loaded and its date, how many parties
it names (and how many of them are listed today), and when its importer last ran.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from registry.catalog import ListInfo, catalog
from registry.models import Designation, ImportRun, Source, designation_sources


@dataclass(frozen=True)
class ListStatus:
    info: ListInfo
    # The newest edition loaded, as its date ("2025-11-08"); None before any import.
    edition: str | None
    parties: int  # organisations with any period on the list
    listed_now: int  # of which an open period
    last_import: dt.datetime | None
    # Persons (vessels, aircraft) with a China tie that the last import left out.
    out_of_scope: int = 0


def list_statuses(session: Session) -> list[ListStatus]:
    """Every list of the catalogue, in its order, with what is loaded of it."""
    counts = {
        list_id: (parties, listed)
        for list_id, parties, listed in session.execute(
            select(
                Designation.list_id,
                func.count(func.distinct(Designation.entity_id)),
                func.count(func.distinct(Designation.entity_id)).filter(Designation.end.is_(None)),
            ).group_by(Designation.list_id)
        )
    }
    editions = edition_dates(session)
    runs = dict(
        session.execute(
            select(ImportRun.source, func.max(ImportRun.started_at)).group_by(ImportRun.source)
        ).all()
    )
    run_editions = dict(
        session.execute(
            select(ImportRun.source, func.max(ImportRun.edition)).group_by(ImportRun.source)
        ).all()
    )
    scope, read_in = _from_runs(session)
    out = []
    for info in catalog().values():
        parties, listed = counts.get(info.id, (0, 0))
        edition = (
            editions.get(info.id)
            or (run_editions.get(info.importer) if parties else None)
            # An edition read whole that names none of our organisations (ITAR debarred).
            or read_in.get(info.id)
        )
        out.append(
            ListStatus(
                info=info,
                edition=edition,
                parties=parties,
                listed_now=listed,
                last_import=runs.get(info.importer),
                out_of_scope=scope.get(info.id, 0),
            )
        )
    return out


def _from_runs(session: Session) -> tuple[dict[str, int], dict[str, str]]:
    """Per list, from the latest import run that read it: the persons it left out
    (``ImportResult.out_of_scope``), and its edition (``registry.guard.Shape`` rows)."""
    out: dict[str, int] = {}
    read_in: dict[str, str] = {}
    for edition, summary in session.execute(
        select(ImportRun.edition, ImportRun.summary).order_by(ImportRun.id)
    ):
        summary = summary or {}
        for list_id, n in (summary.get("out_of_scope") or {}).items():
            out[list_id] = int(n)
        for list_id in (summary.get("shape") or {}).get("rows") or {}:
            if edition:
                read_in[list_id] = str(edition)
    return out, read_in


def edition_dates(session: Session) -> dict[str, str]:
    """Per list, the newest publication date among the documents its listings cite
    (the list edition each was read from); lists whose sources carry no date are left
    to their importer's edition."""
    main = select(Designation.list_id, Designation.source_id.label("source_id"))
    further = select(Designation.list_id, designation_sources.c.source_id).join(
        designation_sources, designation_sources.c.designation_id == Designation.id
    )
    cited = union_all(main, further).subquery()
    rows = session.execute(
        select(cited.c.list_id, func.max(Source.published))
        .join(Source, Source.id == cited.c.source_id)
        .where(Source.published.is_not(None))
        .group_by(cited.c.list_id)
    ).all()
    return {list_id: published for list_id, published in rows if published}
