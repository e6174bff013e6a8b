"""The whole Commerce lists as bundled: the April 2022 Consolidated Screening List (CSV)
and the 2025-11-08 Entity List (trade.gov's JSON).

Counts and samples are computed here from the files with plain ``csv``/``json`` and a
rule of their own (an address ending in CN or HK), not with the importer's parser, so
that a parsing mistake shows as a difference. The bundled copies in ``data/`` are the
files of ``../shared/data`` (checked where that directory exists: CI must have it).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
import os
import random
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers.context import Services
from handlers.lookup import lookup
from registry.db import unit_of_work
from registry.importers import run_import
from registry.importers.parents import parent_chain, stated_parent
from registry.lookup import MatchStatus
from registry.models import Alias, Change, Designation, Entity, Relationship
from registry.names.places import without_address
from registry.service import Registry
from tests.registry.importers.helpers import assert_refused_unchanged

ROOT = Path(__file__).resolve().parents[3]
BUNDLED = ROOT / "data" / "lists" / "csl"
CSL_2022 = BUNDLED / "consolidated-2022-04.csv.gz"
EL_2025 = BUNDLED / "entity-list-2025-11-08.json.gz"
# ../shared beside the checkout (or beside the worktrees' parent).
SHARED = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()),
    ROOT.parent / "shared",
)
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir() and not os.environ.get("CI"),
    reason=f"the publishers' files are not at {SHARED}",
)

# Random rows looked up by their listed name: sample size and seed stated so the figure
# can be repeated (the README quotes it).
SAMPLE_SIZE = 200
SEED = 11
MIN_FOUND = 0.95
# Registry counts against the file's (the bound).
COUNT_TOLERANCE = 0.02
EDITION = dt.date(2025, 11, 8)
_CN_HK = re.compile(r",\s*(?:CN|HK|China)\s*$", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d\d-\d\d$")


def _china(addresses: list[str]) -> bool:
    return any(_CN_HK.search(a) for text in addresses for a in text.split(";"))


def _el_2025_rows() -> list[dict[str, Any]]:
    with gzip.open(EL_2025, "rt", encoding="utf-8") as fh:
        rows: list[dict[str, Any]] = json.load(fh)["entities"]
    return [r for r in rows if _china(r["addresses"])]


def _csl_2022_rows(prefix: str) -> list[dict[str, str]]:
    with gzip.open(CSL_2022, "rt", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if r["source"].startswith(prefix) and _china([r["addresses"]])]


def _found(services: Services, name: str, list_id: str, dates: set[str | None]) -> str | None:
    """None when the listed name finds one organisation on ``list_id`` from one of
    ``dates``; else why not."""
    reply = lookup(services, name)
    if reply.status is not MatchStatus.MATCH or reply.card is None:
        return reply.status.value
    starts = {d.start for d in reply.card.designations if d.list_id == list_id}
    if not starts:
        return f"found {reply.card.name!r}, not on {list_id}"
    return None if starts & dates else f"dated {sorted(map(str, starts))}"


@needs_shared
def test_the_bundled_files_are_the_publishers() -> None:
    for bundled, original in (
        (CSL_2022, SHARED / "data" / "trade-gov-csl" / "consolidated-2022-04.csv.gz"),
        (EL_2025, SHARED / "data" / "bis" / "entity-list-2025-11-08.json"),
    ):
        data = bundled.read_bytes()
        if not original.name.endswith(".gz"):
            data = gzip.decompress(data)
        assert hashlib.sha256(data).digest() == hashlib.sha256(original.read_bytes()).digest()


def test_china_and_hong_kong_entity_list_parties_are_all_there(
    bundled_registry: Registry,
) -> None:
    # One party per name, spelt case-, punctuation- and acronym-blind: the file lists
    # "Xian Semi Electronic Co., Ltd" and "... Co., Ltd." and "Huawei Technologies Co.,
    # Ltd. (Huawei)" beside "Huawei Technologies Co., Ltd.".
    in_file = {_party_key(r["name"]) for r in _el_2025_rows()}
    with unit_of_work(bundled_registry.sessions) as session:
        listed = session.scalar(
            select(func.count(func.distinct(Designation.entity_id))).where(
                Designation.list_id == "us-entity-list", Designation.end.is_(None)
            )
        )
        meu = session.scalar(
            select(func.count(func.distinct(Designation.entity_id))).where(
                Designation.list_id == "us-meu"
            )
        )
    assert listed is not None and abs(listed - len(in_file)) <= COUNT_TOLERANCE * len(in_file)
    assert meu == len({r["name"].casefold() for r in _csl_2022_rows("Military End User")})


def test_sampled_entity_list_rows_are_found_with_the_list_and_date(services: Services) -> None:
    rows = _el_2025_rows()
    # A name listed twice (two entries, two dates; "Co., Ltd" and "Co., Ltd.") is one
    # party from its earliest date.
    dates: dict[str, set[str | None]] = {}
    for row in rows:
        date = row["effectiveDate"] if _DATE.match(row["effectiveDate"]) else None
        dates.setdefault(_party_key(row["name"]), set()).add(date)
    sample = random.Random(SEED).sample(rows, SAMPLE_SIZE)
    missed = [
        (row["name"], why)
        for row in sample
        if (why := _found(services, row["name"], "us-entity-list", dates[_party_key(row["name"])]))
    ]
    found = 1 - len(missed) / SAMPLE_SIZE
    print(f"Entity List 2025: {SAMPLE_SIZE - len(missed)}/{SAMPLE_SIZE} found ({found:.1%})")
    assert found >= MIN_FOUND, missed


def test_every_meu_row_of_2022_is_found_with_the_list_and_date(services: Services) -> None:
    rows = _csl_2022_rows("Military End User")
    assert len(rows) == 71
    missed = [
        (row["name"], why)
        for row in rows
        if (why := _found(services, row["name"], "us-meu", {row["start_date"] or None}))
    ]
    found = 1 - len(missed) / len(rows)
    print(f"MEU 2022: {len(rows) - len(missed)}/{len(rows)} found ({found:.1%})")
    assert found >= MIN_FOUND, missed


def test_hikvision_on_the_entity_list_since_2019_with_its_terms_and_notice(
    services: Services,
) -> None:
    reply = lookup(services, "Hikvision")
    assert reply.card is not None and reply.card.key == "hikvision"
    (el,) = [d for d in reply.card.designations if d.list_id == "us-entity-list"]
    assert el.start == "2019-10-09" and el.end is None
    assert el.licence_requirement and "all items subject to the EAR" in el.licence_requirement
    assert el.licence_policy and "presumption of denial" in el.licence_policy
    urls = {s.number: s.url for s in reply.card.sources}
    assert urls[el.source] == "https://www.federalregister.gov/citation/84-FR-54002"
    cited = {urls[n] for n in el.citations}
    assert "https://www.federalregister.gov/citation/85-FR-44159" in cited
    assert not [u for u in urls.values() if "bit.ly" in u]
    assert {d.list_id for d in reply.card.designations} >= {"us-1260h", "us-ns-cmic"}


def test_the_2025_edition_closes_what_it_no_longer_holds(bundled_registry: Registry) -> None:
    keys_2025 = {_key(r["name"]) for r in _el_2025_rows()} | {
        _key(a) for r in _el_2025_rows() for a in r["alternateNames"]
    }
    with unit_of_work(bundled_registry.sessions) as session:
        closed = session.scalars(
            select(Designation).where(
                Designation.list_id == "us-entity-list", Designation.end.is_not(None)
            )
        ).all()
        assert closed, "some 2022 parties are gone by 2025"
        for d in closed:
            assert d.end == EDITION and d.end_note == "not in the edition of 2025-11-08"
            assert d.end_source is not None and d.end_source.published == "2025-11-08"
            # A removal, not a respelling: no 2025 row has the party's name or a near one.
            names = [d.entity.name, *(a.name for a in d.entity.aliases)]
            assert not {_key(n) for n in names} & keys_2025, d.entity.name
        ended = session.scalar(
            select(func.count())
            .select_from(Change)
            .where(Change.kind == "designation_ended", Change.source_file.like("entity-list%"))
        )
        assert ended == len(closed)
        # Respelt between the editions ("Uighur"/"Uyghur", "?s"/"'s", word order, a place
        # moved into the address): one party, still listed.
        for name in (
            "Xinjiang Uyghur Autonomous Region (XUAR) People's Government Public Security Bureau",
            "Bako Cheung",
            "JLD Technology, Hong Kong Co., Ltd.",
        ):
            (entity,) = _entities_named(session, name)
            periods = [
                (p.start, p.end) for p in entity.designations if p.list_id == "us-entity-list"
            ]
            assert len(periods) == 1 and periods[0][1] is None, (name, periods)


def test_parents_stated_in_listed_names_are_ties(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        (institute,) = _entities_named(
            session,
            "China Aerospace Science and Industry Corporation Second Academy. "
            "Subordinate Institution - 201 Research Institute",
        )
        (academy,) = _entities_named(
            session, "China Aerospace Science and Industry Corporation Second Academy"
        )
        # The academy may carry another of its names first (the tracker's, after
        # resolution): the tie goes to the one entity that answers to the stated name.
        assert _parents(session, institute) == [academy.name]
        (group,) = _parents(session, academy)
        assert group.startswith("China Aerospace Science and Industry Corporation")
        ties = session.scalars(
            select(Relationship).where(Relationship.subject_id == institute.id)
        ).all()
        assert all(
            s.url.startswith(("https://www.federalregister.gov/", "https://www.trade.gov/"))
            for t in ties
            for s in t.sources
        )
    # The rule, not a table: names that state no parent get none.
    assert parent_chain("54th Research Institute of China") == []
    assert parent_chain("System Equipment Co., Ltd. of the 28th Research Institute") == []
    assert parent_chain("Harbin Institute of Technology") == []


def test_no_listed_name_keeps_an_address_and_affiliates_answer_to_their_own_names(
    bundled_reader: Registry,
) -> None:
    """Over every organisation of the bundled registry: no name ends in an address written
    after its legal form (the list's text stays an alias) or in a stray comma, and an
    affiliate listed as "<group>. Affiliated Entity: <name>" has its own name as an alias,
    with no tie to the group claimed (an affiliate need not be a subsidiary)."""
    with unit_of_work(bundled_reader.sessions) as session:
        names = dict(session.execute(select(Entity.id, Entity.name)).all())
        aliases: dict[int, set[str]] = {}
        for entity_id, alias in session.execute(select(Alias.entity_id, Alias.name)):
            aliases.setdefault(entity_id, set()).add(alias)
    assert [n for n in names.values() if without_address(n) != n] == []
    assert [n for n in names.values() if n.endswith((",", ";"))] == []
    affiliates = {i: n for i, n in names.items() if "Affiliated Entity:" in n}
    assert len(affiliates) >= 10
    for entity_id, name in affiliates.items():
        assert name.split("Affiliated Entity:", 1)[1].strip() in aliases[entity_id]
        assert stated_parent(name) is None
    assert any("Bantian Longgang District" in a for found in aliases.values() for a in found)


def test_ns_cmic_linked_to_becomes_a_cited_tie(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        ties = session.scalars(select(Relationship).where(Relationship.type == "other")).all()
        linked = [t for t in ties if any("Non-SDN" in s.title for s in t.sources)]
        assert linked
        pairs = {(t.subject.name.casefold(), t.object.name.casefold()) for t in linked}
        assert ("china mobile limited", "china mobile communications group co., ltd.") in pairs


def test_reimporting_an_edition_writes_no_change(bundled_registry: Registry) -> None:
    for path in (EL_2025, CSL_2022):  # the newest, then an older one after it
        with unit_of_work(bundled_registry.sessions) as session:
            (result,) = run_import(session, "csl", [path])
            assert result.changes == 0 and result.created == 0, path.name


def test_the_2022_and_2025_editions_load_from_the_publishers_files(
    empty_registry: Registry,
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        first, second = run_import(session, "csl", [CSL_2022, EL_2025])
        assert (first.edition, second.edition) == ("2022-04-21", "2025-11-08")
        assert first.created > 500 and second.created > 500
        changes = dict(
            session.execute(
                select(Change.kind, func.count())
                .where(
                    Change.import_run_id == session.scalar(select(func.max(Change.import_run_id)))
                )
                .group_by(Change.kind)
            ).all()
        )
        assert changes["designation_added"] > 500 and changes["designation_ended"] >= 1


# --- bad input ----------------------------------------------------------------------


def _gz(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data))
    return path


def _bad(tmp_path: Path, case: str) -> tuple[Path, int | None, str | None]:
    path = tmp_path / f"{case.replace(' ', '-')}"
    rows = json.loads(gzip.decompress(EL_2025.read_bytes()))
    if case == "empty":
        path.write_bytes(b"")
        return path, None, None
    if case == "header only":
        with gzip.open(CSL_2022, "rt", encoding="utf-8-sig") as fh:
            header = fh.readline()
        path.write_text(header, encoding="utf-8")
        return path, 1, None
    if case == "truncated gzip":
        path.write_bytes(CSL_2022.read_bytes()[:50_000])
        return path, None, None
    if case == "malformed json":
        text = json.dumps(rows, indent=2)
        path.write_text(text[: len(text) // 2], encoding="utf-8")
        return path, None, None
    if case == "wrong json":
        path.write_text(json.dumps({"results": []}), encoding="utf-8")
        return path, None, "entities"
    if case == "bad date in json":
        rows["entities"][5]["effectiveDate"] = "2019-02-30"
        path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
        return path, None, "effectiveDate"
    if case == "missing field in json":
        del rows["entities"][3]["addresses"]
        return _gz(path, json.dumps(rows).encode()), None, "addresses"
    if case == "another list's csv":
        text = (ROOT / "data" / "lists" / "us_dod_1260h.csv").read_text(encoding="utf-8")
        path.write_text(text, encoding="utf-8")
        return path, 1, "source"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "empty",
        "header only",
        "truncated gzip",
        "malformed json",
        "wrong json",
        "bad date in json",
        "missing field in json",
        "another list's csv",
    ],
)
def test_bad_files_are_refused_and_change_nothing(
    empty_registry: Registry, tmp_path: Path, case: str
) -> None:
    path, line, field = _bad(tmp_path, case)
    err = assert_refused_unchanged(empty_registry, "csl", path, line, field)
    if case == "bad date in json":
        # The row's own line in the file, and the value refused.
        text = path.read_text(encoding="utf-8").splitlines()
        assert err.line is not None and '"2019-02-30"' in "".join(text[err.line : err.line + 40])


# --- helpers ------------------------------------------------------------------------


def _party_key(name: str) -> str:
    name = re.split(r",?\s+a\.k\.a\.", name.casefold())[0]
    return _key(re.sub(r"\s*\([^()]*\)\s*$", "", name))


def _key(name: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())


def _entities_named(session: Any, name: str) -> list[Entity]:
    from registry.models import Alias

    by_name = session.scalars(select(Entity).where(Entity.name == name)).all()
    by_alias = session.scalars(select(Entity).join(Alias).where(Alias.name == name)).all()
    return list({e.id: e for e in [*by_name, *by_alias]}.values())


def _parents(session: Any, entity: Entity) -> list[str]:
    ties = session.scalars(
        select(Relationship).where(
            Relationship.subject_id == entity.id, Relationship.type == "subsidiary_of"
        )
    ).all()
    return sorted(t.object.name for t in ties)
