"""The DoD 1260H importer: periods per organisation, edition replay against the change
log, idempotent re-import, and all-or-nothing failure on malformed files.

The expected differences between editions are computed here from the CSV alone, with a
deliberately plain reading of it (its own name folding, no registry code), so that the
importer and the change log are checked against the data, not against themselves.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import store
from registry.db import unit_of_work
from registry.importers import run_import
from registry.importers.us_1260h import group, parse, periods
from registry.models import Change, Designation, Entity, Merge, Relationship
from registry.service import Registry
from tests.registry.importers.helpers import assert_refused_unchanged

LISTS = Path(__file__).resolve().parents[3] / "data" / "lists"
CSV_1260H = LISTS / "us_dod_1260h.csv"
CURATED = LISTS.parent / "curated" / "diplomat-2021.yaml"
DECISIONS = LISTS.parent / "resolution" / "decisions.yaml"
EDITIONS = ["2021-06-03", "2022-10-05", "2024-01-31", "2025-01-07", "2026-06-08"]


def read_rows(path: Path = CSV_1260H) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: Iterable[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def edition_file(tmp_path: Path, edition: str) -> Path:
    """The file as it would have read on ``edition``: later rows and later ends unknown."""
    header, rows = read_rows()
    kept = [
        {**r, "End date": "" if r["End date"] > edition else r["End date"]}
        for r in rows
        if r["Start date"] <= edition
    ]
    return write_rows(tmp_path / f"us_dod_1260h_{edition}.csv", header, kept)


# --- an independent reading of the CSV -----------------------------------------------


# "Co.", "Co., Ltd." and "Company Limited" are spellings of one legal form.
COMPANY_FORM = {"co", "company", "ltd", "limited"}


def fold(name: str) -> str:
    """Letters and digits only; a trailing bracketed acronym dropped (not "(Limited)"),
    and a trailing company form ("Co., Ltd.")."""
    name = re.sub(r"\s*\((?!limited\))[^()]*\)\s*$", "", name.strip(), flags=re.I)
    words = re.findall(r"[a-z0-9]+", name.replace("’", "").replace("'", "").lower())
    while len(words) > 2 and words[-1] in COMPANY_FORM:  # "CNOOC Limited" is no acronym
        words.pop()
    return "".join(words)


def reviewed_merges() -> list[tuple[str, str]]:
    """Pairs an operator decided are one organisation (data/resolution/decisions.yaml)."""
    doc = yaml.safe_load(DECISIONS.read_text(encoding="utf-8"))
    return [
        (fold(d["names"][0]), fold(d["names"][1]))
        for d in doc["decisions"]
        if d["decision"] == "merge"
    ]


class Orgs:
    """Organisations of the CSV. A row whose previous name or alias is another row's
    clean name is the same organisation ("formerly ...", "also known as ..."), and so
    are two names a reviewed decision merges."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.parent: dict[str, str] = {}
        self.names: dict[str, set[str]] = {}
        clean = {fold(r["Clean Name"]) for r in rows}
        for row in rows:
            for other in [*self.previous(row), fold(row["Alias"])]:
                if other in clean:
                    self.parent[self.root(other)] = self.root(fold(row["Clean Name"]))
        for first, second in reviewed_merges():
            if first in clean and second in clean and self.root(first) != self.root(second):
                self.parent[self.root(second)] = self.root(first)
        for row in rows:
            full = [fold(row["Clean Name"]), *self.previous(row)]
            self.names.setdefault(self.of_row(row), set()).update(full)
            if row["Parent Name"]:
                parent = fold(row["Parent Name"])
                self.names.setdefault(self.root(parent), set()).add(parent)

    @staticmethod
    def previous(row: dict[str, str]) -> list[str]:
        return [fold(p) for p in row["Previous Name"].split(";") if p.strip()]

    def root(self, name: str) -> str:
        while self.parent.setdefault(name, name) != name:
            name = self.parent[name]
        return name

    def of_row(self, row: dict[str, str]) -> str:
        return self.root(fold(row["Clean Name"]))

    def of_entity(self, entity: Entity) -> str:
        names = {fold(entity.name)} | {fold(a.name) for a in entity.aliases}
        hits = [org for org, full in self.names.items() if full & names]
        assert len(hits) == 1, (entity.name, hits)
        return hits[0]


