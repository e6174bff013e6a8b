"""The index follows the change log in place, and its typo rules."""

from __future__ import annotations

from registry import store
from registry.db import unit_of_work
from registry.importers import run_import
from registry.lookup import MatchStatus, NameIndex, namesakes
from registry.lookup.live import LiveIndex
from registry.lookup.types import MatchKind
from registry.service import Registry
from tests.conftest import DATA


def test_refresh_retires_changed_names_without_rebuilding(empty_registry: Registry) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [DATA / "curated" / "diplomat-2021.yaml"])
    with unit_of_work(empty_registry.sessions) as session:
        index = NameIndex.build(session)
    before = len(index.records)
    with unit_of_work(empty_registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Baidu Netcom Science and Technology")
    with unit_of_work(empty_registry.sessions) as session:
        assert index.refresh(session) == 1
    assert index.dead and len(index.records) > before  # retired in place, not rebuilt
    for query in ("Baidu Netcom Science & Technology", "Baidu", "百度"):
        result = index.lookup(query)
        assert result.status is MatchStatus.MATCH and result.best is not None
        assert result.best.name == "Baidu, Inc."
    # Retired records never answer twice: one candidate per entity.
    names = [c.name for c in index.lookup("Baidu").candidates]
    assert names.count("Baidu, Inc.") == 1


def test_a_four_letter_slip_finds_the_five_letter_word() -> None:
    index = NameIndex()
    index.add_name(1, "Taiyuan Hongyong Power Technology", "name")
    index.add_name(2, "China Electronics Technology Group", "name")
    index.add_name(2, "CETC", "acronym", weak=True)
    found = index.lookup("Taiyuan Hongyong Powr Technology")
    assert found.best is not None and found.best.entity_id == 1
    # ...but four-letter acronyms do not fuzzy-match each other.
    assert index.lookup("CETE").status is MatchStatus.NONE


def test_one_wrong_chinese_character_is_suggested_never_matched() -> None:
    index = NameIndex()
    index.add_name(1, "Chongqing Kunrun Chemical Co., Ltd.", "name")
    index.add_name(1, "重庆坤润化工有限公司", "Chinese name")
    index.add_name(2, "Chongqing Kuntai Chemical Co., Ltd.", "name")
    index.add_name(2, "重庆坤泰化工有限公司", "Chinese name")
    index.add_name(3, "Nanjing Normal University", "name")
    index.add_name(3, "南京师范大学", "Chinese name")
    typo = index.lookup("重乐坤润化工有限公司")
    assert typo.best is not None and typo.best.entity_id == 1
    assert typo.status is MatchStatus.AMBIGUOUS
    assert typo.best.how.kind is MatchKind.ONE_CHARACTER
    # Beijing Normal is not Nanjing Normal: one character apart, so at most a suggestion.
    assert index.lookup("北京师范大学").status is not MatchStatus.MATCH


def test_compaction_keeps_answers_and_drops_retired_names(empty_registry: Registry) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [DATA / "curated" / "diplomat-2021.yaml"])
    with unit_of_work(empty_registry.sessions) as session:
        index = NameIndex.build(session)
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Baidu Netcom Science and Technology")
    with unit_of_work(empty_registry.sessions) as session:
        index.refresh(session)
    compact = index.compacted()
    assert not compact.dead and len(compact.records) == len(index.records) - len(index.dead)
    for query in ("Baidu Netcom Science & Technology", "百度", "Baidu"):
        before, after = index.lookup(query), compact.lookup(query)
        assert after.status is MatchStatus.MATCH and after.best is not None
        assert (after.best.entity_id, after.best.score) == (
            before.best.entity_id,
            before.best.score,
        )  # type: ignore[union-attr]


