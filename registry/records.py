"""Screening records: every answer kept as evidence, with the decisions made on it.

A record says who asked (platform and user; the terminal's OS user), where (workspace,
channel or DM), when, the query, the verdict and the matched entity ids, the edition of
every list in force, the answer itself and the SHA-256 of its canonical JSON, so a record
can be checked against a re-rendering years later (export rules ask for five years:
15 CFR 762.6). The card a lookup's answer shows (most of its bytes, and the same for every
ask of that organisation) is kept once in ``record_cards`` under the SHA-256 of its text;
the record keeps the rest of the answer and that key, and reading puts the card back.

Records are append-only: the ORM refuses to update or delete one; decisions are rows of
their own; only ``purge`` (the retention setting) deletes, with bulk statements (and the
cards no record left shows). Kept cards are never changed either.
A record is readable by the person who made it and by admins, never by anyone else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Executable, delete, event, insert, select, text
from sqlalchemy.orm import Session

from registry.db import JsonText
from registry.editions import edition_dates
from registry.errors import RegistryError
from registry.models import RecordCard, RecordDecision, ScreeningRecord, utcnow

# Export reads this many records per query, so a decade of records never sits in memory.
EXPORT_CHUNK = 1000


class RecordError(RegistryError):
    """A record that does not exist, or is not the reader's to see."""


class RecordNotFoundError(RecordError):
    pass


class RecordForbiddenError(RecordError):
    pass


class Decision(StrEnum):
    CLEARED = "cleared"
    ESCALATE = "escalate"
    DO_NOT_PROCEED = "do_not_proceed"


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked, and where: a Slack or Teams user in a channel, or the terminal's user."""

    platform: str  # slack | teams | cli
    user_id: str
    team_id: str | None = None
    channel_id: str | None = None

    def may_read(self, record: ScreeningRecord, admins: frozenset[str]) -> bool:
        if self.user_id in admins:
            return True
        return record.platform == self.platform and record.user_id == self.user_id


@dataclass(frozen=True, slots=True)
class Screening:
    """One answer to keep: the query, its verdict, and the answer as plain JSON data."""

    kind: str  # lookup | check | share | pick | file
    query: str
    verdict: str
    entity_ids: tuple[int, ...]
    answer: Mapping[str, Any] | Canonical
    as_of: dt.date | None = None


def canonical_text(answer: Any, default: Callable[[Any], Any] | None = None) -> str:
    """One text per answer: sorted keys, no spaces, no ASCII escapes (RFC 8785's shape
    for the data we keep: strings, integers, floats, lists and objects). ``default``:
    ``json.dumps``'s, for values that are not JSON data yet (dataclasses, dates)."""
    return json.dumps(
        answer,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=default,
    )


def canonical_json(answer: Mapping[str, Any]) -> bytes:
    """The canonical text as UTF-8: what a record's SHA-256 is taken of."""
    return canonical_text(answer).encode("utf-8")


def digest(answer: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(answer)).hexdigest()


# Marks where a card already in canonical text goes (``Canonical.of``); random per process,
# so no text in an answer (a query, a name) can be mistaken for it.
_CARD_MARK = f"mcf-card-{secrets.token_hex(16)}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Part:
    """A card as its canonical text and that text's SHA-256: made once per card object
    (``handlers.records``), kept once in ``record_cards`` however many records show it."""

    text: str
    sha256: str

    @classmethod
    def of(cls, text: str) -> Part:
        return cls(text, _sha256(text))


@dataclass(frozen=True, slots=True)
class Canonical:
    """An answer as its canonical text (``canonical_text``), so a large answer (a card
    with its sources) is serialised once, not three times; ``sha256`` is the digest of that
    whole text. With ``card``: ``skeleton`` is the same text with ``"card":null`` in the
    card's place, which is what the record row stores (the card's text is kept apart)."""

    text: str
    sha256: str
    skeleton: str | None = None
    card: Part | None = None

    @classmethod
    def of(
        cls,
        answer: Mapping[str, Any],
        default: Callable[[Any], Any] | None = None,
        card: str | Part | None = None,
    ) -> Canonical:
        """``answer`` with its ``card`` given as canonical text already (a card's, kept
        while the card lasts): the same text as ``canonical_text`` of the whole answer
        (``default`` as there)."""
        if card is None:
            text = canonical_text(answer, default)
            return cls(text, _sha256(text))
        part = card if isinstance(card, Part) else Part.of(card)
        marked = canonical_text({**answer, "card": _CARD_MARK}, default)
        before, after = marked.split(json.dumps(_CARD_MARK), 1)
        whole = before + part.text + after
        return cls(whole, _sha256(whole), before + "null" + after, part)

    def data(self) -> dict[str, Any]:
        return dict(json.loads(self.text))


