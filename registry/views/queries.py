"""Small lookups a handler needs by id: names, the entities worth a card first, the file
an import read."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.catalog import describe
from registry.models import Designation, Entity, ImportRun


def legally_listed_ids(session: Session) -> set[int]:
    """Entities on a list of legal effect today: a research tracker's entry is no listing
    (the catalogue's ``legal``; a list it does not describe counts as legal)."""
    rows = session.execute(
        select(Designation.entity_id, Designation.list_id).where(Designation.end.is_(None))
    ).all()
    legal = {list_id: _legal(list_id) for list_id in {list_id for _, list_id in rows}}
    return {entity_id for entity_id, list_id in rows if legal[list_id]}


def _legal(list_id: str) -> bool:
    info = describe(list_id)
    return info.legal if info is not None else True


def entity_ids_listed_first(session: Session, limit: int) -> list[int]:
    """Up to ``limit`` entity ids, those on a list today first (the cards worth building
    before anyone asks)."""
    listed = select(Designation.entity_id).where(Designation.end.is_(None))
    return list(
        session.scalars(
            select(Entity.id).order_by(Entity.id.in_(listed).desc(), Entity.id).limit(limit)
        ).all()
    )


def entity_names(session: Session, ids: set[int]) -> dict[int, str]:
    return dict(session.execute(select(Entity.id, Entity.name).where(Entity.id.in_(ids))).all())


def import_file_name(session: Session, run_id: int | None) -> str | None:
    run = session.get(ImportRun, run_id) if run_id else None
    return run.files[0].rsplit("/", 1)[-1] if run and run.files else None
