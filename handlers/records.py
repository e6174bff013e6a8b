"""Screening records from the handlers' side: which answers are kept, as what, and who
may read them (``registry.records`` keeps them).

Every lookup, check row, share and file row a person asks for in Slack, Teams or the
terminal leaves one record. The record's ``answer`` is the reply as plain JSON data (the
card with its sources, or the check line), and its verdict is the level the answer
carries (``handlers.verdict``), whatever levels that module names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import uuid
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from handlers.context import ChatContext, Services
from handlers.errors import BadInput, NotFound
from handlers.replies import (
    CheckLine,
    CheckListReply,
    EntityCard,
    LookupReply,
    NoticeReply,
    Reply,
)
from registry import records
from registry.db import unit_of_work
from registry.lookup.types import Explanation
from registry.memory_only import NeedsDatabase
from registry.record_writer import RECORD_LOCK_WAIT_S
from registry.records import Decision, Requester, Screening

log = logging.getLogger(__name__)

MAX_NOTE_CHARS = 2000


def requester(chat: ChatContext | None, who: Requester | None = None) -> Requester | None:
    """Who asked: given outright (the terminal), or the chat user in their channel."""
    if who is not None:
        return who
    if chat is None or not chat.user_id:
        return None
    return Requester(chat.platform, chat.user_id, chat.team_id, chat.channel_id)


def _fields(value: Any) -> Any:
    """``json.dumps``'s fallback: a dataclass as its fields (one level: the encoder walks
    on), a date or anything else as its text. Cheaper than ``dataclasses.asdict``, which
    deep-copies a card's thousands of values before they are encoded anyway. A match
    explanation is stored as the text it shows ("near (typo) name")."""
    if isinstance(value, Explanation):
        return value.text
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return str(value)


def _plain(value: Any) -> Any:
    """Dataclasses, tuples, dates and enums as JSON data (what the record stores)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=_fields))


def _card_part(services: Services, card: EntityCard) -> records.Part:
    """A card as canonical JSON text with its SHA-256, once per card object (cards are
    shared until the registry changes; the entry keeps its card alive, so the object's id
    stays its own). The text is a tenth of the memory of the card as JSON data, and what
    a record keeps, once per card (``record_cards``), under that SHA-256."""
    kept_card, part = services.card_texts.get("card", id(card), 0, lambda: (card, _part(card)))
    return part if kept_card is card else _part(card)


def ready(services: Services, card: EntityCard) -> None:
    """Make ``card``'s record text ahead of its first ask (``serve`` does while it warms
    its cards: some 0.4 ms a card, 14 MB for the bundled registry's 3,117)."""
    _card_part(services, card)


def _part(card: EntityCard) -> records.Part:
    return records.Part.of(records.canonical_text(_plain(card)))


def lookup_answer(services: Services, body: LookupReply) -> records.Canonical:
    """A lookup's answer as canonical JSON: the verdict, the match and the whole card
    (the fields are serialised straight into the canonical text, with the card's kept
    text put in its place)."""
    finding = body.finding
    answer: dict[str, Any] = {
        f.name: getattr(body, f.name)
        for f in dataclasses.fields(body)
        if f.name not in ("card", "finding", "card_finding")  # the verdict and card below
    }
    answer["verdict"] = {"level": str(finding.level), "text": finding.text}
    if body.card is None:
        return records.Canonical.of({**answer, "card": None}, default=_fields)
    return records.Canonical.of(answer, default=_fields, card=_card_part(services, body.card))


def line_answer(line: CheckLine) -> dict[str, Any]:
    answer = _plain(line)
    answer["verdict"] = line.verdict.words  # as a check line says it
    if line.finding is not None:
        answer["verdict"] = {"level": str(line.finding.level), "text": line.finding.text}
    return dict(answer)


def _ids(body: LookupReply) -> tuple[int, ...]:
    if body.card is not None:
        return (body.card.id,)
    return tuple(c.id for c in body.candidates)


def lookup_screening(
    services: Services, kind: str, body: LookupReply, as_of: dt.date | None = None
) -> Screening:
    return Screening(
        kind=kind,
        query=body.query,
        verdict=str(body.finding.level),
        entity_ids=_ids(body),
        answer=lookup_answer(services, body),
        as_of=as_of,
    )


def line_screening(kind: str, line: CheckLine, as_of: dt.date | None = None) -> Screening:
    level = str(line.finding.level) if line.finding is not None else line.verdict.words
    ids = (line.entity_id,) if line.entity_id is not None else tuple(c.id for c in line.candidates)
    return Screening(kind, line.query, level, ids, line_answer(line), as_of)


def screenings_of(
    services: Services, kind: str, reply: Reply, as_of: dt.date | None = None
) -> list[Screening]:
    """What of a reply is kept: a lookup's answer, or every line of a check. Help,
    errors and notices are not screenings."""
    body = reply.body
    if isinstance(body, LookupReply):
        return [lookup_screening(services, kind, body, as_of)]
    if isinstance(body, CheckListReply):
        return [line_screening(kind, line, as_of) for line in body.lines]
    return []


def keep(
    services: Services, who: Requester, screenings: Sequence[Screening], *, batch: bool = False
) -> list[int]:
    """Keep ``screenings``; returns their record ids once they are committed."""
    return submit(services, who, screenings, batch=batch).result()


