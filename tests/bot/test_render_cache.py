"""Cards rendered once per card object: the same message as an uncached rendering, a
new rendering for a new card object (a new registry state) or another match note."""

from __future__ import annotations

from dataclasses import replace

from bot.render import adaptive, slack
from bot.render.cache import RenderCache
from handlers.context import Services
from handlers.lookup import lookup
from handlers.replies import ErrorReply, LookupReply, Reply
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
    assert cache.get(Reply(body), "v", lambda: build("no card")) == "no card"
    assert cache.get(Reply(body), "v", lambda: build("no card")) == "no card"
    assert builds == ["no card", "no card"]  # only matched cards are kept
    assert cache.get(Reply(ErrorReply("x")), "v", lambda: build("error")) == "error"
    assert len(cache) == 0


def test_the_match_note_is_part_of_the_key(services: Services) -> None:
    reply = _card_reply(services)
    body = reply.body
    assert isinstance(body, LookupReply)
    via_alias = Reply(
        replace(body, matched_on="Baidu Online", how=Explanation(MatchKind.FOUND, NameField.ALIAS))
    )
    plain = slack.message(reply)
    noted = slack.message(via_alias)
    assert noted is not plain and noted != plain
    assert "Baidu Online" in str(noted["blocks"])


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
    cache.get(one, "v", lambda: "one")
    cache.get(two, "v", lambda: "two")
    assert len(cache) == 1
    assert cache.get(one, "v", lambda: "built again") == "built again"
