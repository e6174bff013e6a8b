"""The change log: every flush that adds or ends a claim writes its rows in the same
transaction, so nothing can change without a trace and alerts never miss a change.

Writers describe *why* by putting a ``ChangeContext`` in ``session.info`` (which import
run, which file); the rows themselves are derived from what was flushed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from registry.models import (
    Alias,
    Change,
    ChangeKind,
    Designation,
    Entity,
    Identifier,
    Relationship,
    utcnow,
)

_CONTEXT = "mcf_change_context"
_NEW_ENTITIES = "mcf_new_entities"
# PostgreSQL advisory lock that makes the log's "settled" position knowable: every
# transaction that writes change rows holds it shared until it ends; ``settled_change_id``
# takes it exclusively for an instant. Any constant no other application uses.
_WRITERS_LOCK_KEY = zlib.crc32(b"mcf-bot change writers")


@dataclass(frozen=True)
class ChangeContext:
    import_run_id: int | None = None
    source_file: str | None = None


@contextmanager
def change_context(session: Session, context: ChangeContext) -> Iterator[None]:
    previous = session.info.get(_CONTEXT)
    session.info[_CONTEXT] = context
    try:
        yield
    finally:
        session.info[_CONTEXT] = previous


def log_bulk(session: Session, kind: ChangeKind, entries: list[tuple[int, dict[str, Any]]]) -> None:
    """Log rows that a bulk importer wrote with Core inserts (no flush sees them), in the
    same form and transaction as ``_after_flush`` would have; ``entries`` are
    (entity id, detail)."""
    if not entries:
        return
    context: ChangeContext = session.info.get(_CONTEXT) or ChangeContext()
    if kind is ChangeKind.ENTITY_ADDED:
        session.info.setdefault(_NEW_ENTITIES, set()).update(e for e, _ in entries)
    _writing(session)
    at = utcnow()
    session.execute(
        insert(Change.__table__),  # type: ignore[arg-type]  # a Table: Core, not ORM bulk
        [
            {
                "at": at,
                "kind": kind.value,
                "entity_id": entity_id,
                "import_run_id": context.import_run_id,
                "source_file": context.source_file,
                "detail": detail,
            }
            for entity_id, detail in entries
        ],
    )


def _after_flush(session: Session, _flush_context: Any) -> None:
    context: ChangeContext = session.info.get(_CONTEXT) or ChangeContext()
    # Entities created earlier in this transaction: their names are part of "added".
    fresh: set[int] = session.info.setdefault(_NEW_ENTITIES, set())
    rows: list[dict[str, Any]] = []

    def log(kind: ChangeKind, entity_id: int | None, **detail: Any) -> None:
        rows.append(
            {
                "at": utcnow(),
                "kind": kind.value,
                "entity_id": entity_id,
                "import_run_id": context.import_run_id,
                "source_file": context.source_file,
                "detail": detail,
            }
        )

    new = list(session.new)
    for obj in new:
        if isinstance(obj, Entity):
            fresh.add(obj.id)
            log(ChangeKind.ENTITY_ADDED, obj.id, name=obj.name, entity_kind=obj.kind)
    for obj in new:
        if isinstance(obj, Alias) and obj.entity_id not in fresh:
            log(ChangeKind.NAME_ADDED, obj.entity_id, name=obj.name)
        elif isinstance(obj, Identifier) and obj.entity_id not in fresh:
            log(ChangeKind.IDENTIFIER_ADDED, obj.entity_id, scheme=obj.scheme, value=obj.value)
        elif isinstance(obj, Designation):
            earlier = session.execute(
                select(func.count())
                .select_from(Designation)
                .where(
                    Designation.entity_id == obj.entity_id,
                    Designation.list_id == obj.list_id,
                    Designation.id != obj.id,
                )
            ).scalar_one()
            log(
                ChangeKind.DESIGNATION_ADDED,
                obj.entity_id,
                designation_id=obj.id,
                list_id=obj.list_id,
                list_name=obj.list_name,
                start=obj.start.isoformat() if obj.start else None,
                end=obj.end.isoformat() if obj.end else None,
                relisted=earlier > 0,
            )
        elif isinstance(obj, Relationship):
            log(
                ChangeKind.RELATIONSHIP_ADDED,
                obj.subject_id,
                relationship_id=obj.id,
                type=obj.type,
                object_id=obj.object_id,
            )
    for obj in session.dirty:
        if isinstance(obj, Designation):
            history = inspect(obj).attrs.end.history
            new_end = history.added[0] if history.added else None
            if _reopened(history.added, history.deleted):
                log(
                    ChangeKind.DESIGNATION_REOPENED,
                    obj.entity_id,
                    designation_id=obj.id,
                    list_id=obj.list_id,
                    list_name=obj.list_name,
                    start=obj.start.isoformat() if obj.start else None,
                    end=None,
                    relisted=True,
                )
            elif new_end is not None and all(old is None for old in history.deleted):
                log(
                    ChangeKind.DESIGNATION_ENDED,
                    obj.entity_id,
                    designation_id=obj.id,
                    list_id=obj.list_id,
                    list_name=obj.list_name,
                    start=obj.start.isoformat() if obj.start else None,
                    end=new_end.isoformat(),
                )
    if rows:
        _writing(session)
        session.connection().execute(insert(Change), rows)


def _writing(session: Session) -> None:
    """Before change ids are drawn (PostgreSQL): hold the writers' lock, shared, until the
    transaction ends. Taken at every write, not once per transaction: a savepoint rolled
    back releases what was taken inside it."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(select(func.pg_advisory_xact_lock_shared(_WRITERS_LOCK_KEY)))


def settled_change_id(session: Session) -> int | None:
    """The change-log position below which nothing more can appear: every change with a
    lower id is committed (or never will be). None when that cannot be known now.

    SQLite has one writer at a time, so ids are committed in order and the highest visible
    id is settled. PostgreSQL draws ids when rows are written, not when they commit: a
    long import may hold id 100 uncommitted while a change with id 101 is visible. So the
    highest id is read only while no writer is in flight (the writers' lock taken
    exclusively, never waited for, in a transaction of its own that ends at once); a
    writer that starts after it draws higher ids. A watermark that stops here loses
    nothing (``registry.alert_planning.pending_changes``)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return session.scalar(select(func.max(Change.id))) or 0
    with bind.engine.connect() as conn:
        if not conn.scalar(select(func.pg_try_advisory_xact_lock(_WRITERS_LOCK_KEY))):
            conn.rollback()
            return None
        # A statement of its own, after the lock: its snapshot sees every writer that
        # held the lock before (each released it only when it ended).
        top = conn.scalar(select(func.max(Change.id))) or 0
        conn.commit()
    return top


def _reopened(added: Sequence[Any], deleted: Sequence[Any]) -> bool:
    """An end date taken away: the period is open again (a relisting)."""
    return bool(added) and added[0] is None and any(old is not None for old in deleted)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_NEW_ENTITIES, None)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "after_transaction_end", _after_transaction_end)
