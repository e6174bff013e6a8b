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


def test_a_long_title_is_cut_before_its_citation_never_the_citation() -> None:
    """Where a card's Chinese name is written ("[3]") ends its title: a front end that
    must shorten the title (a Slack header, a Teams title) cuts the name, not that."""
    from bot.render.adaptive import TITLE_LIMIT, body_of
    from bot.render.layout_parts import Layout
    from bot.render.slack import HEADER_LIMIT, blocks_of

    long = Layout("card", "Acme " * 80 + "(阿克米)", (), title_cite="[3]")
    header = blocks_of(long)[0].to_dict()["text"]["text"]
    assert header.endswith("… [3]") and len(header) <= HEADER_LIMIT
    title = body_of(long)[0]["inlines"][0]["text"]
    assert title.endswith("… [3]") and len(title) <= TITLE_LIMIT
    assert long.full_title == f"{long.title} [3]"
    short = Layout("card", "Baidu, Inc. (百度)", (), title_cite="[3]")
    assert blocks_of(short)[0].to_dict()["text"]["text"] == "Baidu, Inc. (百度) [3]"
