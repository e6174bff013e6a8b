"""Small lookups a handler needs by id: names, the entities worth a card first, the file
an import read."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Designation, Entity, ImportRun


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
