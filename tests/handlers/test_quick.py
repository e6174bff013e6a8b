"""Quick checks over the real bundled registry: the issue's examples, the verdicts, and
the same answer in chat as in ``mcf-bot check``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from handlers import quick
from handlers.context import Services
from handlers.dispatch import handle
from handlers.errors import BadInput
from handlers.home import home
from handlers.replies import CheckListReply, Level
from registry import subscriptions
from registry.db import unit_of_work
from registry.lookup.types import MatchKind
from registry.service import Registry
from registry.subscriptions import Topic

ISSUE_LIST = "check Tsinghua University; Harvard University; Hikvison; 北京理工大学"
NOTES = (
    "Meeting notes: Baidu presented; Prof. Li from the National University of Defense "
    "Technology dialled in; the University of Toronto will follow up."
)


def _check(services: Services, text: str) -> CheckListReply:
    body = handle(services, text).body
    assert isinstance(body, CheckListReply)
    return body


def test_the_issue_list_in_one_answer(services: Services) -> None:
    reply = _check(services, ISSUE_LIST)
    tsinghua, harvard, hikvision, bit = reply.lines
    # Only in ASPI's tracker: tracked, with its rating, never "listed".
    assert tsinghua.verdict is Level.TRACKED and "ASPI tracker rates it" in tsinghua.detail
    assert bit.verdict is Level.LISTED and bit.name == "Beijing Institute of Technology"
    assert harvard.verdict is Level.NO_MATCH and harvard.entity_id is None
    assert hikvision.verdict is Level.LISTED and "Hikvision" in (hikvision.name or "")
    assert "since 2021-06-03" in hikvision.detail
    assert hikvision.how is not None and hikvision.how.kind is MatchKind.TYPO


def test_verdicts_tied_and_did_you_mean(services: Services) -> None:
    reply = _check(services, "check The 28th Research Institute; China Electronics Technology")
    institute, unclear = reply.lines
    # The whole Entity List also names "System Equipment Co., Ltd. of the 28th Research
    # Institute": a short query may now be a "did you mean", as long as CETC's 28th is offered.
    assert institute.verdict in (Level.LISTED, Level.TIED, Level.AMBIGUOUS)
    if institute.verdict is Level.AMBIGUOUS:
        assert any("China Electronics Technology" in c.name for c in institute.candidates)
    assert unclear.verdict is Level.AMBIGUOUS and len(unclear.candidates) > 1
    # An organisation with ties but no list: the strongest tie, and to whom.
    tied = next(
        line
        for name in (
            "Ministry of Education",
            "Yanshan University",
            "Aerospace High Technology Research Institute",
        )
        for line in _check(services, f"check {name}").lines
        if line.verdict is Level.TIED
    )
    assert tied.detail.startswith(("is ", "has ", "was ", "supervises", "hosted", "co-founded"))


def test_chat_and_terminal_give_the_same_verdicts(
    services: Services,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = [
        "Tsinghua University",
        "Harvard University",
        "Hikvison",
        "北京理工大学",
        "China Electronics Technology",
        "x" * 400,
    ]
    chat = quick.check_list(services, names)
    monkeypatch.setenv("MCF_DATABASE_URL", str(services.registry.engine.url))
    path = tmp_path / "partners.txt"
    path.write_text("\n".join(names) + "\n", encoding="utf-8")
    assert main(["check", str(path)]) == 0
    *lines, summary = capsys.readouterr().out.splitlines()  # then the screening's summary
    rows = [line.split("\t") for line in lines]
    assert summary.startswith(f"{len(names)} names: ")
    assert [r[0] for r in rows] == [n for n in names]
    assert [r[1] for r in rows] == [line.verdict.words for line in chat.lines]
    assert rows[2][2] == chat.lines[2].label  # "name (country), as matched name"


def test_the_shortcut_finds_exactly_the_named_organisations(services: Services) -> None:
    reply = quick.scan_message(services, NOTES)
    assert [line.name for line in reply.lines] == [
        "Baidu, Inc.",
        "National University of Defense Technology",
    ]
    assert reply.found_in_message and reply.share_key
    assert quick.reshare(services, reply.share_key).lines == reply.lines


def test_a_message_naming_nobody(services: Services) -> None:
    reply = quick.scan_message(services, "We plan to hit the deadline. USC and UCLA agreed.")
    assert reply.lines == () and reply.share_key is None


def test_share_keys_reproduce_a_check_and_refuse_forgeries(services: Services) -> None:
    reply = _check(services, ISSUE_LIST)
    assert reply.share_key is not None and len(reply.share_key) <= quick.MAX_SHARE_KEY
    assert quick.reshare(services, reply.share_key).lines == reply.lines
    for forged in ("", "1not-base64!", "2abc", "1" + "A" * 40):
        with pytest.raises(BadInput):
            quick.reshare(services, forged)


def test_home_lists_changes_with_sources_and_only_the_users_channels(
    bundled_registry: Registry,
) -> None:
    services = Services(bundled_registry)
    with unit_of_work(bundled_registry.sessions) as session:
        subscriptions.subscribe(
            session, platform="slack", channel_id="CMINE", topic=Topic.everything()
        )
        subscriptions.subscribe(
            session, platform="slack", channel_id="COTHER", topic=Topic.everything()
        )
    reply = home(services, "slack", ["CMINE", "CNONE"])
    assert len(reply.changes) == 20
    assert all(c.date and c.what and c.source_title for c in reply.changes)
    assert [c.channel_id for c in reply.channels] == ["CMINE"]
    assert reply.channels[0].lines == ("everything new in the registry",)
    unknown = home(services, "slack", None, "no scope")
    assert not unknown.channels_known and unknown.channels_note == "no scope"


def test_a_check_line_names_the_country_and_the_name_that_matched(services: Services) -> None:
    kiekert, dji, hik = quick.check_list(services, ["Kiekert USA", "SZ DJI", "Hikvison"]).lines
    assert kiekert.country == "US" and "(US)" in kiekert.label
    assert dji.country == "CN" and dji.matched_on and "SZ DJI" in dji.matched_on
    assert dji.label.endswith(f", as {dji.matched_on}")
    assert hik.after_query.startswith(" → Hangzhou Hikvision") and "(CN)" in hik.after_query


def test_a_did_you_mean_line_shows_no_candidates_verdict(services: Services) -> None:
    (line,) = quick.check_list(services, ["China Electronics Technology"]).lines
    assert line.verdict is Level.AMBIGUOUS
    assert line.entity_id is None and line.name is None and line.country is None


def test_share_keys_are_signed_and_rotate(services: Services) -> None:
    """A key made under the old secret still works once a new one signs (rotation), and
    stops working when the old secret is dropped; another deployment's key never works."""
    old_key, new_key = b"o" * 32, b"n" * 32
    services.share_keys = (old_key,)
    reply = quick.check_list(services, ["Baidu", "Huawei"])
    assert reply.share_key is not None
    services.share_keys = (new_key, old_key)
    assert quick.reshare(services, reply.share_key).lines == reply.lines
    fresh = quick.check_list(services, ["Baidu"]).share_key
    assert fresh is not None and fresh != reply.share_key
    services.share_keys = (new_key,)
    assert quick.reshare(services, fresh).lines
    with pytest.raises(BadInput):
        quick.reshare(services, reply.share_key)
    # Tampering with one character of the data breaks the signature.
    tampered = fresh[:-2] + ("A" if fresh[-2] != "A" else "B") + fresh[-1]
    with pytest.raises(BadInput):
        quick.reshare(services, tampered)
