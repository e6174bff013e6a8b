"""Check lists and the home tab in Block Kit: hostile registry text stays inert, every
size of list fits Slack's limits, and the manifest offers what the listeners handle."""

from __future__ import annotations

import yaml
from slack_sdk.models.blocks import Block

from bot.render.slack import check_list_blocks, home_view
from bot.slack.shortcut_listeners import SCAN_SHORTCUT
from handlers.home import ChangeView, ChannelAlerts, HomeReply
from handlers.replies import CandidateView, CheckLine, CheckListReply, Level
from registry.lookup.types import Explanation, MatchKind, NameField
from tests.conftest import ROOT

EVIL = "<!channel> Evil & Co <https://evil.example|click> <@U123> @here"


def _valid(blocks: list[Block]) -> str:
    dicts = [b.to_dict() for b in blocks]
    for block in Block.parse_all(dicts):
        block.validate_json()
    assert len(blocks) <= 50
    return str(dicts)


def _lines(n: int) -> tuple[CheckLine, ...]:
    kinds = [
        CheckLine(
            EVIL,
            Level.LISTED,
            EVIL,
            entity_id=1,
            name=EVIL,
            how=Explanation(MatchKind.TYPO, NameField.NAME),
        ),
        CheckLine(EVIL, Level.TIED, EVIL, entity_id=2, name=EVIL),
        CheckLine(EVIL, Level.NO_MATCH, "not in the registry"),
        CheckLine(
            EVIL,
            Level.AMBIGUOUS,
            EVIL,
            candidates=tuple(
                CandidateView(
                    i, EVIL * 3, 90.0, EVIL, Explanation(MatchKind.PARTIAL, NameField.NAME)
                )
                for i in range(3, 10)
            ),
        ),
        CheckLine(EVIL * 10, Level.ERROR, EVIL * 10),
    ]
    return tuple(kinds[i % len(kinds)] for i in range(n))


def test_hostile_check_lists_of_every_size_are_inert_and_fit() -> None:
    for n in (1, 5, 47, 48, 50):
        dumped = _valid(check_list_blocks(CheckListReply(_lines(n), share_key="1abc")))
        assert "<!channel>" not in dumped and "<@U123>" not in dumped
        assert "<https://evil.example" not in dumped and "@here" not in dumped


def test_a_list_found_in_a_message_says_so() -> None:
    reply = CheckListReply(_lines(3), found_in_message=True, share_key="1abc", omitted=12)
    dumped = _valid(check_list_blocks(reply))
    assert "15 organisations from the registry named in the message" in dumped
    assert "and 12 more" in dumped
    empty = _valid(check_list_blocks(CheckListReply((), found_in_message=True)))
    assert "No organisation in the registry is named in this message." in empty
    assert "Share in channel" not in empty


def test_hostile_home_is_inert_and_valid() -> None:
    changes = tuple(
        ChangeView(
            change_id=i,
            kind="entity_added",
            date="2026-06-08",
            entity_id=1,
            name=EVIL,
            what=EVIL,
            brief=EVIL,
            source_title=EVIL,
            source_url="javascript:alert(1)",
        )
        for i in range(20)
    )
    channels = tuple(ChannelAlerts(f"C0{i:04d}", (EVIL,) * 3) for i in range(200))
    view = home_view(HomeReply(changes, (ChannelAlerts("<!here>", (EVIL,)), *channels)))
    view.validate_json()
    dumped = str(view.to_dict())
    assert len(view.blocks) <= 100
    assert "<!channel>" not in dumped and "<!here>" not in dumped and "<javascript" not in dumped
    assert "<#C00000>" in dumped


def test_the_manifest_offers_what_the_app_listens_for() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["callback_id"] == SCAN_SHORTCUT and shortcut["type"] == "message"
    assert len(shortcut["name"]) <= 24
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.im",  # partner files shared in a DM
    }
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "channels:read", "groups:read", "commands"} <= scopes
    # Files in (partner files), files out (results, pictures, reports to the asker's DM).
    assert {"im:history", "files:read", "files:write", "im:write"} <= scopes
