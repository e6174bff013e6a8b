"""The lookup command: a name in, a card (or "did you mean", or nothing) out."""

from __future__ import annotations

from handlers import commands
from handlers.cards import build_card
from handlers.context import Services
from handlers.replies import CandidateView, HelpReply, LookupReply
from registry.db import unit_of_work
from registry.lookup import MatchStatus


def lookup(services: Services, query: str) -> LookupReply:
    with unit_of_work(services.registry.sessions) as session:
        result = services.index.lookup(session, query)
        best = result.best
        card = build_card(session, best.entity_id) if best else None
    candidates = tuple(
        CandidateView(c.entity_id, c.name, c.score, c.matched_on, c.how) for c in result.candidates
    )
    if result.status is MatchStatus.NONE:
        return LookupReply(query, result.status, None, candidates=candidates)
    assert best is not None
    return LookupReply(
        query,
        result.status,
        card,
        score=best.score,
        matched_on=best.matched_on,
        how=best.how,
        candidates=candidates,
    )


def show(services: Services, entity_id: int) -> LookupReply:
    with unit_of_work(services.registry.sessions) as session:
        card = build_card(session, entity_id)
    return LookupReply(
        card.name, MatchStatus.MATCH, card, score=100.0, matched_on=card.name, how="chosen"
    )


def help_reply(hint: str | None = None) -> HelpReply:
    return HelpReply(commands.USAGE, hint)