Period = tuple[str, str, str | None]  # (organisation, start, end)


def expected_state(orgs: Orgs, rows: list[dict[str, str]]) -> tuple[set[Period], set[str]]:
    """Listing periods and known organisations (listed or named as a parent)."""
    by_org: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_org.setdefault(orgs.of_row(row), []).append(row)
    state: set[Period] = set()
    for org, org_rows in by_org.items():
        start = None
        for row in sorted(org_rows, key=lambda r: r["Start date"]):
            start = start or row["Start date"]
            if row["End date"]:
                state.add((org, start, row["End date"]))
                start = None
        if start:
            state.add((org, start, None))
    known = set(by_org) | {orgs.root(fold(r["Parent Name"])) for r in rows if r["Parent Name"]}
    return state, known


def expected_changes(
    before: tuple[set[Period], set[str]],
    after: tuple[set[Period], set[str]],
    orgs: Orgs,
) -> set[tuple[str, str, str | None, str | None]]:
    """What a reader of both editions sees change. ``before`` is translated to the newer
    edition's organisations: it may reveal that two entries are one ("formerly ...")."""
    old_periods = {(orgs.root(org), start, end) for org, start, end in before[0]}
    old_known = {orgs.root(org) for org in before[1]}
    new_periods, new_known = after
    old_open = {(org, start) for org, start, end in old_periods if end is None}
    old_starts = {(org, start) for org, start, _ in old_periods}
    changes: set[tuple[str, str, str | None, str | None]] = set()
    for org, start, end in new_periods:
        if (org, start) not in old_starts:
            changes.add(("designation_added", org, start, end))
        elif end is not None and (org, start) in old_open:
            changes.add(("designation_ended", org, start, end))
    changes |= {("entity_added", org, None, None) for org in new_known - old_known}
    return changes


def logged_changes(
    session: Session, orgs: Orgs, file_name: str
) -> list[tuple[str, str, str | None, str | None]]:
    rows = session.scalars(
        select(Change).where(
            Change.source_file == file_name,
            Change.kind.in_(["designation_added", "designation_ended", "entity_added"]),
        )
    ).all()
    out = []
    for change in rows:
        entity = session.get(Entity, change.entity_id)
        assert entity is not None
        org = orgs.of_entity(entity)
        if change.kind == "entity_added":
            out.append((change.kind, org, None, None))
        else:
            assert change.detail["list_id"] == "us-1260h"
            out.append((change.kind, org, change.detail["start"], change.detail["end"]))
    return out


# --- the required replay -------------------------------------------------------------


def test_replaying_the_editions_logs_exactly_their_differences(
    empty_registry: Registry, tmp_path: Path
) -> None:
    before: tuple[set[Period], set[str]] = (set(), set())
    seen_kinds: set[str] = set()
    for edition in EDITIONS:
        path = edition_file(tmp_path, edition)
        _, rows = read_rows(path)
        orgs = Orgs(rows)  # only what this edition says
        after = expected_state(orgs, rows)
        with unit_of_work(empty_registry.sessions) as session:
            (result,) = run_import(session, "us-1260h", [path])
            assert result.edition == edition
        with unit_of_work(empty_registry.sessions) as session:
            logged = logged_changes(session, orgs, path.name)
        expected = expected_changes(before, after, orgs)
        assert len(logged) == len(set(logged)), f"{edition}: a change was logged twice"
        assert set(logged) == expected, edition
        seen_kinds |= {kind for kind, *_ in logged}
        before = after
    # The data exercise every kind: listings, delistings (2025, 2026) and relistings.
    assert seen_kinds == {"entity_added", "designation_added", "designation_ended"}

    # The full file is the last edition: loading it again changes nothing.
    with unit_of_work(empty_registry.sessions) as session:
        count = session.scalar(select(func.count()).select_from(Change))
        (again,) = run_import(session, "us-1260h", [CSV_1260H])
        assert again.changes == 0
        assert again.created == 0 and again.merged == []
        assert session.scalar(select(func.count()).select_from(Change)) == count

    # 2026 says 2025's "Xi'an Aircraft Industry Group Co., Ltd." is AVIC Xi'an's former
    # name; that entity already exists, so it is reported, not merged behind anyone's back.
    with unit_of_work(empty_registry.sessions) as session:
        stored = _stored_periods(session, orgs)
    extra = {period for period, _ in stored} - before[0]
    assert {period for period, _ in stored} >= before[0]
    for period, name in stored:
        if period in extra:
            assert any(repr(name) in note for note in result.near_misses), name


