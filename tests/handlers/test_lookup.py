"""The lookup handler over the real bundled registry."""

from __future__ import annotations

from handlers.context import Services
from handlers.dispatch import handle
from handlers.replies import ErrorReply, HelpReply, LookupReply
from registry.lookup import MatchStatus
from registry.lookup.types import MatchKind


def _lookup(services: Services, text: str) -> LookupReply:
    body = handle(services, text).body
    assert isinstance(body, LookupReply)
    return body


def test_baidu_card_has_its_tie_and_sources(services: Services) -> None:
    reply = _lookup(services, "Baidu")
    assert reply.status is MatchStatus.MATCH and reply.card is not None
    card = reply.card
    assert card.name == "Baidu, Inc." and card.native_name == "百度"
    tie = next(r for r in card.relationships if "28th" in r.other_name)
    assert tie.type == "joint_lab" and tie.sources
    numbers = {s.number for s in card.sources}
    assert set(tie.sources) <= numbers
    assert any("thediplomat.com" in s.url for s in card.sources)


def test_typo_still_finds_hikvision(services: Services) -> None:
    reply = _lookup(services, "Hikvison")
    assert reply.status is MatchStatus.MATCH
    assert reply.card is not None and "Hikvision" in reply.card.name
    assert reply.how is not None and reply.how.kind is MatchKind.TYPO


def test_unknown_organisation_is_none(services: Services) -> None:
    reply = _lookup(services, "Massachusetts Institute of Technology")
    assert reply.status is MatchStatus.NONE and reply.card is None


def test_generic_words_never_give_a_confident_answer(services: Services) -> None:
    assert _lookup(services, "China Electronics Technology").status is MatchStatus.AMBIGUOUS


def test_help_and_errors_are_replies(services: Services) -> None:
    assert isinstance(handle(services, "help").body, HelpReply)
    assert isinstance(handle(services, "x" * 10_000).body, ErrorReply)


def test_a_did_you_mean_carries_candidates_not_a_card(services: Services) -> None:
    # No candidate's card stands in for the answer: it may be another organisation.
    reply = _lookup(services, "China Electronics Technology")
    assert reply.status is MatchStatus.AMBIGUOUS
    assert reply.card is None and len(reply.candidates) > 1


def test_a_subordinate_unit_is_found_as_itself_and_names_its_parent(services: Services) -> None:
    for query in ("China Academy of Space Technology", "CAST"):
        reply = _lookup(services, query)
        assert reply.status is MatchStatus.MATCH and reply.card is not None
        card = reply.card
        assert "China Aerospace Science and Technology Corporation" not in card.name
        parent = [
            r for r in card.relationships if r.type == "subsidiary_of" and r.direction == "out"
        ]
        assert [r.other_name for r in parent] == [
            "China Aerospace Science and Technology Corporation"
        ]
    calt = _lookup(services, "CALT")
    assert calt.card is not None and "LAUNCH VEHICLE" in calt.card.name.upper()
