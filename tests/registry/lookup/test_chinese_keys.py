"""Chinese names asked as people write them: in pinyin with the name's digits and Latin
letters in place ("Zhongguo Dianke 28 Suo"), in pinyin without the company suffix
("Huawei Jishu"), and in characters with a number that tells two institutes apart
("中国电科28所" is not "中國電科13所"). Checked over every Chinese name of a listed
organisation in the bundled registry."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from pypinyin import lazy_pinyin
from sqlalchemy import select

from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.models import Alias, Entity
from registry.names import normalize
from registry.names.legal_forms import without_han_company_suffix, without_han_group_form
from registry.names.script import HAN_OR_CODE, has_han
from registry.service import Registry
from registry.views.queries import legally_listed_ids


@pytest.fixture(scope="module")
def chinese(
    bundled_reader: Registry, bundled_index: NameIndex
) -> tuple[NameIndex, dict[str, set[int]], set[int]]:
    """The index, every Chinese name with the organisations that hold it, and the
    listed organisations."""
    with unit_of_work(bundled_reader.sessions) as session:
        listed = legally_listed_ids(session)
        holders: dict[str, set[int]] = defaultdict(set)
        for entity_id, name in session.execute(select(Entity.id, Entity.native_name)):
            if name:
                holders[name].add(entity_id)
        for entity_id, name in session.execute(select(Alias.entity_id, Alias.name)):
            if has_han(name):
                holders[name].add(entity_id)
    return bundled_index, holders, listed


def _typed_pinyin(text: str) -> str:
    """``text`` as a person types it in pinyin: a word a character, digits and Latin
    letters as written, brackets kept."""
    return " ".join(w.capitalize() for w in lazy_pinyin(text) if w.strip())


def test_pinyin_with_the_names_digits_and_latin_letters_finds_it(
    chinese: tuple[NameIndex, dict[str, set[int]], set[int]],
) -> None:
    index, holders, listed = chinese
    by_reading: dict[str, set[int]] = defaultdict(set)
    for text, owners in holders.items():
        by_reading[normalize.mixed_pinyin(text) or normalize.pinyin(text)] |= owners
    asked, wrong = 0, []
    for text, owners in sorted(holders.items()):
        runs = HAN_OR_CODE.findall(text)
        if not owners & listed or all(has_han(run) for run in runs):
            continue
        asked += 1
        query = _typed_pinyin(text)
        best = index.lookup(query).best
        # Names that read alike (a name and its traditional spelling) are one answer.
        if best is None or best.entity_id not in by_reading[normalize.mixed_pinyin(text) or ""]:
            wrong.append((text, query, best.name if best else None))
    assert not wrong, wrong[:10]
    assert asked >= 20


def test_pinyin_without_the_company_suffix_finds_the_company(
    chinese: tuple[NameIndex, dict[str, set[int]], set[int]],
) -> None:
    index, holders, listed = chinese
    by_short: dict[str, set[int]] = defaultdict(set)
    for text, owners in holders.items():
        short = without_han_company_suffix(normalize.han_text(text))
        by_short[normalize.pinyin(short or text)] |= owners
    asked, wrong = 0, []
    for text, owners in sorted(holders.items()):
        short = without_han_company_suffix(text)
        if not owners & listed or short is None or not has_han(short):
            continue
        asked += 1
        query = _typed_pinyin(short)
        result = index.lookup(query)
        # Two companies whose names differ only by their suffixes share the short name.
        allowed = by_short[normalize.pinyin(normalize.han_text(short))]
        if result.best is None or result.best.entity_id not in allowed | owners:
            wrong.append((text, query, result.best.name if result.best else None))
    assert len(wrong) <= asked // 50, wrong[:10]  # pypinyin may read a character otherwise
    assert asked >= 100


def test_a_number_in_a_chinese_name_tells_two_bodies_apart(
    chinese: tuple[NameIndex, dict[str, set[int]], set[int]],
) -> None:
    """No Chinese name with digits answers, as a confident match, an organisation that
    does not hold it ("中国电科28所" is the 28th institute, not the 13th)."""
    index, holders, _ = chinese
    asked, wrong = 0, []
    for text, owners in sorted(holders.items()):
        if not any(ch.isdigit() for ch in text):
            continue
        asked += 1
        result = index.lookup(text)
        assert result.best is not None
        if result.status is MatchStatus.MATCH and result.best.entity_id not in owners:
            wrong.append((text, result.best.name))
        if len(owners) == 1 and result.best.entity_id not in owners:
            wrong.append((text, f"first: {result.best.name}"))
    assert not wrong, wrong[:10]
    assert asked >= 20


def test_a_chinese_name_with_another_number_is_no_confident_match(
    chinese: tuple[NameIndex, dict[str, set[int]], set[int]],
) -> None:
    """ "中国电科第28研究所" is not the 14th institute's "中国电科第14研究所": a name
    asked with a number that no name of the registry has in that place is at most a
    "did you mean"."""
    index, holders, _ = chinese
    # (A name that reads as one held, once its numbers are digits, is held: "中國電科14所"
    # is the 14th's "中国电科第14研究所".)
    held = {normalize.compact(text) for text in holders}
    asked, wrong = 0, []
    for text in sorted(holders):
        number = re.search(r"\d+", text)
        if number is None or not has_han(text):
            continue
        query = f"{text[: number.start()]}{int(number.group()) + 1}{text[number.end() :]}"
        if normalize.compact(query) in held:
            continue
        asked += 1
        result = index.lookup(query)
        if result.status is MatchStatus.MATCH:
            wrong.append((query, result.best.name if result.best else None))
    assert not wrong, wrong[:10]
    assert asked >= 20


def test_a_groups_company_form_left_out_finds_the_same_body(
    chinese: tuple[NameIndex, dict[str, set[int]], set[int]],
) -> None:
    """ "中国电子科技集团第二十八研究所" is "中国电子科技集团公司第二十八研究所": a group's
    company form before more of the name is left out as often as written. Every Chinese
    name in the registry that has one (six in the bundled data), asked without it, is a
    confident match to an organisation holding that name (or one that reads the same
    without it)."""
    index, holders, _ = chinese
    by_short: dict[str, set[int]] = defaultdict(set)
    for text, owners in holders.items():
        by_short[normalize.compact(without_han_group_form(text))] |= owners
    asked, wrong = 0, []
    for text in sorted(holders):
        query = without_han_group_form(text)
        if query == text:
            continue
        asked += 1
        result = index.lookup(query)
        allowed = by_short[normalize.compact(query)]
        best = result.best
        if result.status is not MatchStatus.MATCH or best is None or best.entity_id not in allowed:
            wrong.append((query, result.status, best.name if best else None))
    assert not wrong, wrong[:10]
    assert asked >= 5


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("中国电子科技集团公司第二十八研究所", "中国电子科技集团第二十八研究所"),
        ("中国航天科技集团有限公司第五研究院", "中国航天科技集团第五研究院"),
        ("中国兵器工业集团股份有限公司北京分公司", "中国兵器工业集团北京分公司"),
        ("中国电子科技集团有限公司", "中国电子科技集团有限公司"),  # the group's own name
        ("华为技术有限公司深圳分公司", "华为技术有限公司深圳分公司"),  # no group
    ],
)
def test_without_han_group_form(name: str, short: str) -> None:
    assert without_han_group_form(name) == short