def _stored_periods(session: Session, orgs: Orgs) -> set[tuple[Period, str]]:
    return {
        (
            (orgs.of_entity(d.entity), d.start.isoformat(), d.end and d.end.isoformat()),
            d.entity.name,
        )
        for d in session.scalars(select(Designation))
        if d.start is not None
    }


def test_the_full_file_reads_as_the_plain_reading_says(empty_registry: Registry) -> None:
    _, rows = read_rows()
    orgs = Orgs(rows)
    with unit_of_work(empty_registry.sessions) as session:
        (result,) = run_import(session, "us-1260h", [CSV_1260H])
        stored = {period for period, _ in _stored_periods(session, orgs)}
        entities = session.scalar(select(func.count()).select_from(Entity))
        merges = session.scalar(select(func.count()).select_from(Merge))
    periods_, known = expected_state(orgs, rows)
    assert stored == periods_
    # Resolution merged what the plain reading calls one organisation.
    assert entities == result.created - merges == len(known)


# --- periods and names ---------------------------------------------------------------


def _periods_of(name: str) -> list[tuple[dt.date, dt.date | None]]:
    (rows,) = [g for g in group(parse(CSV_1260H)) if any(r.name == name for r in g)]
    return [(p.start, p.end) for p in periods(rows)]


def test_periods_follow_listing_removal_and_relisting() -> None:
    assert _periods_of("Yangtze Memory Technologies Co., Ltd.") == [
        (dt.date(2024, 1, 31), dt.date(2026, 2, 17)),
        (dt.date(2026, 6, 8), None),
    ]
    assert _periods_of("Beijing Megvii Technology Co., Ltd.") == [
        (dt.date(2024, 1, 31), dt.date(2025, 1, 7))
    ]
    assert _periods_of("Hangzhou Hikvision Digital Technology Co., Ltd.") == [
        (dt.date(2021, 6, 3), None)
    ]


def test_renamed_organisations_keep_one_history() -> None:
    # "AVIC Chengdu Aircraft Co., Ltd. (formerly ZEMIC)": listed since 2021 as ZEMIC.
    assert _periods_of("AVIC Chengdu Aircraft Co., Ltd.") == [(dt.date(2021, 6, 3), None)]


def test_aliases_come_from_the_alias_column_and_from_brackets() -> None:
    rows = parse(CSV_1260H)
    knownsec = next(r for r in rows if r.name.startswith("Beijing Zhidao") and r.line == 14)
    assert knownsec.aliases == ("Knownsec", "Beijing Kownsec")
    sugon = next(r for r in rows if r.name.startswith("Dawning") and "Sugon" in r.aliases)
    assert sugon.name == "Dawning Information Industry Co., Ltd."


