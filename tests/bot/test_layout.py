"""One layout, every mapper: each reply type, rendered by the terminal, Block Kit and
Adaptive Card mappers, shows the same text in the same order as its layout; JSON carries
the same verdict. Replies come from the real bundled registry where one exists."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from bot.render import adaptive, slack, slack_alerts
from bot.render import text as text_render
from bot.render.json import reply_dict
from bot.render.layout import MAX_CARD_LINES, Layout, layout, one_line
from handlers.context import Services
from handlers.digests import Digest, DigestEntry, DigestSection
from handlers.dispatch import handle
from handlers.home import home
from handlers.lookup import help_reply
from handlers.replies import (
    EntityCard,
    ErrorReply,
    Level,
    LookupReply,
    NoticeReply,
    Reply,
)
from registry.lookup import MatchStatus
from registry.lookup.types import EXACT_NAME

Answer = Reply | Digest | Any  # HomeReply too


def _digest(watch: bool) -> Digest:
    entries = tuple(
        DigestEntry(i, f"Org {i} <!channel>", "added on 2026-06-08", f"https://e.org/{i}", (i,))
        for i in range(1, 4)
    )
    section = DigestSection("3 organisations added to the US DoD 1260H list", entries)
    title = "Watched: Baidu, Inc." if watch else "Registry update from us_dod_1260h.csv"
    return Digest(title, (section,), watch=watch, change_ids=(1, 2, 3))


def _replies(services: Services) -> dict[str, Answer]:
    def ask(text: str) -> Reply:
        return handle(services, text)

    return {
        "card": ask("Hikvision"),
        "card-typo": ask("Hikvison"),
        "card-many-ties": ask("AVIC"),
        "did-you-mean": ask("China Aerospace"),
        "not-found": ask("Harvard University"),
        "check-list": ask("check Tsinghua University; Harvard University; Hikvison; Baidu"),
        "digest": _digest(watch=False),
        "watch-alert": _digest(watch=True),
        "app-home": home(services, "slack", ["C0ONE"]),
        "help": Reply(help_reply()),
        "help-hint": Reply(help_reply("I did not understand that.")),
        "error": Reply(ErrorReply("That button is not one of mine.", "Try `/mcf help`.")),
        "notice": Reply(NoticeReply("This channel gets:", ("everything new in the registry",))),
    }


# -- what a reader sees on each platform, as words ------------------------------------

_EMOJI = re.compile(r":[a-z_]+:")


# The terminal spells chat usage as its own commands (bot.render.text.terminal_commands);
# read back as chat's, the words are the layout's.
_CHAT_SPELLING = (
    (
        r"mcf-bot subscriptions (add|remove) --watch",
        lambda m: "/mcf " + ("un" if m[1] == "remove" else "") + "watch",
    ),
    (r"mcf-bot subscriptions list", lambda _: "/mcf subscriptions"),
    (
        r"mcf-bot subscriptions (add|remove)(?: --list)?",
        lambda m: "/mcf " + ("un" if m[1] == "remove" else "") + "subscribe",
    ),
    (r"mcf-bot --help", lambda _: "/mcf help"),
    (r"mcf-bot (check|sources)", lambda m: f"/mcf {m[1]}"),
)


def _words(text: str) -> list[str]:
    text = re.sub(r"https?://\S+", " ", text)
    # Links as the terminal's short card shows them: host/path.
    text = re.sub(r"(?<!\S)(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?", " ", text)
    for pattern, chat in _CHAT_SPELLING:
        text = re.sub(pattern, chat, text)
    text = text.replace("(--full shows them)", " ").replace("mcf-bot ask", "/mcf")
    text = text.replace("@mcf", "/mcf").replace("\u2060", "").replace("_", " ")
    return re.findall(r"\w+", text)


def _layout_words(lay: Layout) -> list[str]:
    return _words("\n".join(lay.lines()))


def _slack_text(blocks: list[dict[str, Any]]) -> str:
    out: list[str] = []
    for block in blocks:
        if block["type"] in ("header", "section"):
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out += [e["text"] for e in block["elements"]]
    text = "\n".join(out)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]*)>", r"\2", text)
    text = re.sub(r"<#([A-Z0-9]+)>", r"\1", text)
    return html.unescape(_EMOJI.sub(" ", text))


def _adaptive_text(card: dict[str, Any]) -> str:
    out: list[str] = []

    def read(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["type"] == "RichTextBlock":
                out.append("".join(r["text"] for r in item["inlines"]))
            elif item["type"] == "TextBlock":
                out.append(item["text"])
            elif item["type"] == "ColumnSet":
                for column in item["columns"]:
                    read(column["items"])
            elif item["type"] == "Container":
                read(item["items"])

    read(card["body"])
    return "\n".join(out)


def _text(answer: Answer) -> str:
    return text_render.render(answer)


def _blocks(answer: Answer) -> str:
    if isinstance(answer, Digest):
        parts = slack_alerts.digest_messages(answer)
        return "\n".join(_slack_text(p.payload["blocks"]) for p in parts)
    if isinstance(answer, Reply):
        return _slack_text(slack.as_dicts(slack.reply_blocks(answer)))
    return _slack_text(slack.home_view(answer).to_dict()["blocks"])


def _cards(answer: Answer) -> str:
    if isinstance(answer, Digest):
        return "\n".join(
            _adaptive_text(p.payload["card"]) for p in adaptive.digest_messages(answer)
        )
    if isinstance(answer, Reply):
        return _adaptive_text(adaptive.reply_card(answer))
    return _adaptive_text(adaptive.card_of(layout(answer)))


MAPPERS: dict[str, Callable[[Answer], str]] = {
    "text": _text,
    "block-kit": _blocks,
    "adaptive-card": _cards,
}
KINDS = [
    "card",
    "card-typo",
    "card-many-ties",
    "did-you-mean",
    "not-found",
    "check-list",
    "digest",
    "watch-alert",
    "app-home",
    "help",
    "help-hint",
    "error",
    "notice",
]


@pytest.fixture(scope="module")
def replies(bundled_path: Any) -> dict[str, Answer]:
    from registry.service import Registry

    registry = Registry.connect(f"sqlite:///{bundled_path}")
    try:
        return _replies(Services(registry))
    finally:
        registry.engine.dispose()


@pytest.mark.parametrize("mapper", list(MAPPERS))
@pytest.mark.parametrize("kind", KINDS)
def test_every_mapper_shows_the_layout_text(
    replies: dict[str, Answer], kind: str, mapper: str
) -> None:
    answer = replies[kind]
    lay = layout(answer, shareable=False)
    shown = MAPPERS[mapper](answer)
    assert _words(shown) == _layout_words(lay)
    if lay.finding is not None:  # the verdict, word for word
        assert " ".join(_words(lay.finding.text)) in " ".join(_words(shown))


# Digests, watch alerts and the App Home are chat messages only: they have no JSON form.
@pytest.mark.parametrize(
    "kind", [k for k in KINDS if k not in ("digest", "watch-alert", "app-home")]
)
def test_json_carries_the_same_verdict(replies: dict[str, Answer], kind: str) -> None:
    answer = replies[kind]
    assert isinstance(answer, Reply)
    data = json.loads(json.dumps(reply_dict(answer), ensure_ascii=False))
    lay = layout(answer)
    body = answer.body
    if isinstance(body, LookupReply):
        assert data["verdict"]["text"] == lay.finding.text  # type: ignore[union-attr]
        if body.status is MatchStatus.MATCH:
            assert data["match"]["verdict"] == data["verdict"]
    if data["status"] == "check":
        for line in data["lines"]:
            assert line["finding"]["level"] in {level.value for level in Level}
            assert line["verdict"] == Level(line["finding"]["level"]).words


def test_cards_are_short_unless_full(replies: dict[str, Answer]) -> None:
    for kind in ("card", "card-many-ties"):
        answer = replies[kind]
        short = text_render.render(answer).splitlines()
        full = text_render.render(answer, full=True).splitlines()
        assert len(short) <= MAX_CARD_LINES < len(full) or kind == "card"
        assert len(short) <= len(full)
    avic = replies["card-many-ties"]
    assert isinstance(avic, Reply)
    assert re.search(r"\d+ more ties \(--full shows them\)", text_render.render(avic))
    blocks = json.dumps(slack.as_dicts(slack.reply_blocks(avic)))
    assert slack.MORE_ACTION in blocks and "Show all" in blocks
    teams = json.dumps(adaptive.reply_card(avic))
    assert '"full": true' in teams


def test_every_card_in_the_registry_is_short_and_says_what_listings_mean(
    bundled_cards: list[EntityCard],
) -> None:
    for card in bundled_cards:
        reply = Reply(LookupReply(card.name, MatchStatus.MATCH, card, how=EXACT_NAME))
        lines = text_render.render(reply).splitlines()
        assert len(lines) <= MAX_CARD_LINES, card.name
        finding = layout(reply).finding
        assert finding is not None and one_line(finding.text) in lines[:3], card.name
        for d in card.listed_on:
            if d.legal and d.effect:
                # Every listing with legal effect keeps its "Means" line on a short card.
                means = [x for x in lines if x.strip().startswith("Means:")]
                assert means, card.name
            if d.edition:
                assert f"{d.edition} edition" in "\n".join(lines), card.name
            if d.list_id == "us-entity-list":
                assert "licence" in "\n".join(lines).casefold(), card.name


HOSTILE_TEXT = "Evil\x1b[31m Co\u202e\u2066 <!channel>\nLtd\t\u200b."


def test_registry_text_reaches_no_front_end_with_control_or_bidi_characters() -> None:
    from handlers.replies import EntityCard, RelationshipView, SourceRef

    card = EntityCard(
        id=1,
        key="evil",
        name=HOSTILE_TEXT,
        native_name=HOSTILE_TEXT,
        kind="company",
        country="CN",
        aliases=(HOSTILE_TEXT,),
        summary=HOSTILE_TEXT,
        summary_sources=(1,),
        designations=(),
        relationships=(
            RelationshipView(
                "other", "out", "is linked to", 2, HOSTILE_TEXT, None, None, None, (1,)
            ),
        ),
        sources=(SourceRef(1, HOSTILE_TEXT, HOSTILE_TEXT, "https://e.org", None),),
    )
    reply = Reply(LookupReply(HOSTILE_TEXT, MatchStatus.MATCH, card, how=EXACT_NAME))
    for shown in (
        text_render.render(reply, full=True),
        json.dumps(slack.as_dicts(slack.reply_blocks(reply)), ensure_ascii=False),
        json.dumps(adaptive.reply_card(reply), ensure_ascii=False),
    ):
        assert not {"\x1b", "\u202e", "\u2066", "\u200b", "\t"} & set(shown)
    lines = text_render.render(reply, full=True).splitlines()
    # An escape sequence goes whole, a line break becomes a space, a format character nothing.
    assert lines[0] == "Evil Co <!channel> Ltd . (Evil Co <!channel> Ltd .)"


def test_a_whole_card_fits_one_teams_message(bundled_path: Any) -> None:
    from handlers.lookup import show
    from registry.service import Registry

    registry = Registry.connect(f"sqlite:///{bundled_path}")
    services = Services(registry)
    answer = handle(services, "Ministry of Education")
    assert isinstance(answer.body, LookupReply) and answer.body.card is not None
    whole = Reply(show(services, answer.body.card.id, full=True))
    card = adaptive.reply_card(whole)
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= adaptive.CARD_BUDGET
    assert "too many for one message" in json.dumps(card, ensure_ascii=False)
    assert len(slack.reply_blocks(whole)) <= slack.MAX_BLOCKS
    registry.engine.dispose()
