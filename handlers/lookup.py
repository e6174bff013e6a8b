"""The lookup command: a name in, a card (or "did you mean", or nothing) out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy.orm import Session

from handlers import commands
from handlers.cards import build_card
from handlers.context import Services
from handlers.errors import CommandError, to_reply
from handlers.replies import CandidateView, EntityCard, HelpReply, LookupReply, Reply
from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.views import lists_loaded


def lookup(services: Services, query: str) -> LookupReply:
    with unit_of_work(services.registry.sessions) as session:
        return answer(session, services.index.current(session), query)


def answer(
    session: Session, index: NameIndex, query: str, cards: dict[int, EntityCard] | None = None
) -> LookupReply:
    """One lookup inside the caller's session; ``cards`` caches cards across a batch."""
    result = index.lookup(query)
    best = result.best
    candidates = tuple(
        CandidateView(c.entity_id, c.name, c.score, c.matched_on, c.how) for c in result.candidates
    )
    if result.status is MatchStatus.NONE or best is None:
        return LookupReply(
            query, MatchStatus.NONE, None, candidates=candidates, checked=lists_loaded(session)
        )
    if result.status is MatchStatus.AMBIGUOUS:
        # "Did you mean": the candidates, never the card of one of them as if it were the
        # answer (it may be a namesake: another organisation, listed or not).
        return LookupReply(
            query,
            MatchStatus.AMBIGUOUS,
            None,
            score=best.score,
            matched_on=best.matched_on,
            how=best.how,
            candidates=candidates,
        )
    card = cards.get(best.entity_id) if cards is not None else None
    if card is None:
        card = build_card(session, best.entity_id)
        if cards is not None:
            cards[best.entity_id] = card
    return LookupReply(
        query,
        result.status,
        card,
        score=best.score,
        matched_on=best.matched_on,
        how=best.how,
        candidates=candidates,
    )


def check(services: Services, names: Iterable[str]) -> Iterator[tuple[str, Reply]]:
    """A whole partner list in one session and one index snapshot, in order."""
    cards: dict[int, EntityCard] = {}
    with unit_of_work(services.registry.sessions) as session:
        index = services.index.current(session)
        for name in names:
            try:
                command = commands.parse_name(name)
            except CommandError as exc:
                yield name, Reply(to_reply(exc))
                continue
            yield name, Reply(answer(session, index, command.query, cards))


def show(services: Services, entity_id: int, *, full: bool = False) -> LookupReply:
    """One organisation's card by id (a button); ``full``: every tie, not the first few."""
    with unit_of_work(services.registry.sessions) as session:
        card = build_card(session, entity_id)
    return LookupReply(
        card.name,
        MatchStatus.MATCH,
        card,
        score=100.0,
        matched_on=card.name,
        how="chosen",
        full=full,
    )


def help_reply(hint: str | None = None) -> HelpReply:
    return HelpReply(commands.USAGE, hint)
