"""Registry text is untrusted: it must never become a link, a mention or a broadcast."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.render.slack import card_blocks, escape
from handlers.replies import DesignationView, EntityCard, RelationshipView, SourceRef


def _hostile_card() -> EntityCard:
    evil = "<!channel> Evil & Co <https://evil.example|click> <@U123> @here"
    return EntityCard(
        id=1,
        key="evil",
        name=evil * 3,
        native_name="恶意<!here>",
        kind="company",
        country="CN",
        aliases=(evil,),
        summary=evil,
        summary_sources=(1,),
        designations=(
            DesignationView(
                "l",
                evil,
                "2024-01-01",
                None,
                "listed since 2024-01-01",
                evil * 20,
                1,
                "https://example.org/list",
            ),
        ),
        relationships=tuple(
            RelationshipView("other", "out", "is linked to", i, evil, evil, None, None, (1,))
            for i in range(40)
        ),
        sources=(SourceRef(1, "Title|<!channel>", "Pub<>", "javascript:alert(1)", None),),
    )


def test_hostile_registry_text_is_inert_and_within_limits() -> None:
    blocks = card_blocks(_hostile_card())
    dumped = str([b.to_dict() for b in blocks])
    assert "<!channel>" not in dumped and "<!here>" not in dumped
    assert "<https://evil.example" not in dumped and "<@U123>" not in dumped
    assert "@here" not in dumped  # defused with a word joiner
    assert (
        "javascript:" not in dumped.replace("javascript:alert", "") or "<javascript" not in dumped
    )
    for block in Block.parse_all([b.to_dict() for b in blocks]):
        block.validate_json()
    assert len(blocks) <= 50


def test_escape_keeps_ordinary_text_readable() -> None:
    assert escape("AT&T <Research>") == "AT&amp;T &lt;Research&gt;"
    assert escape("Baidu, Inc.") == "Baidu, Inc."
