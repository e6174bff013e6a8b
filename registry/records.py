"""Screening records: every answer kept as evidence, with the decisions made on it.

A record says who asked (platform and user; the terminal's OS user), where (workspace,
channel or DM), when, the query, the verdict and the matched entity ids, the edition of
every list in force, the answer itself and the SHA-256 of its canonical JSON, so a record
can be checked against a re-rendering years later (export rules ask for five years:
15 CFR 762.6).

Records are append-only: the ORM refuses to update or delete one; decisions are rows of
their own; only ``purge`` (the retention setting) deletes, with one bulk statement.
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

from sqlalchemy import Connection, delete, event, insert, select
from sqlalchemy.orm import Session

from registry.db import JsonText
from registry.editions import edition_dates
from registry.errors import RegistryError
from registry.models import RecordDecision, ScreeningRecord, utcnow

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


# Marks where a part already in canonical text goes (``Canonical.of``); random per process,
# so no text in an answer (a query, a name) can be mistaken for it.
_PART_MARK = f"mcf-part-{secrets.token_hex(16)}:"


@dataclass(frozen=True, slots=True)
class Canonical:
    """An answer as its canonical text (``canonical_text``): stored and hashed as it is,
    so a large answer (a card with its sources) is serialised once, not three times."""

    text: str

    @classmethod
    def of(
        cls,
        answer: Mapping[str, Any],
        default: Callable[[Any], Any] | None = None,
        **parts: str,
    ) -> Canonical:
        """``answer`` with each key of ``parts`` given as its canonical text already (a
        card's, kept while the card lasts): the same text as ``canonical_text`` of the
        whole answer (``default`` as there)."""
        marked = {**answer, **{key: _PART_MARK + key for key in parts}}
        text = canonical_text(marked, default)
        for key, part in parts.items():
            text = text.replace(json.dumps(_PART_MARK + key), part, 1)
        return cls(text)

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


def write_many(session: Session | Connection, items: Sequence[Item]) -> list[list[int]]:
    """``write`` for several people's screenings at once (``registry.record_writer``):
    still one INSERT; the ids of each item's records, in order."""
    at = utcnow()
    rows = []
    for item in items:
        for s in item.screenings:
            answer = s.answer if isinstance(s.answer, Canonical) else Canonical.of(s.answer)
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
                    "answer": JsonText(answer.text),
                    "answer_sha256": hashlib.sha256(answer.text.encode("utf-8")).hexdigest(),
                }
            )
    if not rows:
        return [[] for _ in items]
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
        """Does the stored answer still hash to the stored digest?"""
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


def _view(record: ScreeningRecord, decisions: Sequence[RecordDecision]) -> RecordView:
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
        answer=dict(record.answer or {}),
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
    return _view(record, _decisions(session, [record.id]).get(record.id, []))


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
        for record in chunk:
            yield _view(record, decisions.get(record.id, []))
        last = chunk[-1].id


def purge(session: Session, retention_days: int, now: dt.datetime | None = None) -> int:
    """Delete the records older than the retention period (and their decisions);
    returns how many records went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    old = select(ScreeningRecord.id).where(ScreeningRecord.at < cutoff)
    session.execute(delete(RecordDecision).where(RecordDecision.record_id.in_(old)))
    result = session.execute(
        delete(ScreeningRecord)
        .where(ScreeningRecord.at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@event.listens_for(ScreeningRecord, "before_update")
def _refuse_update(*_: object) -> None:
    raise RecordError("screening records are append-only: a record is never changed")


@event.listens_for(ScreeningRecord, "before_delete")
def _refuse_delete(*_: object) -> None:
    raise RecordError("screening records are append-only: only the retention purge deletes")
