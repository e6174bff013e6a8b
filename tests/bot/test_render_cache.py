"""Cards rendered once per card object: the same message as an uncached rendering, a
new rendering for a new card object (a new registry state), and a match note put into
one rendering of the card rather than a rendering per note."""

from __future__ import annotations

from dataclasses import replace

from bot.render import adaptive, slack
from bot.render.cache import RenderCache
from handlers.context import Services
from handlers.lookup import lookup
from handlers.replies import EntityCard, ErrorReply, LookupReply, Reply
from registry.lookup import MatchStatus
from registry.lookup.types import Explanation, MatchKind, NameField


def _card_reply(services: Services, query: str = "Baidu") -> Reply:
    reply = lookup(services, query)
    assert reply.status is MatchStatus.MATCH and reply.card is not None
    return Reply(reply)


def test_a_card_renders_once_and_as_it_would_uncached(services: Services) -> None:
    reply = _card_reply(services)
    first = slack.message(reply)
    assert slack.message(reply) is first
    assert first == {
        "text": slack.fallback_text(reply),
        "blocks": slack.as_dicts(slack.reply_blocks(reply)),
    }
    card, text = adaptive.message_parts(reply)
    assert adaptive.message_parts(reply)[0] is card
    assert card == adaptive.reply_card(reply) and text == adaptive.summary(reply)


def test_variants_and_new_card_objects_render_anew() -> None:
    cache = RenderCache(max_entries=2)
    builds: list[str] = []

    def build(label: str) -> object:
        builds.append(label)
        return label

    body = LookupReply("Baidu", MatchStatus.MATCH, None)
    assert cache.get(Reply(body), "v", lambda _note: build("no card")) == "no card"
    assert cache.get(Reply(body), "v", lambda _note: build("no card")) == "no card"
    assert builds == ["no card", "no card"]  # only matched cards are kept
    assert cache.get(Reply(ErrorReply("x")), "v", lambda _note: build("error")) == "error"
    assert len(cache) == 0


def test_the_match_note_is_put_into_one_rendering(services: Services) -> None:
    reply = _card_reply(services)
    body = reply.body
    assert isinstance(body, LookupReply)
    via_alias = Reply(
        replace(body, matched_on="Baidu Online", how=Explanation(MatchKind.FOUND, NameField.ALIAS))
    )
    via_typo = Reply(
        replace(body, matched_on="Baidu Inc", how=Explanation(MatchKind.TYPO, NameField.ALIAS))
    )
    plain = slack.message(reply)
    noted = slack.message(via_alias)
    assert noted is not plain and noted != plain
    assert "Baidu Online" in str(noted["blocks"]) and "Baidu Online" not in str(plain["blocks"])
    assert noted == _uncached_slack(via_alias)
    # Another note: another message, from the same rendering (the blocks after the note
    # are the same objects).
    typo = slack.message(via_typo)
    assert typo == _uncached_slack(via_typo) and "Baidu Inc" in str(typo["blocks"])
    assert typo["blocks"][-1] is noted["blocks"][-1]
    card, _text = adaptive.message_parts(via_typo)
    assert card == adaptive.reply_card(via_typo)
    assert adaptive.message_parts(via_alias)[0]["actions"] is card["actions"]


# Notes as they come: short, long, and carrying text a platform must escape.
NOTES = (
    ("ZTE", Explanation(MatchKind.EXACT, NameField.ACRONYM)),
    (
        "<!channel> *Very* _long_ ~name~ of a research institute " * 12,
        Explanation(MatchKind.TYPO, NameField.ALIAS, held_back="another legal form"),
    ),
)


def _uncached_slack(reply: Reply) -> dict[str, object]:
    return {"text": slack.fallback_text(reply), "blocks": slack.as_dicts(slack.reply_blocks(reply))}


def test_every_card_with_a_note_renders_as_it_would_whole(bundled_cards: list[EntityCard]) -> None:
    """Over every organisation of the bundled registry: a card asked by another of its
    names is the message it would be if rendered whole with that note, on both
    platforms (a Teams card near its size limit included). Each card is tried with one
    of the notes, short or full, in turn: every pairing is met many times over."""
    pairings = [(note, full) for note in NOTES for full in (False, True)]
    for i, card in enumerate(bundled_cards):
        (matched_on, how), full = pairings[i % len(pairings)]
        body = LookupReply(card.name, MatchStatus.MATCH, card, matched_on=matched_on, how=how)
        reply = Reply(replace(body, full=full))
        assert slack.message(reply) == _uncached_slack(reply), card.id
        assert adaptive.message_parts(reply)[0] == adaptive.reply_card(reply), card.id


def test_a_new_card_object_is_rendered_anew(services: Services) -> None:
    reply = _card_reply(services)
    body = reply.body
    assert isinstance(body, LookupReply) and body.card is not None
    # What a change to the registry brings: another card object for the same entity.
    renamed = replace(body.card, name="Baidu, Inc. (renamed)")
    again = Reply(replace(body, card=renamed))
    assert "renamed" in slack.message(again)["text"]
    assert "renamed" not in slack.message(reply)["text"]


def test_the_bound_is_kept(services: Services) -> None:
    cache = RenderCache(max_entries=1)
    one = _card_reply(services, "Baidu")
    two = _card_reply(services, "Hikvision")
    cache.get(one, "v", lambda _note: "one")
    cache.get(two, "v", lambda _note: "two")
    assert len(cache) == 1
    assert cache.get(one, "v", lambda _note: "built again") == "built again"
