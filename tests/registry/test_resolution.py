"""Entity resolution: one organisation, one entity, every merge explained and undoable.

Name keys are checked on pairs of real names from the bundled lists (the same
organisation spelled by two publishers, and two organisations whose names differ by a
bracket, a legal form or a place); the bundled registry is checked for the
organisations that several lists name, the merges' records and the reviewed file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import resolution, store
from registry.db import unit_of_work
from registry.errors import BadImportError
from registry.importers import run_import
from registry.importers.lists import guess_kind
from registry.models import Change, ChangeKind, Entity, Merge, Relationship
from registry.resolution import compatible, name_key, stated_country, unit_names
from registry.service import Registry

DATA = Path(__file__).resolve().parents[2] / "data"

# (name, name): one organisation as two lists or trackers spell it.
SAME = [
    ("China SpaceSat Co.", "China SpaceSat Co., Ltd."),
    ("SZ DJI TECHNOLOGY CO., LTD.", "Shenzhen DJI Technology Co., Ltd."),
    ("AVIC Heavy Machinery Co., Ltd. (Shanghai)", "AVIC Heavy Machinery Company Limited"),
    ("AVICOPTER PLC (Shanghai)", "Avicopter PLC"),
    (
        "China Aerospace Science and Industry Corporation Limited",
        "CHINA AEROSPACE SCIENCE AND INDUSTRY CORPORATION",
    ),
    ("AVIC XI'AN AIRCRAFT INDUSTRY GROUP COMPANY LTD.", "AVIC Xi’an Aircraft Industry Group Co."),
    ("Dawning Information Industry Co., Ltd. (Sugon)", "DAWNING INFORMATION INDUSTRY CO., LTD"),
    ("NetPosa Technologies, Ltd.", "NETPOSA TECHNOLOGIES LIMITED"),
    ("Aerospace CH UAV Co., Ltd (S-SEA)", "AEROSPACE CH UAV CO., LTD"),
    (
        "CSSC Offshore & Marine Engineering (Group) Company Limited",
        "CSSC OFFSHORE AND MARINE ENGINEERING (GROUP) CO., LTD.",
    ),
    ("Huawei Technologies Co., Ltd. (Huawei)", "HUAWEI TECHNOLOGIES CO., LTD."),
    ("Megvii Technology", "MEGVII TECHNOLOGY LIMITED"),
    (
        "China Communications Construction Group (Limited)",
        "China Communications Construction Group Limited",
    ),
    ("Merit Automotive Electronics Systems S.L.U", "Merit Automotive Electronics Systems, S.L.U."),
    ("中国航天科技集团有限公司", "中國航天科技集團有限公司"),
    # The PLA's bodies, with the PLA named in full, in short or not at all.
    ("中国人民解放军国防科技大学", "国防科技大学"),
    ("中国人民解放军军事科学院", "军事科学院"),
    ("中国人民解放军93184部队", "93184部队"),
    ("中国人民解放军总医院", "解放军总医院"),
    # An academy written either way (the Entity List and the 1286 list).
    (
        "China Academy of Science-Shenyang Institute of Automation",
        "Chinese Academy of Sciences – Shenyang Institute of Automation",
    ),
    ("Chinese Academy of Engineering Physics", "China Academy of Engineering Physics"),
]
# (name, name): two organisations whose names are one bracket, form or place apart.
DIFFERENT = [
    ("China Unicom (Hong Kong) Limited", "China Unicom (BVI) Co., Ltd."),
    (
        "Semiconductor Manufacturing International (Beijing) Corporation",
        "Semiconductor Manufacturing International (Shenzhen) Corporation",
    ),
    (
        "China Communications Construction (USA) Co., Ltd.",
        "China Communications Construction Company Limited",
    ),
    (
        "China Communications Construction Group Limited",
        "China Communications Construction Company Limited",
    ),
    ("CHINA SHIPBUILDING INDUSTRY COMPANY LIMITED", "China Shipbuilding Industry Corporation"),
    ("China Aerospace Times Electronics Co., Ltd", "China Aerospace Times Electronics Corporation"),
    ("Kiekert USA Inc.", "Kiekert AG"),
    ("China Electronics Corporation", "China Electronics Technology Group Corporation"),
    ("Shandong University (Weihai)", "Shandong University"),
    ("China Mobile Limited", "China Mobile Communications Group Co., Ltd."),
    ("CNOOC Limited", "China National Offshore Oil Corporation"),
    ("Beijing Megvii Technology Co., Ltd.", "MEGVII TECHNOLOGY LIMITED"),
    ("Tsinghua University", "Tsinghua University Co., Ltd."),
    ("Shenzhen DJI Innovation Technology Co., Ltd.", "Shenzhen DJI Technology Co., Ltd."),
    ("中航（上海）有限公司", "中航（北京）有限公司"),
    ("中国空间技术研究院第513研究所", "中国空间技术研究院第502研究所"),
    ("中国电子科技集团第58研究所", "中国电子科技集团第43研究所"),
    # Too little is left without the PLA: "理工大学" and "总医院" name no one body.
    ("解放军理工大学", "理工大学"),
    ("中国人民解放军总医院", "总医院"),
    ("中国人民解放军93184部队", "中国人民解放军93148部队"),
    ("Academy of Military Science", "Academy of Military Sciences Institute"),
]


def _same(a: str, b: str) -> bool:
    ka, kb = name_key(a), name_key(b)
    return ka is not None and kb is not None and compatible(ka, kb)


@pytest.mark.parametrize(("a", "b"), SAME)
def test_one_organisation_spelled_twice_has_one_key(a: str, b: str) -> None:
    assert _same(a, b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_two_organisations_a_bracket_form_or_place_apart_have_two(a: str, b: str) -> None:
    assert not _same(a, b)


# Abbreviations and spellings: one rule for the merge key and the index's key.
ABBREVIATED = [
    ("Shenzhen Intl Trading Co., Ltd.", "Shenzhen International Trading Co., Ltd."),
    ("Ningbo Imp & Exp Co., Ltd.", "Ningbo Import and Export Co., Ltd."),
    ("Harbin Engineering Univ", "Harbin Engineering University"),
    (
        "Beijing Computational Science Research Centre",
        "Beijing Computational Science Research Center",
    ),
    ("Hunan Aerospace Tech Co., Ltd.", "Hunan Aerospace Technology Co., Ltd."),
]


@pytest.mark.parametrize(("a", "b"), ABBREVIATED)
def test_abbreviations_fold_alike_in_the_merge_key_and_the_index_key(a: str, b: str) -> None:
    assert _same(a, b)
    assert resolution.token_key(a) == resolution.token_key(b)


def test_the_index_key_is_no_merge_key_where_the_legal_form_differs() -> None:
    # Documented in registry.resolution.keys: a merge keeps the legal form's family.
    a, b = "Hytera Communications Co., Ltd.", "Hytera Communications Inc."
    assert resolution.token_key(a) == resolution.token_key(b)
    assert not _same(a, b)


def test_an_acronym_or_a_legal_form_alone_is_no_key() -> None:
    assert name_key("有限会社") is None and name_key("华为") is None
    assert name_key("Co., Ltd.") is not None  # a name of nothing but a form keeps its words


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Kiekert USA Inc.", "US"),
        ("Merit Automotive Electronics Systems S.L.U", "ES"),
        ("FACC AG (Austria)", "AT"),
        ("KHD Humboldt Wedag (Germany)", "DE"),
        ("COSCO SHIPPING (North America) Inc.", "US"),
        ("China Communications Constructions USA, Inc.", "US"),
        ("Avicopter PLC", "CN"),  # 股份有限公司 is translated "PLC"
        ("Baidu, Inc.", "CN"),
        ("China Mobile Limited", "CN"),
    ],
)
def test_a_name_states_its_country_or_keeps_the_lists(name: str, country: str) -> None:
    assert stated_country(name, "CN") == country


def test_a_foreign_legal_form_is_no_chinese_company() -> None:
    assert stated_country("Something GmbH", "CN") is None


def test_units_among_a_groups_names_are_its_parts_and_renamings_are_not() -> None:
    casc = "China Aerospace Science and Technology Corporation"
    names = [
        "China Academy of Space Technology",
        "5th Academy of CASC",
        "13th Institute, China Aerospace Science and Technology Corporation",
        "China Aerospace Science and Technology Corporation Limited",
        "CASC",
    ]
    assert unit_names(casc, names, ["CASC"]) == set(names[:3])
    # A university renamed from an institute: former names, not parts.
    nudt = "National University of Defense Technology"
    assert unit_names(nudt, ["Changsha Institute of Technology"]) == set()
    lab = "National Key Laboratory for Parallel and Distributed Processing"
    assert unit_names(nudt, [lab]) == {lab}
    # A body with many institutes of one kind lists its institutes.
    caep = "Chinese Academy of Engineering Physics"
    institutes = [f"Southwest Institute of {x}" for x in ("Fluid Physics", "Materials", "A", "B")]
    assert unit_names(caep, ["China Academy of Engineering Physics", *institutes]) == set(
        institutes
    )


# --- the bundled registry ----------------------------------------------------------------


def _entity_named(session: Session, name: str) -> Entity:
    found = {
        e.id: e
        for e in session.scalars(select(Entity))
        if name.casefold() in {n.casefold() for n in (e.name, *(a.name for a in e.aliases))}
    }
    assert len(found) == 1, (name, [e.name for e in found.values()])
    return next(iter(found.values()))


def test_djis_three_listed_names_are_one_entity(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        dji = _entity_named(session, "Shenzhen DJI Innovation Technology Co., Ltd.")
        for name in ("Shenzhen DJI Technology Co., Ltd.", "SZ DJI TECHNOLOGY CO., LTD."):
            assert _entity_named(session, name).id == dji.id
        lists = {d.list_id for d in dji.designations}
        assert {"us-1260h", "us-ns-cmic"} <= lists
        # One 1260H listing, since 2022 (the 2026 edition restates it under the new name).
        assert [d.start for d in dji.designations if d.list_id == "us-1260h"] == [
            dt.date(2022, 10, 5)
        ]
        assert ("uscc", "914403007954257495") in {(i.scheme, i.value) for i in dji.identifiers}


def test_china_spacesat_is_one_entity(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        sat = _entity_named(session, "China SpaceSat Co.")
        assert _entity_named(session, "China SpaceSat Co., Ltd.").id == sat.id
        assert {d.list_id for d in sat.designations} >= {"us-1260h", "us-ns-cmic"}
        assert len([d for d in sat.designations if d.list_id == "us-1260h"]) == 1


def test_megvii_is_one_card_with_its_ended_1260h_period_and_ns_cmic(
    bundled_registry: Registry,
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        megvii = _entity_named(session, "Beijing Megvii Technology Co., Ltd.")
        assert _entity_named(session, "MEGVII TECHNOLOGY LIMITED").id == megvii.id
        periods = {(d.list_id, d.start, d.end) for d in megvii.designations}
        assert ("us-1260h", dt.date(2024, 1, 31), dt.date(2025, 1, 7)) in periods
        assert ("us-ns-cmic", dt.date(2021, 12, 16), None) in periods


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Kiekert USA Inc.", "US"),
        ("Merit Automotive Electronics Systems S.L.U", "ES"),
        ("FACC AG (Austria)", "AT"),
        ("KHD Humboldt Wedag (Germany)", "DE"),
    ],
)
def test_listed_subsidiaries_abroad_keep_their_country(
    bundled_registry: Registry, name: str, country: str
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        assert _entity_named(session, name).country == country


def test_every_merge_is_explained_in_the_merges_table_and_the_change_log(
    bundled_registry: Registry,
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        merges = session.scalars(select(Merge)).all()
        assert merges
        for merge in merges:
            assert merge.rule in {"identifier", "name", "alias", "numbered unit", "decision"}
            assert merge.evidence and merge.kept_id is not None
            assert store.entity_by_key(session, merge.merged_key) is not None
        logged = session.scalars(
            select(Change).where(Change.kind == ChangeKind.ENTITY_MERGED)
        ).all()
        assert sorted(c.detail["merge_id"] for c in logged) == sorted(m.id for m in merges)
        # Never on an acronym alone: a merge's evidence is a code, a whole name or a review.
        assert all(
            m.evidence.startswith(("same", "USCC", "OFAC", "LEI", "reviewed")) for m in merges
        )


def test_a_merged_key_finds_the_entity_it_joined(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        merge = session.scalars(select(Merge)).first()
        assert merge is not None
        found = store.entity_by_key(session, merge.merged_key)
        assert found is not None and found.id == merge.kept_id


def test_an_undone_merge_stays_undone_across_imports(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        merge = next(
            m for m in session.scalars(select(Merge)) if m.merged_name == "China SpaceSat Co., Ltd."
        )
        kept_id = merge.kept_id
        before = {
            d.list_id
            for d in session.get_one(Entity, kept_id).designations  # type: ignore[arg-type]
        }
        again = resolution.unmerge(session, merge.id)
        assert again.name == "China SpaceSat Co., Ltd." and again.key == merge.merged_key
    with unit_of_work(bundled_registry.sessions) as session:
        split = store.entity_by_key(session, merge.merged_key)
        assert split is not None and split.id != kept_id
        lists = {d.list_id for d in split.designations} | {
            d.list_id
            for d in session.get_one(Entity, kept_id).designations  # type: ignore[arg-type]
        }
        assert lists == before
        assert session.scalars(
            select(Change).where(Change.kind == ChangeKind.ENTITY_UNMERGED)
        ).all()
    with unit_of_work(bundled_registry.sessions) as session:
        (result,) = run_import(session, "us-1260h", [DATA / "lists" / "us_dod_1260h.csv"])
        assert not any("SpaceSat" in m for m in result.merged)
        spacesats = [e for e in session.scalars(select(Entity)) if "SpaceSat" in e.name]
        assert len(spacesats) == 2


def test_reimporting_after_resolution_changes_nothing(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        entities = session.scalar(select(func.count()).select_from(Entity))
        for source, path in [
            ("us-1260h", DATA / "lists" / "us_dod_1260h.csv"),
            ("ofac-cons", DATA / "lists" / "ofac" / "cons_prim.csv"),
            ("unitracker", DATA / "unitracker" / "china-defence-universities.json"),
        ]:
            (result,) = run_import(session, source, [path])
            assert result.changes == 0, (source, result.merged)
        assert session.scalar(select(func.count()).select_from(Entity)) == entities


def test_no_likely_duplicate_is_left_undecided(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        found = resolution.duplicates(session)
    undecided = [(d.pair.rule, d.names) for d in found if not d.decided]
    assert not undecided, f"decide these in data/resolution/decisions.yaml: {undecided}"


def test_every_reviewed_decision_that_names_two_entities_is_honoured(
    bundled_registry: Registry,
) -> None:
    # Decisions may name parties of lists not bundled yet; those that name entities of
    # the bundled registry hold: "merge" made one entity, "keep apart" left two.
    decisions = resolution.load_decisions()
    assert decisions and all(d.reason for d in decisions)
    with unit_of_work(bundled_registry.sessions) as session:
        names: dict[str, set[int]] = {}
        for entity in session.scalars(select(Entity)):
            for name in (entity.name, *(a.name for a in entity.aliases)):
                names.setdefault(name.casefold(), set()).add(entity.id)
    checked = 0
    for d in decisions:
        first, second = (names.get(n.casefold(), set()) for n in d.names)
        if not first or not second:
            continue
        checked += 1
        if d.decision == resolution.MERGE:
            assert first & second, d.names
        else:
            assert first != second, d.names
    assert checked >= 8


def test_a_decision_without_a_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    path.write_text("decisions:\n  - names: [A Co., B Co.]\n    decision: merge\n")
    with pytest.raises(BadImportError, match="reason"):
        resolution.load_decisions(path)


def test_a_keep_apart_decision_stops_a_strong_merge(empty_registry: Registry) -> None:
    keep_apart = [
        resolution.Decision(
            ("China SpaceSat Co.", "China SpaceSat Co., Ltd."), resolution.KEEP_APART, "test"
        )
    ]
    path = DATA / "lists" / "us_dod_1260h.csv"
    with unit_of_work(empty_registry.sessions) as session:
        (result,) = run_import(session, "us-1260h", [path], decisions=keep_apart)
        assert not any("SpaceSat" in m for m in result.merged)
        names = {e.name for e in session.scalars(select(Entity))}
        assert {"China SpaceSat Co.", "China SpaceSat Co., Ltd."} <= names


# --- subordinate units -----------------------------------------------------------------


def test_casc_academies_are_entities_tied_to_casc(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        casc = _entity_named(session, "China Aerospace Science and Technology Corporation")
        alias_names = {a.name for a in casc.aliases}
        assert "China Academy of Space Technology" not in alias_names
        assert "CALT" not in alias_names
        cast = _entity_named(session, "China Academy of Space Technology")
        assert cast.id != casc.id and cast.kind == "research_institute"
        calt = _entity_named(session, "CHINA ACADEMY OF LAUNCH VEHICLE TECHNOLOGY")
        assert calt.id != casc.id
        ties = session.scalars(
            select(Relationship).where(
                Relationship.subject_id.in_([cast.id, calt.id]),
                Relationship.object_id == casc.id,
            )
        ).all()
        assert {t.subject_id for t in ties} == {cast.id, calt.id}
        assert all(t.type == "subsidiary_of" for t in ties)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("China Academy of Launch Vehicle Technology", "research_institute"),
        ("54th Research Institute of China", "research_institute"),
        (
            "China Electronics Technology Group Corporation 13th Research Institute",
            "research_institute",
        ),
        ("Nanjing Research Institute of Electronics Technology Co., Ltd.", "company"),
        ("Harbin Institute of Technology", "university"),
        ("National University of Defense Technology", "university"),
        ("Kiekert USA Inc.", "company"),
    ],
)
def test_a_list_entrys_kind_follows_its_name(name: str, kind: str) -> None:
    assert guess_kind(name) == kind


def test_casc_academies_are_research_academies_not_universities(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        academies = [
            e
            for e in session.scalars(select(Entity))
            if e.name.startswith("CASC ") and "Academy" in e.name
        ]
        assert academies and {e.kind for e in academies} == {"research_institute"}


def test_a_pla_body_named_in_chinese_alone_is_its_listed_card(bundled_registry: Registry) -> None:
    """CSET's procurement data names NUDT and the Academy of Military Science by their
    Chinese names without the PLA: a Chinese query must reach the listed organisation,
    under the name its lists give it, never an unlisted duplicate."""
    with unit_of_work(bundled_registry.sessions) as session:
        for chinese, english in (
            ("国防科技大学", "National University of Defense Technology"),
            ("军事科学院", "Academy of Military Science"),
        ):
            names = session.scalars(
                select(Entity.name).where(
                    (Entity.name == chinese) | (Entity.native_name.like(f"%{chinese}"))
                )
            ).all()
            assert names == [english], (chinese, names)


def test_no_listed_or_tracked_entity_was_merged_into_an_importers_duplicate(
    bundled_registry: Registry,
) -> None:
    """A merge keeps the entity a list or tracker made (its name and key) over one that
    the procurement data made, whichever came first."""
    with unit_of_work(bundled_registry.sessions) as session:
        rows = session.execute(
            select(Merge.merged_key, Entity.key)
            .join(Entity, Entity.id == Merge.kept_id)
            .where(Merge.undone_at.is_(None))
        ).all()
    into_cset = [
        (merged, kept)
        for merged, kept in rows
        if kept.startswith("cset-") and not merged.startswith("cset-")
    ]
    assert into_cset == []