def editions_in_force(session: Session) -> dict[str, str]:
    """Per list, the date of the edition the registry holds (what an answer rests on)."""
    return edition_dates(session)


@dataclass(frozen=True, slots=True)
class Item:
    """One person's screenings to keep, with the editions in force (``batch``: the tag
    that groups a file's or a list's rows)."""

    who: Requester
    screenings: Sequence[Screening]
    editions: Mapping[str, str]
    batch: str | None = None


def write(
    session: Session | Connection,
    who: Requester,
    screenings: Sequence[Screening],
    editions: Mapping[str, str],
    *,
    batch: str | None = None,
) -> list[int]:
    """Keep ``screenings`` in the caller's transaction, one INSERT statement for them all
    (a file's thousand rows cost one round trip); returns their ids, in order. A plain
    connection will do: a record is not a registry change (no change log, no provenance)."""
    return write_many(session, [Item(who, screenings, editions, batch)])[0]


# Made once: a statement built per call is hashed anew for SQLAlchemy's compiled cache.
_INSERT = insert(ScreeningRecord).returning(ScreeningRecord.id, sort_by_parameter_order=True)
_CARD_INSERTS: dict[str, Executable] = {}


def _card_insert(dialect: str) -> Executable:
    """INSERT of a card that does nothing when the card is kept already (the same text
    has the same key), per dialect; made on first use (the PostgreSQL dialect module is
    not imported by a SQLite registry)."""
    statement = _CARD_INSERTS.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            statement = postgresql.insert(RecordCard).on_conflict_do_nothing()
        elif dialect == "sqlite":
            from sqlalchemy.dialects import sqlite

            statement = sqlite.insert(RecordCard).on_conflict_do_nothing()
        else:
            raise RecordError(f"screening records are not kept on {dialect}")
        _CARD_INSERTS[dialect] = statement
    return statement


def write_many(session: Session | Connection, items: Sequence[Item]) -> list[list[int]]:
    """``write`` for several people's screenings at once (``registry.record_writer``):
    still one INSERT; the ids of each item's records, in order. The cards they show go
    first, each once (one more statement, which does nothing for a card kept already)."""
    at = utcnow()
    rows = []
    cards: dict[str, Part] = {}
    for item in items:
        for s in item.screenings:
            answer = s.answer if isinstance(s.answer, Canonical) else Canonical.of(s.answer)
            if answer.card is not None:
                cards[answer.card.sha256] = answer.card
            rows.append(
                {
                    "at": at,
                    "platform": item.who.platform,
                    "user_id": item.who.user_id,
                    "team_id": item.who.team_id,
                    "channel_id": item.who.channel_id,
                    "kind": s.kind,
                    "batch": item.batch,
                    "query": s.query,
                    "as_of": s.as_of,
                    "verdict": s.verdict,
                    "entity_ids": list(s.entity_ids),
                    "editions": dict(item.editions),
                    "answer": JsonText(answer.skeleton or answer.text),
                    "answer_sha256": answer.sha256,
                    "card_sha256": answer.card.sha256 if answer.card is not None else None,
                }
            )
    if not rows:
        return [[] for _ in items]
    if cards:
        # In the order of their keys: two writers (PostgreSQL replicas) inserting the same
        # new cards in opposite orders would each wait for the other's (a deadlock).
        kept = [{"sha256": k, "text": cards[k].text, "first_at": at} for k in sorted(cards)]
        dialect = session.get_bind().dialect if isinstance(session, Session) else session.dialect
        session.execute(_card_insert(dialect.name), kept[0] if len(kept) == 1 else kept)
    statement = _INSERT
    if len(rows) == 1:
        ids = [int(session.execute(statement, rows[0]).scalar_one())]
    else:
        ids = [int(i) for i in session.execute(statement, rows).scalars()]
    out, at_id = [], 0
    for item in items:
        n = len(item.screenings)
        out.append(ids[at_id : at_id + n])
        at_id += n
    return out


