"""Organisations named in running text: a table of messages and what each names, over
the real bundled registry. Near misses and ordinary words must find nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry import store
from registry.db import unit_of_work
from registry.lookup import NameIndex
from registry.lookup.live import LiveIndex
from registry.lookup.mentions import LiveMentions, MentionScanner
from registry.service import Registry

BAIDU = "Baidu, Inc."
NUDT = "National University of Defense Technology"
HIT = "Harbin Institute of Technology"
BIT = "Beijing Institute of Technology"
PLA = "People's Liberation Army"
HIKVISION = "Hangzhou Hikvision Digital Technology Co., Ltd."

# (message, the registry names it mentions, in order of first appearance)
CASES: list[tuple[str, list[str]]] = [
    # -- the meeting notes ------------------------------------------------------
    (
        "Notes, 3 May\n- Baidu presented their cloud roadmap\n- Prof. Li (National "
        "University of Defense Technology) joined by video\n- University of Toronto to "
        "send the draft MoU",
        [BAIDU, NUDT],
    ),
    # -- nothing listed -----------------------------------------------------------------
    ("University of Toronto, ETH Zurich and Imperial College London signed the MoU.", []),
    ("Lunch at noon, then a call with Harvard University about the grant.", []),
    ("", []),
    # -- ordinary words and acronyms inside words ---------------------------------------
    ("We plan to hit the deadline and explain the plan; the bit rate is fine.", []),
    ("PLANS, HITS and BITS are not acronyms; nor is Hit or Pla.", []),
    ("MEETING AGENDA: HIT THE TARGETS AND PLAN AHEAD FOR THE CAST PARTY", []),
    ("We JUST need the CAST list by Friday.", []),
    ("USC and UCLA signed an exchange agreement.", []),
    ("the first affiliated hospital will host; the network attack and defense center", []),
    ("Singapore's Ministry of Education and the First Affiliated Hospital", []),
    ("baidu and tsinghua university in lower case are ordinary prose here", []),
    # -- near misses: a longer or different name ----------------------------------------
    ("Shanghai University of Finance and Economics sent two students.", []),
    ("Nanjing University of Information Science and Technology", []),
    ("Hikvison and Huawie (typos are for /mcf check, not for running text)", []),
    ("Harbinger Institute of Technologies", []),
    # -- acronyms in a matching context -------------------------------------------------
    ("Harbin Institute of Technology (HIT) visited; HIT sent slides later.", [HIT]),
    ("HIT researchers met Tsinghua University staff.", [HIT, "Tsinghua University"]),
    (
        "A paper from the PLA's Academy of Military Sciences in China",
        [PLA, "Academy of Military Science"],
    ),
    ("NUDT and BUAA co-authored the paper.", [NUDT, "Beihang University"]),
    ("PLA-linked labs in China", [PLA]),
    # -- Chinese script -----------------------------------------------------------------
    ("我们与北京理工大学和国防科技大学讨论了合作。", [BIT, NUDT]),
    ("與國防科技大學的合作（繁體）", [NUDT]),
    ("会上提到了海康威视和百度。", [HIKVISION, BAIDU]),
    ("北京大学第一附属医院的专家来访", ["Peking University"]),
    ("浙江大学国际关系学院", ["Zhejiang University"]),  # not the University of Int. Relations
    ("精度达到10微米的加工", []),
    ("东北大学和西北大学", ["Northeastern University"]),
    # -- mixed --------------------------------------------------------------------------
    ("Baidu's lab and 北京理工大学 both attended; so did BIT.", [BAIDU, BIT]),
]


@pytest.fixture(scope="module")
def scanner(bundled_path: Path) -> Iterator[tuple[MentionScanner, NameIndex]]:
    registry = Registry.connect(f"sqlite:///{bundled_path}")
    with unit_of_work(registry.sessions) as session:
        index = NameIndex.build(session)
    registry.engine.dispose()
    yield MentionScanner.build(index), index


@pytest.mark.parametrize(("message", "expected"), CASES)
def test_mentions(
    scanner: tuple[MentionScanner, NameIndex], message: str, expected: list[str]
) -> None:
    scan, index = scanner
    found = scan.scan(message)
    names = [index.entity_name(m.entity_ids[0]) for m in found]
    assert names == expected, [(m.text, m.how) for m in found]
    for mention in found:
        assert message[mention.start : mention.end] == mention.text


def test_mentions_point_at_the_words_as_written(
    scanner: tuple[MentionScanner, NameIndex],
) -> None:
    scan, _ = scanner
    (pla,) = scan.scan("Talks with the PLA's logistics arm in China")
    assert pla.text == "PLA" and pla.how == "acronym"
    (nudt,) = scan.scan("與國防科技大學")
    assert nudt.text == "國防科技大學"


def test_a_long_message_is_scanned_whole(scanner: tuple[MentionScanner, NameIndex]) -> None:
    scan, _ = scanner
    filler = "The committee discussed budgets, travel and the next steps. " * 80
    found = scan.scan(filler + "Finally, Megvii was mentioned." + filler)
    assert [m.text for m in found] == ["Megvii"]


def test_the_live_scanner_follows_new_names(bundled_registry: Registry) -> None:
    live_index, live = LiveIndex(), LiveMentions()
    with unit_of_work(bundled_registry.sessions) as session:
        first = live.current(live_index.current(session))
        assert first.scan("Baidu Netcom Science and Technology") != []
        assert first.scan("Example Robotics Holdings") == []
    with unit_of_work(bundled_registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Example Robotics Holdings")
    with unit_of_work(bundled_registry.sessions) as session:
        second = live.current(live_index.current(session))
    assert second is not first
    (found,) = second.scan("A note on Example Robotics Holdings.")
    assert found.matched == "Example Robotics Holdings"
    with unit_of_work(bundled_registry.sessions) as session:
        assert live.current(live_index.current(session)) is second  # nothing new: reused
