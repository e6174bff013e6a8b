"""Adaptive Cards from replies: untrusted registry text can never become markup, a
link or a mention; unknown reply types still render; digests split without losing
an entry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.render.adaptive import CARD_BUDGET, digest_messages, reply_card
from handlers.alerts import Digest, DigestEntry, DigestSection
from handlers.replies import (
    DesignationView,
    EntityCard,
    LookupReply,
    RelationshipView,
    Reply,
    SourceRef,
)
from registry.lookup import MatchStatus

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
            RelationshipView("other", "out", "is linked to", 2, HOSTILE, HOSTILE, None, None, (1,)),
        ),
        sources=(
            SourceRef(1, HOSTILE, HOSTILE, "javascript:alert(1)", None),
            SourceRef(2, "ok", "pub", "https://example.org/a", "2024"),
        ),
    )


def test_registry_text_never_reaches_markdown_and_links_are_ours() -> None:
    reply = Reply(LookupReply("q", MatchStatus.MATCH, _hostile_card(), 100.0, "q", "exact name"))
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
