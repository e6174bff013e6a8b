"""No source, no claim; every change leaves one change-log row in its own transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from registry import store
from registry.changelog import ChangeContext, change_context
from registry.db import unit_of_work
from registry.errors import MissingSourceError
from registry.models import Change, Designation, Entity, Relationship
from registry.service import Registry


def _two_entities(session) -> tuple[Entity, Entity]:  # type: ignore[no-untyped-def]
    a = store.new_entity(session, key="a", name="Alpha Co", kind="company")
    b = store.new_entity(session, key="b", name="Beta Group", kind="state_owned_group")
    session.flush()
    return a, b


def test_relationship_without_source_is_refused(empty_registry: Registry) -> None:
    with pytest.raises(MissingSourceError), unit_of_work(empty_registry.sessions) as session:
        a, b = _two_entities(session)
        session.add(Relationship(subject=a, object=b, type="subsidiary_of", sources=[]))
    with unit_of_work(empty_registry.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Entity)) == 0


def test_designation_without_source_is_refused(empty_registry: Registry) -> None:
    with pytest.raises(MissingSourceError), unit_of_work(empty_registry.sessions) as session:
        a, _ = _two_entities(session)
        a.designations.append(Designation(list_id="x", list_name="X", start=dt.date(2024, 1, 1)))


def test_summary_without_source_is_refused_by_the_database_too(
    empty_registry: Registry,
) -> None:
    with pytest.raises(IntegrityError), empty_registry.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO entities (key, kind, name, summary, created_at) "
            "VALUES ('k', 'company', 'N', 'unsourced claim', '2026-01-01')"
        )


def test_changes_are_logged_with_their_context_and_only_once(empty_registry: Registry) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        src = store.get_source(session, title="T", publisher="P", url="https://example.org/t")
        with change_context(session, ChangeContext(source_file="edition-1.csv")):
            a, b = _two_entities(session)
            store.add_alias(session, a, "Alpha")
            store.add_relationship(session, a, b, "subsidiary_of", sources=[src])
            store.set_designation_periods(
                session,
                a,
                list_id="l",
                list_name="L",
                periods=[(dt.date(2024, 1, 1), None, None, src)],
            )
            session.flush()  # rows are derived at flush time, inside the context
    with unit_of_work(empty_registry.sessions) as session:
        kinds = session.scalars(select(Change.kind).order_by(Change.id)).all()
        files = set(session.scalars(select(Change.source_file)))
    # The alias of a brand-new entity is part of "added", not a separate change.
    assert kinds == ["entity_added", "entity_added", "relationship_added", "designation_added"]
    assert files == {"edition-1.csv"}

    with unit_of_work(empty_registry.sessions) as session:
        a = store.entity_by_key(session, "a")
        assert a is not None
        src = store.get_source(session, title="T", publisher="P", url="https://example.org/t")
        # Same facts again: nothing changes, nothing is logged.
        assert not store.add_alias(session, a, "Alpha")
        assert (
            store.set_designation_periods(
                session,
                a,
                list_id="l",
                list_name="L",
                periods=[(dt.date(2024, 1, 1), None, None, src)],
            )
            == 0
        )
        # Delisting, then a new name: two more rows.
        store.set_designation_periods(
            session,
            a,
            list_id="l",
            list_name="L",
            periods=[(dt.date(2024, 1, 1), dt.date(2025, 1, 1), None, src)],
        )
        store.add_alias(session, a, "Alpha Holdings")
    with unit_of_work(empty_registry.sessions) as session:
        tail = session.scalars(select(Change.kind).order_by(Change.id)).all()[4:]
    assert sorted(tail) == ["designation_ended", "name_added"]


def test_a_failed_transaction_logs_nothing(empty_registry: Registry) -> None:
    with pytest.raises(RuntimeError), unit_of_work(empty_registry.sessions) as session:
        _two_entities(session)
        raise RuntimeError("import broke half-way")
    with unit_of_work(empty_registry.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Change)) == 0