def test_the_live_index_compacts_when_many_names_are_retired(empty_registry: Registry) -> None:
    live = LiveIndex()
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [DATA / "curated" / "diplomat-2021.yaml"])
    with unit_of_work(empty_registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        for n in range(1200):
            store.add_alias(session, baidu, f"Baidu Subsidiary {n}")
    with unit_of_work(empty_registry.sessions) as session:
        first = live.current(session)
    with unit_of_work(empty_registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        store.add_alias(session, baidu, "Baidu Netcom Science and Technology")
    with unit_of_work(empty_registry.sessions) as session:
        second = live.current(session)  # 1,200+ names retired: compacted, not kept
    assert second is not first and not second.dead
    assert len(second.records) < len(first.records) + 10
    found = second.lookup("Baidu Subsidiary 77")
    assert found.status is MatchStatus.MATCH and found.best is not None
    assert found.best.name == "Baidu, Inc."


def test_a_word_the_name_lacks_makes_it_a_suggestion() -> None:
    index = NameIndex()
    index.add_name(1, "University of Science and Technology Beijing", "name")
    index.add_name(2, "Tianjin University", "name")
    index.add_name(3, "54th Research Institute of China Electronics Technology Group", "name")
    index.add_name(4, "Beihang University", "name")
    index.add_name(4, "北京航空航天大学", "Chinese name")
    for other_body in ("Beijing University of Technology", "Tianjin University of Technology"):
        assert index.lookup(other_body).status is not MatchStatus.MATCH, other_body
    for same_body, entity_id in (
        ("University of Science & Technology Beijing", 1),
        ("Tianjin Univ.", 2),
        ("54th Research Institute", 3),  # part of a name, through a rare word as typed
        ("Bei3jing1 Hang2kong1 Hang2tian1 Da4xue2", 4),  # pinyin with tone numbers
    ):
        found = index.lookup(same_body)
        assert found.status is MatchStatus.MATCH and found.best is not None, same_body
        assert found.best.entity_id == entity_id


def test_remembered_answers_are_forgotten_when_a_name_is_added() -> None:
    index = NameIndex()
    index.add_name(1, "Zhongke Xinyuan Photonics", "name")
    before = index.lookup("Qiantang Vortex Avionics")
    assert before.status is MatchStatus.NONE
    assert index.lookup("Qiantang Vortex Avionics") is before  # remembered
    # A new name with new words: the remembered answer and the words' typo neighbours
    # (asked before the name existed) must both be forgotten.
    index.add_name(2, "Qiantang Vortex Avionics", "name")
    after = index.lookup("Qiantang Vortex Avionics")
    assert after.best is not None and after.best.entity_id == 2
    slip = index.lookup("Qiantang Vortx Avionics")
    assert slip.best is not None and slip.best.entity_id == 2


def test_remembered_words_and_names_are_forgotten_when_the_index_changes() -> None:
    """What lookups remember between queries (a word's postings and weights, an
    organisation's main name) is of the index as it was: a name added or renamed since
    is found, and shown, as it is now."""
    index = NameIndex()
    index.add_name(1, "Qiantang Vortex Avionics", "name")
    first = index.lookup("Vortex Avionics")
    assert [c.entity_id for c in first.candidates] == [1]
    index.add_name(2, "Lishui Vortex Avionics", "name")  # the same words, a new name
    both = index.lookup("Vortex Avionics Lishui")
    assert both.best is not None and both.best.entity_id == 2
    assert {c.entity_id for c in index.lookup("Avionics Vortex").candidates} == {1, 2}
    index.add_name(1, "Qiantang Vortex Avionics Group", "name")  # its main name now
    renamed = index.lookup("Qiantang Vortex Avionics")
    assert renamed.best is not None and renamed.best.name == "Qiantang Vortex Avionics Group"


def test_remembered_answers_are_per_limit() -> None:
    index = NameIndex()
    for i, city in enumerate(("Harbin", "Nanjing", "Xian", "Wuhan"), start=1):
        index.add_name(i, f"{city} Institute of Marine Engineering", "name")
    assert len(index.lookup("Institute of Marine Engineering", limit=1).candidates) <= 1
    assert len(index.lookup("Institute of Marine Engineering", limit=4).candidates) > 1


def test_of_several_names_matching_exactly_the_main_name_then_the_closest_is_said() -> None:
    """Whatever order the names were added in (and in every process): the main name when
    it matches, else the alias closest to the query as typed."""
    names = [
        ("China SpaceSat Co.", "name"),
        ("China SpaceSat", "alias"),
        ("Zeta-Quantum", "alias"),
        ("ZETA QUANTUM", "alias"),
    ]
    for order in (names, names[::-1]):
        index = NameIndex()
        for text, how in order:
            index.add_name(1, text, how)
        for query, expected in (
            ("China SpaceSat", "China SpaceSat Co."),  # the name, less its legal form
            ("CHINA SPACESAT CO", "China SpaceSat Co."),
            ("Zeta Quantum", "ZETA QUANTUM"),  # two aliases: the closer
            ("zeta-quantum", "Zeta-Quantum"),
        ):
            found = index.lookup(query)
            assert found.status is MatchStatus.MATCH and found.best is not None
            assert found.best.matched_on == expected, (order, query)


def test_priming_loads_what_lookups_load_on_first_use_and_keeps_no_answer() -> None:
    index = NameIndex()
    index.add_name(1, "Qiantang Vortex Avionics", "name")
    index.freeze()
    namesakes._dictionary.cache_clear()
    index.prime()
    assert namesakes._dictionary.cache_info().currsize == 1  # the English dictionary
    assert not index._answers
    assert index.lookup("Qiantang Vortex Avionics").status is MatchStatus.MATCH


def test_of_two_names_with_the_querys_words_the_one_of_its_stated_form_answers() -> None:
    """A listed name is keyed without its trailing "Corporation" too, so "Acme
    Shipbuilding Company Limited" has the words of "Acme Shipbuilding Corporation": the
    form it states says which; without a form, either may be meant."""
    index = NameIndex()
    index.add_name(1, "Acme Shipbuilding Corporation", "name")
    index.add_name(2, "Acme Shipbuilding Company Limited", "name")
    for query, wanted in (
        ("Acme Shipbuilding Company Limited", 2),
        ("Acme Shipbuilding Co., Ltd.", 2),
        ("Acme Shipbuilding Corporation", 1),
    ):
        result = index.lookup(query)
        assert result.status is MatchStatus.MATCH, query
        assert result.best is not None and result.best.entity_id == wanted, query
    other = index.lookup("Acme Shipbuilding Co., Ltd.").candidates[1]
    assert other.entity_id == 1 and other.how.held_back == "another legal form"
    assert index.lookup("Acme Shipbuilding").status is MatchStatus.AMBIGUOUS


def test_a_number_tells_numbered_bodies_apart_and_one_no_name_has_still_suggests() -> None:
    index = NameIndex()
    index.add_name(1, "Acme Electronics Group", "name")
    index.add_name(2, "Acme Electronics Group 28th Research Institute", "name")
    index.add_name(3, "Acme Electronics Group 58th Research Institute", "name")
    found = index.lookup("Acme Electronics Group 28 Research Institute")
    assert found.status is MatchStatus.MATCH and found.best is not None
    assert found.best.entity_id == 2
    # The group is not its numbered institute, nor the institute the group.
    group = index.lookup("Acme Electronics Group")
    assert group.best is not None and group.best.entity_id == 1
    assert all(c.score < 80 for c in group.candidates[1:])
    # A number no name has: the institutes are suggested, none is a match.
    unknown = index.lookup("Acme Electronics Group 99th Research Institute")
    assert unknown.status is MatchStatus.AMBIGUOUS
    assert {c.entity_id for c in unknown.candidates} >= {2, 3}


def test_a_word_typed_twice_counts_once_as_the_name_holds_it() -> None:
    """ "Luo Luo Technology" for "Beijing Luo Luo Technology Development": the second
    "luo" is no word the name lacks."""
    index = NameIndex()
    index.add_name(1, "Beijing Luo Luo Technology Development Co., Limited.", "name")
    index.add_name(2, "Beijing Acme Technology Development Co., Ltd.", "name")
    result = index.lookup("Luo Luo Technology Development Co., Limited.")
    assert result.best is not None and result.best.entity_id == 1
    assert result.best.score > 85
