"""Cards kept once for every record that shows them (``record_cards``), on SQLite and
PostgreSQL: two records of one card store its text once and small rows; each reads back
(one record, and the export) as the whole answer, whose digest is ``answer_sha256``; a
record written before the cards table (the whole answer in its row) reads and verifies
as before, also across the migration; a changed card text breaks ``intact``; purge
deletes the cards no record shows and keeps the others, and on PostgreSQL waits for a
writer still committing a record of a card it would otherwise delete."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text, update

from registry import records, schema
from registry.db import make_engine, make_session_factory, unit_of_work
from registry.models import RecordCard, ScreeningRecord, utcnow
from registry.records import Canonical, Part, Requester, Screening
from registry.service import Registry

WHO = Requester("slack", "UALICE", "T1", "C1")
EDITIONS = {"entity_list": "2025-09-29"}
# A card of some size, with text that needs care in JSON (quotes, Chinese, a backslash).
CARD = {
    "id": 7,
    "name": 'Hangzhou "Hikvision" Digital Technology',
    "native_name": "杭州海康威视数字技术股份有限公司",
    "sources": [
        {"n": i, "title": f"source {i} \\ part", "url": f"https://e.gov/{i}"} for i in range(200)
    ],
}
ANSWER = {"query": "Hikvision", "verdict": {"level": "listed", "text": "Listed."}, "score": 0.97}
BEFORE_MIGRATION = "0011_watch_verdict_s22"


def _whole(card: dict[str, object] = CARD, **answer: object) -> dict[str, object]:
    return {**ANSWER, **answer, "card": card}


def _screening(query: str = "Hikvision", card: dict[str, object] = CARD) -> Screening:
    part = Part.of(records.canonical_text(card))
    answer = Canonical.of({**ANSWER, "query": query}, card=part)
    return Screening("lookup", query, "listed", (7,), answer)


def _write(registry: Registry, *screenings: Screening) -> list[int]:
    with registry.engine.begin() as conn:
        return records.write(conn, WHO, screenings, EDITIONS)


def _count(registry: Registry, what: object) -> int:
    with registry.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)  # type: ignore[arg-type]


def _stored_answer_chars(registry: Registry) -> list[int]:
    with registry.engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT length(CAST(answer AS TEXT)) FROM screening_records")
            ).scalars()
        )


def _two_asks_keep_the_card_once(registry: Registry) -> None:
    first = _write(registry, _screening("Hikvision"))
    second = _write(registry, _screening("hikvision digital"), _screening("HIKVISION"))
    assert _count(registry, RecordCard) == 1
    card_chars = len(records.canonical_text(CARD))
    assert card_chars > 10_000
    assert all(n < 200 for n in _stored_answer_chars(registry))  # the answer, not the card
    with unit_of_work(registry.sessions) as session:
        exported = {view.id: view for view in records.since(session)}
        for record_id, query in zip(
            [*first, *second], ["Hikvision", "hikvision digital", "HIKVISION"], strict=True
        ):
            whole = _whole(query=query)
            expected_digest = hashlib.sha256(records.canonical_json(whole)).hexdigest()
            for view in (records.get(session, record_id), exported[record_id]):
                assert view.answer == whole
                assert view.answer_sha256 == expected_digest and view.intact


def test_two_records_of_one_card_keep_its_text_once(empty_registry: Registry) -> None:
    _two_asks_keep_the_card_once(empty_registry)


def test_two_records_of_one_card_keep_its_text_once_on_postgres(
    pg_empty_registry: Registry,
) -> None:
    _two_asks_keep_the_card_once(pg_empty_registry)


def test_a_record_of_a_whole_answer_reads_and_verifies_as_before(empty_registry: Registry) -> None:
    """An answer given as data (no card part) is kept whole in its row, as every record
    written before ``record_cards`` was."""
    (record_id,) = _write(
        empty_registry, Screening("lookup", "Hikvision", "listed", (7,), _whole())
    )
    with unit_of_work(empty_registry.sessions) as session:
        row = session.get(ScreeningRecord, record_id)
        assert row is not None and row.card_sha256 is None and row.answer == _whole()
        view = records.get(session, record_id)
    assert view.answer == _whole() and view.intact
    assert _count(empty_registry, RecordCard) == 0


def _tamper(registry: Registry, new_text: str) -> None:
    with registry.engine.begin() as conn:
        conn.execute(update(RecordCard).values(text=new_text))


@pytest.mark.parametrize(
    "changed",
    [
        records.canonical_text({**CARD, "name": "Someone Else Ltd"}),
        records.canonical_text(CARD)[:-1],  # no longer JSON: still read, and not intact
    ],
)
def test_a_changed_card_text_is_not_intact(empty_registry: Registry, changed: str) -> None:
    (record_id,) = _write(empty_registry, _screening())
    _tamper(empty_registry, changed)
    with unit_of_work(empty_registry.sessions) as session:
        assert not records.get(session, record_id).intact
        assert [v.intact for v in records.since(session)] == [False]


def test_a_kept_card_is_never_changed_through_the_orm(empty_registry: Registry) -> None:
    _write(empty_registry, _screening())
    with unit_of_work(empty_registry.sessions) as session:
        card = session.scalars(select(RecordCard)).one()
        card.text = "{}"
        with pytest.raises(records.RecordError, match="append-only"):
            session.flush()
        session.rollback()
        with pytest.raises(records.RecordError, match="append-only"):
            session.delete(session.scalars(select(RecordCard)).one())
            session.flush()
        session.rollback()


def _purge_keeps_only_cards_still_shown(registry: Registry) -> None:
    other = {**CARD, "id": 8, "name": "Zhejiang Dahua Technology"}
    _write(registry, _screening("Hikvision"), _screening("Dahua", other))
    later = utcnow() + dt.timedelta(days=10)
    with registry.engine.begin() as conn:  # the Dahua record is the older one
        conn.execute(
            update(ScreeningRecord).where(ScreeningRecord.query == "Hikvision").values(at=later)
        )
    with unit_of_work(registry.sessions) as session:
        assert records.purge(session, 5, now=utcnow() + dt.timedelta(days=6)) == 1
    with unit_of_work(registry.sessions) as session:
        kept = session.scalars(select(RecordCard.sha256)).all()
        (view,) = records.since(session)
    assert kept == [Part.of(records.canonical_text(CARD)).sha256]
    assert view.query == "Hikvision" and view.answer == _whole() and view.intact
    with unit_of_work(registry.sessions) as session:
        assert records.purge(session, 5, now=later + dt.timedelta(days=6)) == 1
    assert _count(registry, RecordCard) == 0


def test_purge_deletes_the_cards_no_record_shows(empty_registry: Registry) -> None:
    _purge_keeps_only_cards_still_shown(empty_registry)


def test_purge_deletes_the_cards_no_record_shows_on_postgres(pg_empty_registry: Registry) -> None:
    _purge_keeps_only_cards_still_shown(pg_empty_registry)


def test_purge_on_postgres_waits_for_a_writer_of_a_card_it_would_delete(
    pg_empty_registry: Registry,
) -> None:
    """A writer finds the card kept already (its insert does nothing) and has not
    committed its record when purge comes to delete that card, shown by an old record
    only: purge waits for the writer, then keeps the card the new record shows."""
    registry = pg_empty_registry
    _write(registry, _screening("old ask"))
    writer = registry.engine.connect()
    transaction = writer.begin()
    records.write(writer, WHO, [_screening("new ask")], EDITIONS)
    outcome: list[object] = []

    def purge() -> None:
        try:
            with unit_of_work(registry.sessions) as session:
                outcome.append(records.purge(session, 0, now=utcnow() + dt.timedelta(seconds=1)))
        except Exception as exc:  # the test reports it below
            outcome.append(exc)

    purging = threading.Thread(target=purge)
    purging.start()
    purging.join(1.0)
    assert purging.is_alive() and outcome == []  # waiting for the writer
    transaction.commit()
    writer.close()
    purging.join(10)
    # The old record went; the new one was not yet committed when purge chose what to
    # delete, and its card stays (without the lock: a foreign key violation, or with no
    # foreign key a record whose card is gone).
    assert outcome == [1]
    with unit_of_work(registry.sessions) as session:
        (view,) = records.since(session)
    assert view.query == "new ask" and view.intact
    assert _count(registry, RecordCard) == 1


# --- Migration: records written before 0012 ---------------------------------------


def _old_record(registry: Registry) -> str:
    """A record as 0007-0011 wrote it: the whole answer in the row."""
    whole = records.canonical_text(_whole())
    with registry.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO screening_records (at, platform, user_id, kind, query, verdict,"
                " entity_ids, editions, answer, answer_sha256) VALUES (:at, 'slack', 'UALICE',"
                " 'lookup', 'Hikvision', 'listed', '[7]', '{}', :answer, :sha)"
            ),
            {"at": utcnow(), "answer": whole, "sha": hashlib.sha256(whole.encode()).hexdigest()},
        )
    return hashlib.sha256(whole.encode()).hexdigest()


def _records_from_before_read_after_the_migration(engine: Engine) -> None:
    """A record and its decision as 0011 kept them read and verify after 0012, beside a
    record written after it (the decision kept: no table copied)."""
    schema.upgrade(engine, BEFORE_MIGRATION)
    registry = Registry(engine, make_session_factory(engine))
    sha = _old_record(registry)
    with engine.begin() as conn:  # as 0011 knows it: no card column yet
        conn.execute(
            text(
                "INSERT INTO record_decisions (record_id, decision, note, platform,"
                " user_id, at) SELECT id, 'escalate', 'look again', 'slack', 'UALICE', :at"
                " FROM screening_records"
            ),
            {"at": utcnow()},
        )
    schema.upgrade(engine)
    _write(registry, _screening())
    with unit_of_work(registry.sessions) as session:
        old, new = records.since(session)
    assert [d.note for d in old.decisions] == ["look again"]
    assert old.answer == new.answer == _whole()
    assert old.answer_sha256 == new.answer_sha256 == sha and old.intact and new.intact
    with unit_of_work(registry.sessions) as session:
        assert records.get(session, old.id) == old
    assert schema.current_revision(engine) == "0012_record_cards_s32"


def test_a_record_written_before_the_migration_reads_and_verifies_after_it(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        _records_from_before_read_after_the_migration(engine)
    finally:
        engine.dispose()


def test_a_record_written_before_the_migration_on_postgres(pg_schema: Engine) -> None:
    _records_from_before_read_after_the_migration(pg_schema)


def _downgrade_puts_cards_back(engine: Engine) -> None:
    registry = Registry(engine, make_session_factory(engine))
    other = {**CARD, "id": 8, "name": "Zhejiang Dahua Technology"}
    ids = _write(registry, _screening("Hikvision"), _screening("Dahua", other))
    _write(registry, _screening("HIKVISION"))
    with unit_of_work(registry.sessions) as session:
        records.decide(session, ids[0], WHO, records.Decision.ESCALATE, "look again")
    config = schema.alembic_config(engine)
    with engine.begin() as conn:  # as ``schema.upgrade`` runs Alembic
        config.attributes["connection"] = conn
        command.downgrade(config, BEFORE_MIGRATION)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT query, CAST(answer AS TEXT), answer_sha256 FROM screening_records")
        ).all()
        assert conn.execute(text("SELECT count(*) FROM record_decisions")).scalar() == 1
    expected = {
        "Hikvision": _whole(query="Hikvision"),
        "Dahua": _whole(other, query="Dahua"),
        "HIKVISION": _whole(query="HIKVISION"),
    }
    assert len(rows) == 3
    for query, answer, sha in rows:
        assert answer == records.canonical_text(expected[query])
        assert hashlib.sha256(answer.encode()).hexdigest() == sha
    schema.upgrade(engine)
    with unit_of_work(registry.sessions) as session:
        assert all(view.intact for view in records.since(session))


def test_a_downgrade_puts_every_card_back_into_its_records(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'down.sqlite3'}")
    schema.upgrade(engine)
    try:
        _downgrade_puts_cards_back(engine)
    finally:
        engine.dispose()


def test_a_downgrade_puts_every_card_back_on_postgres(pg_schema: Engine) -> None:
    schema.upgrade(pg_schema)
    _downgrade_puts_cards_back(pg_schema)
