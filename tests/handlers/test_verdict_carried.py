"""The verdict is decided by the handler and carried by the reply (``LookupReply.finding``),
kept true when the reply is replaced, so renderers only map it."""

from __future__ import annotations

import dataclasses

from handlers import verdict
from handlers.cards import build_card
from handlers.replies import Level, LookupReply
from registry.db import unit_of_work
from registry.lookup import MatchStatus
from registry.service import Registry
from registry.views import entity_ids_listed_first


def test_a_reply_carries_the_verdict_of_its_card_and_keeps_it_on_replace(
    bundled_registry: Registry,
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        card = build_card(session, entity_ids_listed_first(session, 1)[0])
    reply = LookupReply(card.name, MatchStatus.MATCH, card, how="exact name")
    assert reply.finding == reply.card_finding == verdict.of_card(card)
    assert reply.finding.level is Level.LISTED
    # As of a past day: the answer's verdict says so; the card's own does not.
    past = dataclasses.replace(reply, as_of="2000-01-01")
    assert past.finding.text != reply.finding.text
    assert past.card_finding == reply.card_finding
    assert past.finding == verdict.of_lookup(past)


def test_a_reply_with_no_card_carries_its_own_verdict() -> None:
    reply = LookupReply("Nothing Of The Sort", MatchStatus.NONE, None)
    assert reply.finding.level is Level.NO_MATCH
    assert reply.card_finding is reply.finding
    assert Level.NO_MATCH.words == "no match" and Level.FORMER.words == "formerly listed"