@dataclass(frozen=True, slots=True)
class DecisionView:
    decision: str
    note: str | None
    platform: str
    user_id: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class RecordView:
    id: int
    at: dt.datetime
    platform: str
    user_id: str
    team_id: str | None
    channel_id: str | None
    kind: str
    batch: str | None
    query: str
    as_of: dt.date | None
    verdict: str
    entity_ids: tuple[int, ...]
    editions: dict[str, str]
    answer: dict[str, Any]
    answer_sha256: str
    decisions: tuple[DecisionView, ...] = ()

    @property
    def intact(self) -> bool:
        """Does the stored answer (its card put back) still hash to the stored digest?"""
        return digest(self.answer) == self.answer_sha256

    def as_dict(self) -> dict[str, Any]:
        """The record as plain JSON data (``records export``)."""
        return {
            "id": self.id,
            "at": self.at.isoformat(timespec="seconds") + "Z",
            "platform": self.platform,
            "user": self.user_id,
            "team": self.team_id,
            "channel": self.channel_id,
            "kind": self.kind,
            "batch": self.batch,
            "query": self.query,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "verdict": self.verdict,
            "entity_ids": list(self.entity_ids),
            "editions": self.editions,
            "answer_sha256": self.answer_sha256,
            "decisions": [
                {
                    "decision": d.decision,
                    "note": d.note,
                    "platform": d.platform,
                    "user": d.user_id,
                    "at": d.at.isoformat(timespec="seconds") + "Z",
                }
                for d in self.decisions
            ],
        }


def _answer(record: ScreeningRecord, cards: Mapping[str, str]) -> dict[str, Any]:
    """The whole answer: the stored one, with its card put back from ``record_cards``.
    A card text that is missing or no longer JSON is left as it is found, so the record
    still reads, and fails ``intact``."""
    answer = dict(record.answer or {})
    if record.card_sha256 is not None:
        card = cards.get(record.card_sha256)
        try:
            answer["card"] = json.loads(card) if card is not None else None
        except ValueError:
            answer["card"] = card
    return answer


def _cards(session: Session, chunk: Sequence[ScreeningRecord]) -> dict[str, str]:
    """The texts of the cards ``chunk`` shows, in one query."""
    keys = {r.card_sha256 for r in chunk if r.card_sha256 is not None}
    if not keys:
        return {}
    rows = session.execute(
        select(RecordCard.sha256, RecordCard.text).where(RecordCard.sha256.in_(keys))
    )
    return {key: card for key, card in rows}


def _view(
    record: ScreeningRecord, decisions: Sequence[RecordDecision], cards: Mapping[str, str]
) -> RecordView:
    return RecordView(
        id=record.id,
        at=record.at,
        platform=record.platform,
        user_id=record.user_id,
        team_id=record.team_id,
        channel_id=record.channel_id,
        kind=record.kind,
        batch=record.batch,
        query=record.query,
        as_of=record.as_of,
        verdict=record.verdict,
        entity_ids=tuple(record.entity_ids or ()),
        editions=dict(record.editions or {}),
        answer=_answer(record, cards),
        answer_sha256=record.answer_sha256,
        decisions=tuple(
            DecisionView(d.decision, d.note, d.platform, d.user_id, d.at) for d in decisions
        ),
    )


def _decisions(session: Session, ids: Sequence[int]) -> dict[int, list[RecordDecision]]:
    found: dict[int, list[RecordDecision]] = {}
    rows = session.scalars(
        select(RecordDecision)
        .where(RecordDecision.record_id.in_(ids))
        .order_by(RecordDecision.at, RecordDecision.id)
    )
    for row in rows:
        found.setdefault(row.record_id, []).append(row)
    return found


