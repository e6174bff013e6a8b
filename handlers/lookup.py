"""The lookup command: a name in, a card (or "did you mean", or nothing) out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy.orm import Session

from handlers import commands
from handlers.as_of import reply_as_of
from handlers.cards import build_card
from handlers.context import Services
from handlers.errors import CommandError, to_reply
from handlers.replies import CandidateView, EntityCard, HelpReply, LookupReply, Reply
from registry.lookup import MatchStatus, NameIndex
from registry.lookup.types import CHOSEN
from registry.views import entity_ids_listed_first, lists_loaded

CardOf = Callable[[int], EntityCard]


def cards_of(services: Services, session: Session, index: NameIndex) -> CardOf:
    """Entity id -> its card, from the reply cache while the registry stays where
    ``index`` has followed it to (``NameIndex.state``), else built in ``session``."""
    position = index.state

    def card_of(entity_id: int) -> EntityCard:
        return services.replies.get(
            "card", entity_id, position, lambda: build_card(session, entity_id)
        )

    return card_of


def lookup(services: Services, query: str, as_of: dt.date | None = None) -> LookupReply:
    # Lookups only read: a plain session, closed after, not a unit of work (whose commit
    # and clean-up were 3% of serve's time under load for a card answered from the cache).
    with services.registry.sessions() as session:
        index = services.index.current(session)
        reply = answer(session, index, query, cards_of(services, session, index))
    return reply if as_of is None else reply_as_of(reply, as_of)


def answer(
    session: Session, index: NameIndex, query: str, card_of: CardOf | None = None
) -> LookupReply:
    """One lookup inside the caller's session; ``card_of`` may cache cards."""
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
    card = card_of(best.entity_id) if card_of is not None else build_card(session, best.entity_id)
    return LookupReply(
        query,
        result.status,
        card,
        score=best.score,
        matched_on=best.matched_on,
        how=best.how,
        candidates=candidates,
    )


def check(
    services: Services, names: Iterable[str], as_of: dt.date | None = None
) -> Iterator[tuple[str, Reply]]:
    """A whole partner list in one session and one index snapshot, in order."""
    with services.registry.sessions() as session:
        index = services.index.current(session)
        cards = cards_of(services, session, index)
        for name in names:
            try:
                command = commands.parse_name(name)
            except CommandError as exc:
                yield name, Reply(to_reply(exc))
                continue
            reply = answer(session, index, command.query, cards)
            yield name, Reply(reply if as_of is None else reply_as_of(reply, as_of))


def show(services: Services, entity_id: int, *, full: bool = False) -> LookupReply:
    """One organisation's card by id (a button); ``full``: every tie, not the first few."""
    with services.registry.sessions() as session:
        card = cards_of(services, session, services.index.current(session))(entity_id)
    return LookupReply(
        card.name,
        MatchStatus.MATCH,
        card,
        score=100.0,
        matched_on=card.name,
        how=CHOSEN,
        full=full,
    )


def help_reply(hint: str | None = None) -> HelpReply:
    return HelpReply(commands.USAGE, hint)


def warm(
    services: Services,
    limit: int | None = None,
    each: Callable[[EntityCard], object] | None = None,
) -> int:
    """Build cards into the reply cache ahead of the first asks (``serve`` runs this at
    start-up, beside the requests), once the index has loaded what lookups need: up to
    the cache's bound, listed organisations first.
    ``each`` is given every card built (``serve`` renders it for its platforms). Returns
    how many were built."""
    with services.registry.sessions() as session:
        index = services.index.current(session)
        index.prime()
        bound = services.replies.max_entries if limit is None else limit
        ids = entity_ids_listed_first(session, bound)
        card_of = cards_of(services, session, index)
        built = 0
        for entity_id in ids:
            card = card_of(entity_id)
            if each is not None:
                each(card)
            built += 1
            session.expunge_all()  # keep the session's identity map small over thousands
        return built
