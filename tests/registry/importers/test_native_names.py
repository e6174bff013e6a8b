"""Sourced Chinese names (data/native_names/native_names.csv) on the bundled registry.

Every row must land on exactly one organisation; every Chinese name must carry the
source that writes it; and the names people type (华为, 腾讯, 中芯国际, 大疆, 长江存储)
must find their company through the real lookup.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.db import unit_of_work
from registry.importers import native_names, run_import
from registry.lookup import MatchStatus, NameIndex
from registry.models import Alias, Designation, Entity
from registry.names.normalize import pinyin
from registry.names.places import MAINLAND_PLACE_WORDS as CHINESE_PLACES
from registry.resolution import KEEP_APART, load_decisions, token_key
from registry.resolution.joins import Resolver
from registry.service import Registry
from tests.conftest import DATA
from tests.registry.importers.helpers import assert_refused_unchanged

CSV = DATA / "native_names" / "native_names.csv"
# Rows that waited in pending_lists.csv until the NDAA and FCC lists were bundled: each
# names a party of those lists.
ONCE_PENDING = (
    "ZTE Corporation",
    "Hytera Communications Corporation",
    "Gotion High tech Company, Limited",
    "Hithium Energy Storage Technology company, Limited",
)
STATUTE_LISTS = ("us-ndaa-", "us-fcc-")
# Spellings of a place in a listed name that its pinyin writes otherwise.
_PINYIN_OF_PLACE = {"shaanxi": "shanxi", "harbin": "haerbin"}
# The longest place name in characters (黑龙江, 哈尔滨).
MAX_PLACE_SYLLABLES = 3


def _reading(place: str) -> str:
    return _PINYIN_OF_PLACE.get(place.lower(), place.lower())


_PLACE_READINGS = {_reading(place) for place in CHINESE_PLACES}
HEADER = ",".join(native_names.COLUMNS)
HUAWEI = '"Huawei Technologies Co., Ltd."'  # quoted: the name has a comma
GOOD_SOURCE = "https://example.org/a,A page,A publisher,2024-01-31"
# The promise of the issue: typed as people type them, each finds its company.
TYPED = {
    "华为": "Huawei Technologies",
    "華為": "Huawei Technologies",
    "华为技术有限公司": "Huawei Technologies",
    "腾讯": "Tencent Holdings",
    "騰訊控股有限公司": "Tencent Holdings",
    "中芯国际": "Semiconductor Manufacturing International Corporation",
    "大疆": "DJI",
    "长江存储": "Yangtze Memory Technologies",
    "長江存儲": "Yangtze Memory Technologies",
}
# Organisations on the US lists with a sourced native name: 14 before this file (and
# none of those 14 sourced), 131 with it. A floor, so that a data change that loses names fails.
US_LISTED_WITH_NATIVE_FLOOR = 125


@pytest.fixture(scope="module")
def rows() -> list[native_names.Row]:
    return native_names.parse(CSV)


def _entities(session: Session) -> list[Entity]:
    return list(
        session.scalars(
            select(Entity).options(selectinload(Entity.aliases), selectinload(Entity.designations))
        )
    )


def test_every_row_names_exactly_one_organisation(
    bundled_registry: Registry, rows: list[native_names.Row]
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        resolver = Resolver(session, report_near_misses=False)
        wrong = []
        for row in rows:
            found = resolver.candidates(row.listed_name)
            if len(found) != 1:
                names = [e.name for e in found]
                wrong.append(f"line {row.line} {row.listed_name!r}: {len(found)} {names}")
    assert not wrong, "rows that do not name exactly one organisation:\n" + "\n".join(wrong)


def test_every_name_of_a_row_is_on_its_organisation_with_the_source(
    bundled_registry: Registry, rows: list[native_names.Row]
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        resolver = Resolver(session, report_near_misses=False)
        apart = _kept_apart(session, resolver)
        missing = []
        for row in rows:
            (entity,) = resolver.candidates(row.listed_name)
            if entity.id in apart:
                continue  # refused, as the tests below check
            sourced = {
                (a.name, a.source.url) for a in entity.aliases if a.source and a.lang == "zh"
            }
            missing += [
                f"line {row.line}: {name!r} of {entity.name!r}"
                for name in row.names()
                if (name, row.source_url) not in sourced
                # A name another source gave first keeps that source.
                and not any(a.name == name and a.source for a in entity.aliases)
            ]
    assert not missing, "\n".join(missing)


def test_every_native_name_in_the_registry_has_a_source_url(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        unsourced = [
            f"{e.key}: {e.native_name}"
            for e in _entities(session)
            if e.native_name
            and not any(
                a.name == e.native_name and a.source and a.source.url.startswith("http")
                for a in e.aliases
            )
        ]
    assert not unsourced, "native names without a source:\n" + "\n".join(unsourced)


def test_the_names_people_type_find_their_company(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        index = NameIndex.build(session)
        names = dict(session.execute(select(Entity.id, Entity.name)).all())
        wrong = []
        for query, expected in TYPED.items():
            result = index.lookup(query)
            best = names[result.best.entity_id] if result.best else None
            if result.status is not MatchStatus.MATCH or best is None or expected not in best:
                wrong.append(f"{query}: {result.status} {best!r}")
    assert not wrong, "\n".join(wrong)


def test_us_listed_organisations_with_a_sourced_native_name(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        listed = [
            e
            for e in _entities(session)
            if any(d.list_id.startswith("us-") for d in e.designations)
        ]
        sourced = [
            e
            for e in listed
            if e.native_name and any(a.name == e.native_name and a.source for a in e.aliases)
        ]
    assert len(sourced) >= US_LISTED_WITH_NATIVE_FLOOR, f"{len(sourced)} of {len(listed)}"


def test_a_reload_changes_nothing(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        (result,) = run_import(session, "native-names", [CSV])
    assert result.changes == 0
    assert result.updated == 0


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "names.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "field", "row"),
    [
        (2, "source_url", f"{HUAWEI},华为技术有限公司,,华为,,T,P,"),
        (2, "source_url", f"{HUAWEI},华为技术有限公司,,,huawei.com,T,P,"),
        (2, "publisher", f"{HUAWEI},华为技术有限公司,,,https://x.org,T,,"),
        (2, "native_name", f"{HUAWEI},Huawei,,,{GOOD_SOURCE}"),
        (2, "short_forms", f"{HUAWEI},华为技术有限公司,,华为;HW,{GOOD_SOURCE}"),
        (2, "native_name", f"{HUAWEI},,,,{GOOD_SOURCE}"),
        (2, "listed_name", f",华为技术有限公司,,,{GOOD_SOURCE}"),
        (2, "published", f"{HUAWEI},华为,,,https://x.org,T,P,31/01/2024"),
    ],
)
def test_a_malformed_row_is_refused_where_it_is(
    bundled_registry: Registry, tmp_path: Path, line: int, field: str, row: str
) -> None:
    path = _write(tmp_path, HEADER, row)
    assert_refused_unchanged(bundled_registry, "native-names", path, line, field)


def test_a_short_row_or_missing_column_is_refused(
    bundled_registry: Registry, tmp_path: Path
) -> None:
    short = _write(tmp_path, HEADER, f"{HUAWEI},华为技术有限公司")
    assert_refused_unchanged(bundled_registry, "native-names", short, 2, None)
    no_column = tmp_path / "no_column.csv"
    no_column.write_text("listed_name,native_name\nHuawei,华为\n", encoding="utf-8")
    assert_refused_unchanged(bundled_registry, "native-names", no_column, 1, "traditional")


def test_rows_that_name_no_or_several_organisations_are_skipped_and_reported(
    bundled_registry: Registry, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        HEADER,
        f"No Such Company Ltd.,无此公司,,,{GOOD_SOURCE}",
        f"{HUAWEI},,,华为终端,{GOOD_SOURCE}",
    )
    with unit_of_work(bundled_registry.sessions) as session:
        (result,) = run_import(session, "native-names", [path])
        assert any("line 2" in n and "no organisation" in n for n in result.near_misses)
        huawei = session.scalars(
            select(Entity).where(Entity.name == "Huawei Technologies Co., Ltd.")
        ).one()
        (alias,) = [a for a in huawei.aliases if a.name == "华为终端"]
        assert (alias.lang, alias.source.url) == ("zh", "https://example.org/a")
        assert alias.source.published == "2024-01-31"


def test_a_name_of_another_organisation_is_kept_apart(
    bundled_registry: Registry, tmp_path: Path
) -> None:
    path = _write(tmp_path, HEADER, f"Tencent Holdings Limited,华为技术有限公司,,,{GOOD_SOURCE}")
    with unit_of_work(bundled_registry.sessions) as session:
        (result,) = run_import(session, "native-names", [path])
        assert any("kept apart" in n for n in result.near_misses)
        tencent = session.scalars(
            select(Entity).where(Entity.name == "Tencent Holdings Limited")
        ).one()
        assert "华为技术有限公司" not in {a.name for a in tencent.aliases}


def test_a_name_kept_apart_is_not_made_the_native_name(
    bundled_registry: Registry, tmp_path: Path
) -> None:
    listed = "Chengdu Dahua Wisdom Information Technology Co., Ltd."
    path = _write(tmp_path, HEADER, f'"{listed}",华为技术有限公司,,,{GOOD_SOURCE}')
    with unit_of_work(bundled_registry.sessions) as session:
        (result,) = run_import(session, "native-names", [path])
        assert any("kept apart" in n for n in result.near_misses)
        entity = session.scalars(select(Entity).where(Entity.name == listed)).one()
        assert entity.native_name is None


def test_designations_are_untouched(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        before = session.scalars(select(Designation.id)).all()
        run_import(session, "native-names", [CSV])
        assert session.scalars(select(Designation.id)).all() == before


def _kept_apart(session: Session, resolver: Resolver) -> dict[int, tuple[str, str]]:
    """Entities holding both names of a reviewed "keep apart" decision."""
    out = {}
    for decision in load_decisions():
        if decision.decision == KEEP_APART:
            first, second = ({e.id for e in resolver.candidates(n)} for n in decision.names)
            out.update({i: decision.names for i in first & second})
    return out


def _names(entity: Entity) -> set[str]:
    return {a.name for a in entity.aliases} | {entity.name}


def test_the_rows_once_pending_are_loaded_onto_their_statute_parties(
    bundled_registry: Registry, rows: list[native_names.Row]
) -> None:
    pending = [row for row in rows if row.listed_name in ONCE_PENDING]
    assert {row.listed_name for row in pending} == set(ONCE_PENDING)
    with unit_of_work(bundled_registry.sessions) as session:
        resolver = Resolver(session, report_near_misses=False)
        apart = _kept_apart(session, resolver)
        loaded, wrong = 0, []
        for row in pending:
            (entity,) = resolver.candidates(row.listed_name)
            on_it = set(row.names()) <= _names(entity)
            if entity.id in apart:
                # One record for two organisations a decision keeps apart (until
                # resolution splits them): the row must wait rather than guess.
                if on_it:
                    wrong.append(f"{row.listed_name!r} loaded onto {entity.name!r}")
                continue
            listed = {d.list_id for d in entity.designations}
            if not on_it or not any(x.startswith(STATUTE_LISTS) for x in listed):
                wrong.append(f"{row.listed_name!r} -> {entity.name!r} {sorted(listed)}")
            loaded += 1
    assert not wrong, "\n".join(wrong)
    assert loaded >= len(ONCE_PENDING) - 1


def test_no_sourced_chinese_name_sits_on_a_record_of_two_organisations_kept_apart(
    bundled_registry: Registry, rows: list[native_names.Row]
) -> None:
    from_rows = {name for row in rows for name in row.names()}
    with unit_of_work(bundled_registry.sessions) as session:
        apart = _kept_apart(session, Resolver(session, report_near_misses=False))
        wrong = [
            f"{e.name!r} holds {a.name!r} but joins {apart[e.id]}"
            for e in _entities(session)
            if e.id in apart
            for a in e.aliases
            if a.lang == "zh" and a.name in from_rows
        ]
    assert not wrong, "\n".join(wrong)


def test_a_row_for_a_record_of_two_organisations_kept_apart_is_skipped(
    empty_registry: Registry, tmp_path: Path
) -> None:
    """A record that holds both names of a reviewed "keep apart" decision (two
    organisations made one, until resolution splits them) takes no Chinese name: it would
    go on the wrong one. The bundled data no longer has such a record, so one is made:
    for every decision, the first name's entity given the second as an alias."""
    decisions = [d for d in load_decisions() if d.decision == KEEP_APART]
    assert decisions
    # One record per decision whose names no other chosen decision uses (a name in two
    # decisions would make one row name two records).
    chosen, used = [], set()
    for decision in decisions:
        keys = {token_key(n) for n in decision.names}
        if not keys & used:
            chosen.append(decision)
            used |= keys
    assert len(chosen) >= 10
    with unit_of_work(empty_registry.sessions) as session:
        made = []
        for decision in chosen:
            first, second = decision.names
            entity = Entity(key=f"kept-apart-{len(made)}", name=first)
            entity.aliases.append(Alias(name=second))
            session.add(entity)
            made.append(entity)
        session.flush()
        assert set(_kept_apart(session, Resolver(session, report_near_misses=False))) == {
            e.id for e in made
        }
        rows = [f'"{e.name}",无此公司{i},,,{GOOD_SOURCE}' for i, e in enumerate(made)]
        (result,) = run_import(session, "native-names", [_write(tmp_path, HEADER, *rows)])
        skipped = [n for n in result.near_misses if "keeps apart" in n]
        assert len(skipped) == len(made), result.near_misses
        for entity in made:
            assert not any(n.startswith("无此公司") for n in _names(entity))
            assert entity.native_name is None


