"""Adaptive Cards from replies: untrusted registry text can never become markup, a
link or a mention; unknown reply types still render; check lists show every line with
its card button and fit Teams' message size; digests split without losing an entry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from bot.render.adaptive import (
    CARD_BUDGET,
    SCHEMA,
    SHOW_ACTION,
    VERSION,
    digest_messages,
    reply_card,
    summary,
)
from bot.teams.conversation import payload_text
from handlers.digests import Digest, DigestEntry, DigestSection
from handlers.replies import (
    CandidateView,
    CheckLine,
    CheckListReply,
    DesignationView,
    EntityCard,
    Level,
    LookupReply,
    RelationshipView,
    Reply,
    SourceRef,
)
from registry.lookup import MatchStatus
from registry.lookup.types import EXACT_NAME, Explanation, MatchKind, NameField
from tests.bot.teams.fake_connector import card_text

HOSTILE = "Evil [click](https://evil.example) **bold** <at>Everyone</at> @channel"


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(x for v in node.values() for x in _walk(v))]
    if isinstance(node, list):
        return [x for v in node for x in _walk(v)]
    return []


def _hostile_card() -> EntityCard:
    return EntityCard(
        id=1,
        key="evil",
        name=HOSTILE,
        native_name=HOSTILE,
        kind="company",
        country="CN",
        aliases=(HOSTILE,),
        summary=HOSTILE,
        summary_sources=(1,),
        designations=(
            DesignationView("l", HOSTILE, "2020-01-01", None, "listed", HOSTILE, 1, "x"),
        ),
        relationships=(
            RelationshipView(
                "other", "out", "is linked to", 2, HOSTILE, HOSTILE, None, None, (1, 2)
            ),
        ),
        sources=(
            SourceRef(1, HOSTILE, HOSTILE, "javascript:alert(1)", None),
            SourceRef(2, "ok", "pub", "https://example.org/a", "2024"),
        ),
    )


def test_registry_text_never_reaches_markdown_and_links_are_ours() -> None:
    reply = Reply(LookupReply("q", MatchStatus.MATCH, _hostile_card(), 100.0, "q", EXACT_NAME))
    card = reply_card(reply)
    elements = _walk(card)
    for element in elements:
        if element.get("type") == "TextBlock":  # parsed as markdown: our headings only
            assert "evil" not in element["text"].lower()
    runs = [e for e in elements if e.get("type") == "TextRun"]
    assert any(HOSTILE in r["text"] for r in runs)  # shown literally, in full
    urls = [e["url"] for e in elements if e.get("type") == "Action.OpenUrl"]
    assert urls == ["https://example.org/a"]  # javascript: never became a link
    assert "entities" not in card.get("msteams", {})  # no mention can be declared


def test_an_unknown_reply_type_falls_back_to_text() -> None:
    @dataclass(frozen=True)
    class CheckReply:  # e.g. a reply type added by another front-end feature
        rows: tuple[str, ...]

    card = reply_card(Reply(CheckReply(("Baidu: listed",))))  # type: ignore[arg-type]
    texts = [e["text"] for e in _walk(card) if e.get("type") == "TextRun"]
    assert any("Baidu: listed" in t for t in texts)


def test_a_large_digest_is_split_and_keeps_every_entry_once() -> None:
    entries = tuple(
        DigestEntry(i, f"Organisation {i} " + "x" * 80, "added on 2026-06-08", None, (i,))
        for i in range(1, 601)
    )
    digest = Digest(
        "Registry update",
        (DigestSection("600 organisations added", entries),),
        False,
        tuple(range(1, 602)),  # one change without a line of its own
    )
    messages = digest_messages(digest)
    assert len(messages) > 1
    names = []
    for m in messages:
        assert len(json.dumps(m.payload["card"]).encode()) < CARD_BUDGET + 2000
        names += [
            e["inlines"][1]["text"]
            for e in m.payload["card"]["body"]
            if e.get("type") == "RichTextBlock" and e["inlines"][0]["text"] == "• "
        ]
    assert len(names) == 600 == len(set(names))
    ids = [i for m in messages for i in m.change_ids]
    assert sorted(ids) == list(range(1, 602))
    assert "(part 2 of" in json.dumps(messages[1].payload["card"])
    assert "(continued)" in json.dumps(messages[1].payload["card"])


def _check_lines() -> tuple[CheckLine, ...]:
    return (
        CheckLine("Baidu", Level.LISTED, "US DoD 1260H list since 2021-06-03", 8, "Baidu, Inc."),
        CheckLine(
            HOSTILE,
            Level.TIED,
            HOSTILE,
            9,
            HOSTILE,
            how=Explanation(MatchKind.TYPO, NameField.NAME),
        ),
        CheckLine("Harvard University", Level.NO_MATCH, "not in the registry"),
        CheckLine(
            "China Aerospace",
            Level.AMBIGUOUS,
            "CASC or CASIC",
            candidates=(
                CandidateView(
                    3, "CASC", 93.0, "CASC", Explanation(MatchKind.PARTIAL, NameField.NAME)
                ),
                CandidateView(
                    28, "CASIC", 92.0, "CASIC", Explanation(MatchKind.PARTIAL, NameField.NAME)
                ),
            ),
        ),
        CheckLine("Old Co", Level.FORMER, "US Entity List until 2020-01-01", 11, "Old Co"),
    )


def _submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in _walk(card) if e.get("type") == "Action.Submit"]


def test_a_check_list_card_has_every_line_and_a_button_to_each_card() -> None:
    reply = Reply(CheckListReply(_check_lines()))
    card = reply_card(reply)
    assert card["type"] == "AdaptiveCard"
    assert (card["version"], card["$schema"]) == (VERSION, SCHEMA)
    text = card_text(card)
    assert text.splitlines()[0] == (
        "5 names checked: 1 listed, 1 formerly listed, 1 tied, 1 did you mean, 1 no match"
    )
    for expected in (
        "🔴 Baidu → Baidu, Inc.: listed on US DoD 1260H list since 2021-06-03",
        f"🟠 {HOSTILE}: tied: {HOSTILE} (near (typo) name)",
        "➖ Harvard University: no match: not in the registry",
        "❔ China Aerospace: did you mean CASC or CASIC?",
        "⚪ Old Co: formerly listed: US Entity List until 2020-01-01",
    ):
        assert expected in text.splitlines()
    # One "Card" per organisation found, one button per candidate: the same submit data
    # as the lookup's "did you mean" buttons, so the same listener opens them.
    opened = [(b["title"], b["data"]) for b in _submits(card)]
    assert opened == [
        ("Card", {"mcf_action": SHOW_ACTION, "entity_id": 8}),
        ("Card", {"mcf_action": SHOW_ACTION, "entity_id": 9}),
        ("CASC", {"mcf_action": SHOW_ACTION, "entity_id": 3}),
        ("CASIC", {"mcf_action": SHOW_ACTION, "entity_id": 28}),
        ("Card", {"mcf_action": SHOW_ACTION, "entity_id": 11}),
    ]
    assert summary(reply).startswith("5 names checked")


def test_registry_text_in_a_check_list_stays_literal() -> None:
    card = reply_card(Reply(CheckListReply(_check_lines(), found_in_message=True, omitted=3)))
    elements = _walk(card)
    for element in elements:
        if element.get("type") == "TextBlock":
            assert "evil" not in element["text"].lower()
    assert any(HOSTILE in e["text"] for e in elements if e.get("type") == "TextRun")
    assert not [e for e in elements if e.get("type") == "Action.OpenUrl"]
    assert "entities" not in card.get("msteams", {})
    text = card_text(card)
    assert text.startswith("8 organisations from the registry named in the message")
    assert "…and 3 more. Ask about one with @mcf <name>." in text


def test_a_long_check_list_fits_and_opens_cards_from_one_menu() -> None:
    long = "x" * 580
    lines = tuple(
        CheckLine(f"Org {i} {HOSTILE}", Level.LISTED, long, 100 + i, f"Organisation {i}")
        for i in range(50)
    )
    card = reply_card(Reply(CheckListReply(lines)))
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= CARD_BUDGET
    text = card_text(card)
    shown = [i for i in range(50) if f"Org {i} {HOSTILE} → Organisation {i}" in text]
    assert shown == list(range(len(shown))) and len(shown) >= 20
    if len(shown) < 50:
        assert f"…and {50 - len(shown)} more." in text
    [menu] = [e for e in _walk(card) if e.get("type") == "Input.ChoiceSet"]
    assert menu["id"] == "entity_id"  # merged into the submit data as the entity id
    assert [c["value"] for c in menu["choices"]] == [str(100 + i) for i in shown]
    assert [b["data"] for b in _submits(card)] == [{"mcf_action": SHOW_ACTION}]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"body": {"contentType": "text", "content": "Baidu <b>x</b>"}}, "Baidu <b>x</b>"),
        (
            {"body": {"contentType": "html", "content": "<p>A&amp;B</p><p>C<br>D</p>"}},
            "\nA&B\n\nC\nD\n",
        ),
        ({"subject": "Notes", "body": {"contentType": "html", "content": "Baidu"}}, "Notes\nBaidu"),
        ({"body": {"contentType": "html", "content": "<style>p{}</style>NUDT"}}, "NUDT"),
        ({"body": None}, ""),
        (None, ""),
    ],
    ids=["text-kept-as-is", "html-blocks-break", "subject", "no-style", "no-body", "no-payload"],
)
def test_message_action_payload_text(payload: Any, expected: str) -> None:
    assert payload_text(payload) == expected