def submit(
    services: Services, who: Requester, screenings: Sequence[Screening], *, batch: bool = False
) -> Future[list[int]]:
    """Hand ``screenings`` to the record writer; the future of their record ids.

    ``services.records`` writes the records of concurrent answers in one transaction (one
    INSERT), on a plain connection, not the registry's unit of work: records are not
    registry changes, and the ORM session with its change-log and provenance hooks cost
    some 10 ms a record where the INSERT costs 2-3. The editions in force are read once
    per index state (the lookup has just brought the index up to date; a run that read a
    newer edition moves it, though it may leave no change row)."""
    if not screenings:
        return services.records.submit(who, (), {})
    state = services.index.state
    if state is None:
        with services.registry.sessions() as session:
            state = services.index.current(session).state
    editions = services.replies.get("editions", None, state, lambda: _editions(services))
    tag = uuid.uuid4().hex if batch or len(screenings) > 1 else None
    return services.records.submit(who, screenings, editions, batch=tag)


def _editions(services: Services) -> dict[str, str]:
    with services.registry.sessions() as session:
        return records.editions_in_force(session)


NOT_RECORDED = "This answer could not be recorded; ask again later."


@dataclass(frozen=True, slots=True)
class Recording:
    """A reply and the records it is leaving: ``settled`` is the reply with their ids
    once they are committed, or, when they could not be (the database is locked by a
    long import, or down), with a note that says so (the log keeps why). A chat front
    end awaits ``kept`` on its event loop before it settles; elsewhere ``settled``
    waits for it."""

    reply: Reply
    kept: Future[list[int]] | None = None

    def settled(self) -> Reply:
        if self.kept is None:
            return self.reply
        try:
            ids = self.kept.result()
        except Exception:  # any failure to record: the person still gets the answer, told so
            log.exception("could not record a screening")
            return dataclasses.replace(self.reply, notes=(*self.reply.notes, NOT_RECORDED))
        return dataclasses.replace(self.reply, records=tuple(ids)) if ids else self.reply


def recording(
    services: Services,
    who: Requester | None,
    kind: str,
    reply: Reply,
    as_of: dt.date | None = None,
) -> Recording:
    """``reply`` with its records on their way (``who`` None: nobody to record)."""
    if who is None:
        return Recording(reply)
    try:
        return Recording(reply, submit(services, who, screenings_of(services, kind, reply, as_of)))
    except NeedsDatabase:
        raise  # nothing was submitted: the answer is asked again in the pool
    except Exception as exc:  # the answer stands; ``settled`` tells of the failure
        failed: Future[list[int]] = Future()
        failed.set_exception(exc)
        return Recording(reply, failed)


def recorded(
    services: Services,
    who: Requester | None,
    kind: str,
    reply: Reply,
    as_of: dt.date | None = None,
) -> Reply:
    """``reply`` with the ids of the records it left, once they are kept (or the note
    that they could not be)."""
    return recording(services, who, kind, reply, as_of).settled()


def admins(services: Services) -> frozenset[str]:
    return services.record_admins or services.alert_admins


def read(services: Services, who: Requester | None, record_id: int) -> records.RecordView:
    """One record, for its maker or an admin (``who`` None: the operator's terminal)."""
    with unit_of_work(services.registry.sessions) as session:
        try:
            return records.get(session, record_id, who, admins(services))
        except records.RecordNotFoundError as exc:
            raise NotFound(f"There is no record #{record_id}.") from exc
        except records.RecordForbiddenError as exc:
            raise BadInput(
                f"Record #{record_id} is not yours to read.",
                "Only the person who made a record and the admins can read it.",
            ) from exc


def decide(
    services: Services, who: Requester, record_id: int, decision: str, note: str | None
) -> records.RecordView:
    """A decision joined to a record: cleared, escalate or do not proceed, with a note."""
    try:
        chosen = Decision(decision.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        raise BadInput(
            f"{decision[:40]!r} is not a decision.",
            "Choose cleared, escalate or do not proceed.",
        ) from None
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise BadInput(f"A note is at most {MAX_NOTE_CHARS:,} characters.")
    with unit_of_work(services.registry.sessions, lock_wait_s=RECORD_LOCK_WAIT_S) as session:
        try:
            return records.decide(session, record_id, who, chosen, note, admins(services))
        except records.RecordNotFoundError as exc:
            raise NotFound(f"There is no record #{record_id}.") from exc
        except records.RecordForbiddenError as exc:
            raise BadInput(
                f"Record #{record_id} is not yours to decide on.",
                "Only the person who made a record and the admins can.",
            ) from exc


DECISION_WORDS = {
    Decision.CLEARED: "cleared",
    Decision.ESCALATE: "escalate",
    Decision.DO_NOT_PROCEED: "do not proceed",
}


def notice(record: records.RecordView) -> NoticeReply:
    """A record in a few lines of plain text (renderers escape it)."""
    answer = record.answer.get("verdict") or {}
    lines = [
        f"Asked {record.at:%Y-%m-%d %H:%M} UTC by {record.user_id} ({record.platform})"
        + (f" in {record.channel_id}" if record.channel_id else ""),
        f"Query: {record.query}" + (f" (as of {record.as_of})" if record.as_of else ""),
        f"Verdict: {answer.get('text') or record.verdict}",
        "Editions: "
        + (", ".join(f"{k} {v}" for k, v in sorted(record.editions.items())) or "none recorded"),
        f"SHA-256 of the answer: {record.answer_sha256}"
        + ("" if record.intact else " (DOES NOT MATCH the stored answer)"),
    ]
    for d in record.decisions:
        words = DECISION_WORDS.get(Decision(d.decision), d.decision)
        lines.append(
            f"Decision: {words} by {d.user_id} on {d.at:%Y-%m-%d %H:%M} UTC"
            + (f": {d.note}" if d.note else "")
        )
    return NoticeReply(f"Screening record #{record.id}", tuple(lines))