def _readable(
    session: Session, record_id: int, reader: Requester | None, admins: frozenset[str]
) -> ScreeningRecord:
    record = session.get(ScreeningRecord, record_id)
    if record is None:
        raise RecordNotFoundError(f"there is no screening record #{record_id}")
    if reader is not None and not reader.may_read(record, admins):
        # The same words as "not found" would leak less, but a person who typed a wrong
        # number deserves to know it is not theirs; the record's content stays hidden.
        raise RecordForbiddenError(
            f"record #{record_id} belongs to someone else: only its maker and admins read it"
        )
    return record


def get(
    session: Session,
    record_id: int,
    reader: Requester | None = None,
    admins: frozenset[str] = frozenset(),
) -> RecordView:
    """One record with its decisions. ``reader`` None: the operator's terminal, which
    holds the database itself."""
    record = _readable(session, record_id, reader, admins)
    decisions = _decisions(session, [record.id]).get(record.id, [])
    return _view(record, decisions, _cards(session, [record]))


def decide(
    session: Session,
    record_id: int,
    who: Requester,
    decision: Decision,
    note: str | None,
    admins: frozenset[str] = frozenset(),
) -> RecordView:
    """Join a decision to a record; the reader rule applies (someone else's record is
    not anyone's to decide on, except an admin's)."""
    _readable(session, record_id, who, admins)
    session.add(
        RecordDecision(
            record_id=record_id,
            decision=decision.value,
            note=(note or "").strip() or None,
            platform=who.platform,
            user_id=who.user_id,
        )
    )
    session.flush()
    return get(session, record_id)


def since(session: Session, start: dt.datetime | None = None) -> Iterator[RecordView]:
    """Every record from ``start`` on, oldest first, with its decisions (an auditor's
    export), read in chunks."""
    last = 0
    while True:
        query = select(ScreeningRecord).where(ScreeningRecord.id > last)
        if start is not None:
            query = query.where(ScreeningRecord.at >= start)
        chunk = session.scalars(query.order_by(ScreeningRecord.id).limit(EXPORT_CHUNK)).all()
        if not chunk:
            return
        decisions = _decisions(session, [r.id for r in chunk])
        cards = _cards(session, chunk)
        for record in chunk:
            yield _view(record, decisions.get(record.id, []), cards)
        last = chunk[-1].id


def purge(session: Session, retention_days: int, now: dt.datetime | None = None) -> int:
    """Delete the records older than the retention period (and their decisions, and the
    cards no record left shows); returns how many records went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    old = select(ScreeningRecord.id).where(ScreeningRecord.at < cutoff)
    session.execute(delete(RecordDecision).where(RecordDecision.record_id.in_(old)))
    result = session.execute(
        delete(ScreeningRecord)
        .where(ScreeningRecord.at < cutoff)
        .execution_options(synchronize_session=False)
    )
    if session.get_bind().dialect.name == "postgresql":
        # A writer in another process may have found a card kept already (its INSERT ...
        # ON CONFLICT DO NOTHING did nothing) and be about to commit a record that shows
        # it, which this DELETE, not seeing that record yet, would take as unreferenced.
        # EXCLUSIVE conflicts with the ROW EXCLUSIVE that writer's INSERT holds until it
        # commits: the lock waits for writers in flight, and writers arriving after it
        # wait for this transaction; the DELETE below (READ COMMITTED: a snapshot per
        # statement, taken after the lock) sees every record they committed. Readers are
        # not held (ACCESS SHARE does not conflict). On SQLite the database write lock
        # serialises writers and the purge already.
        session.execute(text("LOCK TABLE record_cards IN EXCLUSIVE MODE"))
    shown = select(ScreeningRecord.id).where(ScreeningRecord.card_sha256 == RecordCard.sha256)
    session.execute(
        delete(RecordCard).where(~shown.exists()).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _append_only(model: type[ScreeningRecord | RecordCard], rows: str, one: str) -> None:
    """The ORM refuses to change or delete a ``model`` row (``purge`` deletes in bulk,
    past the ORM)."""

    def refuse_update(*_: object) -> None:
        raise RecordError(f"{rows} are append-only: {one} is never changed")

    def refuse_delete(*_: object) -> None:
        raise RecordError(f"{rows} are append-only: only the retention purge deletes")

    event.listen(model, "before_update", refuse_update)
    event.listen(model, "before_delete", refuse_delete)


_append_only(ScreeningRecord, "screening records", "a record")
_append_only(RecordCard, "record cards", "a kept card")