def _leading_place(name: str) -> str | None:
    """The Chinese place a Chinese name begins with (武汉… -> "wuhan"), read syllable by
    syllable so that 四创 ("si chuang") is not 四川 ("sichuan")."""
    syllables = [pinyin(ch) for ch in name[:MAX_PLACE_SYLLABLES]]
    for n in range(MAX_PLACE_SYLLABLES, 1, -1):
        if "".join(syllables[:n]) in _PLACE_READINGS:
            return "".join(syllables[:n])
    return None


def test_no_chinese_name_begins_with_another_place_than_its_listed_name_says(
    rows: list[native_names.Row],
) -> None:
    """A listed name that says "Wuhan ..." never gets a Chinese full name that begins with
    北京: a name put on a namesake in another city. (A Chinese name may leave the place
    out, as 中航沈飞 or 四创电子 do, and a listed name may name no place.)"""
    wrong = []
    for row in rows:
        said = {
            _reading(place)
            for place in CHINESE_PLACES
            if re.search(rf"\b{place}\b", row.listed_name, re.IGNORECASE)
        }
        for name in (row.native_name, row.traditional):
            begins = _leading_place(name) if name else None
            if said and begins and begins not in said:
                wrong.append(f"line {row.line}: {row.listed_name!r} -> {name} ({begins})")
    assert not wrong, "\n".join(wrong)


def test_the_place_check_reads_places_as_places() -> None:
    assert _leading_place("武汉大学") == "wuhan"
    assert _leading_place("哈尔滨工业大学") == "haerbin"
    assert _leading_place("四创电子股份有限公司") is None