def test_full_import_merges_into_curated_entities_and_links_parents(
    empty_registry: Registry,
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [CURATED])
        (result,) = run_import(session, "us-1260h", [CSV_1260H])
    assert any(m.startswith("'Baidu, Inc.' -> 'Baidu, Inc.'") for m in result.merged)
    with unit_of_work(empty_registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        (listing,) = baidu.designations
        assert listing.start == dt.date(2026, 6, 8)
        assert listing.reason and listing.reason.startswith("Baidu is indirectly affiliated")
        assert listing.source.publisher == "US Department of Defense"
        assert listing.source.published == "2026-06-08"
        cetc = store.entity_by_key(session, "cetc")
        assert cetc is not None
        children = session.scalars(
            select(Entity.name)
            .join(Relationship, Relationship.subject_id == Entity.id)
            .where(Relationship.object_id == cetc.id, Relationship.type == "subsidiary_of")
        ).all()
        # A subsidiary listed under its old name ("Phoenix Optics"), a curated sibling.
        assert {"14th Research Institute of CETC", "Phenix Optical Company Limited"} <= set(
            children
        )
        assert (
            "The 28th Research Institute of China Electronics Technology Group Corporation"
            in children
        )


def test_rows_without_a_url_cite_the_opensanctions_dataset(empty_registry: Registry) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "us-1260h", [CSV_1260H])
        megvii = session.scalars(
            select(Entity).where(Entity.name == "Beijing Megvii Technology Co., Ltd.")
        ).one()
        source = megvii.designations[0].source
        assert source.publisher == "OpenSanctions"
        assert source.url == "https://www.opensanctions.org/datasets/us_dod_chinese_milcorps/"


# --- malformed files -----------------------------------------------------------------


def _malformed(tmp_path: Path, kind: str) -> tuple[Path, int | None, str | None]:
    text = CSV_1260H.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    path = tmp_path / f"bad_{kind}.csv"
    if kind == "missing column":
        header, rows = read_rows()
        header.remove("Start date")
        write_rows(path, header, ({k: r[k] for k in header} for r in rows))
        return path, 1, "Start date"
    if kind == "bad date":
        lines[300] = lines[300].replace("2026-06-08", "2026-13-08", 1)
        path.write_text("".join(lines), encoding="utf-8")
        return path, 301, "Start date"
    if kind == "bad encoding":
        data = "".join(lines[:200]).encode() + b"\xff\xfe" + "".join(lines[200:]).encode()
        path.write_bytes(data)
        return path, 201, None
    if kind == "truncated row":
        path.write_text("".join(lines[:-1]) + lines[-1][:40], encoding="utf-8")
        return path, len(lines), None
    if kind == "truncated quote":
        cut = text.index("Baidu is indirectly affiliated")
        path.write_text(text[:cut], encoding="utf-8")
        return path, None, None
    if kind == "wrong format":
        path.write_bytes((LISTS / "ofac" / "cons_prim.csv").read_bytes())
        return path, 1, "Name"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "missing column",
        "bad date",
        "bad encoding",
        "truncated row",
        "truncated quote",
        "wrong format",
    ],
)
def test_a_malformed_file_changes_nothing(
    empty_registry: Registry, tmp_path: Path, kind: str
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [CURATED])
        run_import(session, "us-1260h", [edition_file(tmp_path, "2024-01-31")])
    path, line, field = _malformed(tmp_path, kind)
    assert_refused_unchanged(empty_registry, "us-1260h", path, line, field)


# --- provenance of each period ------------------------------------------------------


def test_each_period_cites_the_editions_that_state_its_start_reason_and_end(
    empty_registry: Registry,
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "us-1260h", [CSV_1260H])
        by_name = {e.name: e for e in session.scalars(select(Entity))}
        (hik,) = by_name["Hangzhou Hikvision Digital Technology Co., Ltd."].designations
        # Listed in 2021: the start is the 2021 edition's, the reason the 2026 one's.
        assert hik.start == dt.date(2021, 6, 3) and hik.source.published == "2021-06-03"
        assert hik.reason and hik.reason_source is not None
        assert hik.reason_source.published == "2026-06-08"
        assert "2026" in hik.reason_source.url
        for name in (
            "Fujian Torch Electron Technology Co., Ltd.",
            "China International Engineering Consulting Corporation",
        ):
            (torch,) = by_name[name].designations
            # DoD's note on the removal row is why it was removed, not why it was listed.
            assert torch.reason is None
            assert torch.end_reason == "No apparent U.S. nexus"
            assert torch.end_source is not None and torch.end_source.published == "2024-01-31"
        (megvii,) = by_name["Beijing Megvii Technology Co., Ltd."].designations
        assert megvii.end_source is not None and "2025/Jan/07" in megvii.end_source.url
