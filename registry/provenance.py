"""No source, no claim: enforced at flush time for every session of the registry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from registry.errors import MissingSourceError
from registry.models import Designation, Entity, Relationship


def _check(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Relationship) and not obj.sources:
            raise MissingSourceError(f"relationship {obj.type!r} has no source")
        if isinstance(obj, Designation) and obj.source is None and obj.source_id is None:
            raise MissingSourceError(f"designation on {obj.list_id!r} has no source")
        if (
            isinstance(obj, Entity)
            and obj.summary
            and obj.summary_source is None
            and obj.summary_source_id is None
        ):
            raise MissingSourceError(f"summary of {obj.name!r} has no source")


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", _check)
