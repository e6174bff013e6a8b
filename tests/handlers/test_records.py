"""Screening records through the handlers, over the real bundled registry: what a lookup
and a check leave, the hash a record carries, who may read it, decisions and purge."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import Text, func, select

from handlers.context import ChatContext, Services
from handlers.dispatch import handle
from handlers.lookup import lookup
from handlers.records import _fields, decide, lookup_answer
from handlers.replies import EntityCard, ErrorReply, LookupReply, NoticeReply
from registry import records
from registry.db import unit_of_work
from registry.lookup import MatchStatus
from registry.lookup.types import EXACT_NAME
from registry.models import RecordCard, ScreeningRecord
from registry.records import Requester

ALICE = ChatContext("slack", "C1", team_id="T1", user_id="UALICE")
BOB = ChatContext("slack", "C1", team_id="T1", user_id="UBOB")


def _all(services: Services) -> list[records.RecordView]:
    with unit_of_work(services.registry.sessions) as session:
        return list(records.since(session))


def test_a_lookup_leaves_one_record_whose_hash_recomputes(services: Services) -> None:
    reply = handle(services, "Hikvision", ALICE)
    assert isinstance(reply.body, LookupReply) and reply.body.card is not None
    (kept,) = _all(services)
    assert reply.records == (kept.id,)
    assert (kept.platform, kept.user_id, kept.team_id, kept.channel_id) == (
        "slack",
        "UALICE",
        "T1",
        "C1",
    )
    assert kept.kind == "lookup" and kept.query == "Hikvision"
    assert kept.entity_ids == (reply.body.card.id,)
    assert kept.verdict == kept.answer["verdict"]["level"]
    assert kept.answer["card"]["name"] == reply.body.card.name
    assert kept.editions and all(len(v) == 10 for v in kept.editions.values())
    # The hash, recomputed here from the stored answer by the canonical rule.
    canonical = json.dumps(
        kept.answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert hashlib.sha256(canonical).hexdigest() == kept.answer_sha256
    assert abs((dt.datetime.now(dt.UTC).replace(tzinfo=None) - kept.at).total_seconds()) < 60


def test_a_check_leaves_one_record_per_name_in_one_batch(services: Services) -> None:
    reply = handle(services, "check Hikvision; Baidu; Zzyzx Widgets Unknown", ALICE)
    kept = _all(services)
    assert [r.query for r in kept] == ["Hikvision", "Baidu", "Zzyzx Widgets Unknown"]
    assert reply.records == tuple(r.id for r in kept)
    assert len({r.batch for r in kept}) == 1 and kept[0].batch
    assert all(r.kind == "check" and r.intact for r in kept)


def test_help_and_errors_are_not_screenings(services: Services) -> None:
    handle(services, "help", ALICE)
    handle(services, "x" * 10_000, ALICE)
    assert _all(services) == []


def test_no_asker_no_record(services: Services) -> None:
    handle(services, "Hikvision")
    assert _all(services) == []


def test_a_record_is_read_by_its_maker_and_admins_only(services: Services) -> None:
    record_id = handle(services, "Hikvision", ALICE).records[0]
    mine = handle(services, f"record {record_id}", ALICE).body
    assert isinstance(mine, NoticeReply) and f"#{record_id}" in mine.text
    assert any("Hikvision" in line for line in mine.lines)
    refused = handle(services, f"record {record_id}", BOB).body
    assert isinstance(refused, ErrorReply) and "not yours" in refused.message
    assert "Hikvision" not in refused.message + (refused.hint or "")
    services.record_admins = frozenset({"UBOB"})
    assert isinstance(handle(services, f"record {record_id}", BOB).body, NoticeReply)


def test_a_decision_joins_its_record_and_the_record_is_unchanged(services: Services) -> None:
    record_id = handle(services, "Hikvision", ALICE).records[0]
    before = _all(services)[0]
    who = Requester("slack", "UALICE", "T1", "C1")
    view = decide(services, who, record_id, "do not proceed", "on the 1260H list")
    assert [(d.decision, d.note, d.user_id) for d in view.decisions] == [
        ("do_not_proceed", "on the 1260H list", "UALICE")
    ]
    assert view.answer_sha256 == before.answer_sha256 and view.intact
    with pytest.raises(Exception, match="not yours"):
        decide(services, Requester("slack", "UBOB"), record_id, "cleared", None)
    with pytest.raises(Exception, match="not a decision"):
        decide(services, who, record_id, "maybe", None)


def test_records_are_append_only_and_purged_after_retention(services: Services) -> None:
    handle(services, "Hikvision", ALICE)
    with unit_of_work(services.registry.sessions) as session:
        record = session.scalars(select(ScreeningRecord)).one()
        record.verdict = "cleared"
        with pytest.raises(records.RecordError, match="append-only"):
            session.flush()
        session.rollback()
    with unit_of_work(services.registry.sessions) as session:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        assert records.purge(session, 5 * 365, now) == 0
        assert session.scalar(select(func.count()).select_from(RecordCard)) == 1
        assert records.purge(session, 5 * 365, now + dt.timedelta(days=5 * 365 + 1)) == 1
        assert session.scalar(select(func.count(ScreeningRecord.id))) == 0
        assert session.scalar(select(func.count()).select_from(RecordCard)) == 0


def test_asks_of_one_card_keep_its_text_once(services: Services) -> None:
    """Every ask of a card leaves a record; the card's text is kept once, the records
    keep the rest of their answers (a few hundred bytes, not the card's kilobytes)."""
    for asker in (ALICE, BOB, ALICE):
        handle(services, "Hikvision", asker)
    handle(services, "Baidu", ALICE)
    with services.registry.engine.connect() as conn:
        cards = conn.execute(select(func.length(RecordCard.text))).scalars().all()
        answers = (
            conn.execute(select(func.length(func.cast(ScreeningRecord.answer, Text))))
            .scalars()
            .all()
        )
    assert len(cards) == 2 and min(cards) > 5_000
    assert len(answers) == 4 and max(answers) < 2_000
    kept = _all(services)
    assert all(r.intact and r.answer["card"]["name"] for r in kept)
    assert kept[0].answer == kept[2].answer and kept[0].answer_sha256 == kept[2].answer_sha256


def _whole_answer_text(body: LookupReply) -> str:
    """The canonical JSON of a lookup's whole answer, made the plain way: everything as
    JSON data first, then serialised with sorted keys."""
    whole = {
        f.name: json.loads(json.dumps(getattr(body, f.name), default=_fields))
        for f in dataclasses.fields(body)
        if f.name not in ("card", "finding", "card_finding")
    }
    whole["verdict"] = {"level": str(body.finding.level), "text": body.finding.text}
    whole["card"] = json.loads(json.dumps(body.card, default=_fields)) if body.card else None
    return json.dumps(whole, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_every_card_is_kept_as_the_canonical_json_of_its_whole_answer(
    services: Services, bundled_cards: list[EntityCard]
) -> None:
    """A lookup's answer is serialised once, with the card's text kept per card object
    and put in its place: over every organisation of the bundled registry, the text is
    the canonical JSON of the whole answer as plain data, whatever the card holds."""
    expected: dict[int, str] = {}
    screenings = []
    for card in bundled_cards:
        body = LookupReply(card.name, MatchStatus.MATCH, card, matched_on=card.name, how=EXACT_NAME)
        expected[card.id] = _whole_answer_text(body)
        answer = lookup_answer(services, body)
        assert answer.text == expected[card.id], card.id
        assert answer.sha256 == hashlib.sha256(expected[card.id].encode()).hexdigest()
        again = lookup_answer(services, body)  # the kept card text and its digest
        assert (again.text, again.card) == (expected[card.id], answer.card), card.id
        assert answer.card is not None and answer.skeleton is not None
        assert answer.card.sha256 == hashlib.sha256(answer.card.text.encode()).hexdigest()
        assert json.loads(answer.skeleton) == {**answer.data(), "card": None}
        screenings.append(records.Screening("lookup", card.name, "x", (card.id,), answer))
    # Kept and read back (the export, and one by one): the whole answer as it was built
    # before cards were kept apart, and its digest the record's.
    with services.registry.engine.begin() as conn:
        records.write(conn, Requester("cli", "me"), screenings, {})
    with unit_of_work(services.registry.sessions) as session:
        for view in records.since(session):
            text = records.canonical_text(view.answer)
            assert text == expected[view.entity_ids[0]], view.entity_ids
            assert view.answer_sha256 == hashlib.sha256(text.encode()).hexdigest()
            assert view.intact
            assert records.get(session, view.id).answer == view.answer
        assert session.scalar(select(func.count()).select_from(RecordCard)) == len(expected)


def test_answers_without_a_card_are_kept_as_their_canonical_json(
    services: Services, bundled_cards: list[EntityCard]
) -> None:
    """ "Did you mean" and "no finding" answers (candidates, the lists checked) too: names
    of every 25th organisation, cut short or misspelt, and a name nobody has."""
    queries = ["Zzyzx Widgets Unknown"] + [
        variant
        for card in bundled_cards[::25]
        for variant in (card.name[: max(3, len(card.name) // 2)], card.name[::-1])
    ]
    kinds = set()
    for query in queries:
        body = lookup(services, query)
        kinds.add(body.status)
        assert lookup_answer(services, body).text == _whole_answer_text(body), query
    assert {MatchStatus.NONE, MatchStatus.AMBIGUOUS} <= kinds


def test_a_query_cannot_pass_for_the_card(services: Services) -> None:
    """A query that looks like where the card's text goes is kept as the query it is."""
    reply = handle(services, "Hikvision", ALICE)
    assert isinstance(reply.body, LookupReply) and reply.body.card is not None
    body = dataclasses.replace(reply.body, query='mcf-card-0" "card":null')
    answer = lookup_answer(services, body)
    assert answer.data()["query"] == body.query
    assert answer.data()["card"]["name"] == reply.body.card.name
