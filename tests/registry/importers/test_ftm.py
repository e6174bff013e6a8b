"""The FollowTheMoney importer: OpenSanctions exports and deltas, joins only on strong
evidence, a source on every claim, deletions that keep history, all-or-nothing failure."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.db import unit_of_work
from registry.errors import BadImportError
from registry.importers import run_import
from registry.models import Alias, Change, Designation, Entity, Identifier, Relationship
from registry.service import Registry
from tests.extras import require
from tests.registry.importers.helpers import table_counts

require("followthemoney", "ftm")

FTM = Path(__file__).resolve().parents[2] / "fixtures" / "ftm"
CURATED = Path(__file__).resolve().parents[3] / "data" / "curated" / "diplomat-2021.yaml"
CST = "ftm-NK-abdzbEBkqyT29GyREbiURZ"  # LLC CST (Zala Aero), on many sanctions lists
KALASHNIKOV = "ftm-NK-nR5AXM9AVPq4pQaSPSaVam"


def write_lines(path: Path, rows: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
        encoding="utf-8",
    )
    return path


def company(id_: str, name: str, **props: list[str]) -> dict[str, Any]:
    return {
        "id": id_,
        "schema": "Company",
        "caption": name,
        "properties": {"name": [name], **props},
        "datasets": ["test_ds"],
    }


def sanction(id_: str, target: str, **props: list[str]) -> dict[str, Any]:
    base = {"entity": [target], "programId": ["US-BIS-EL"], "authority": ["BIS"]}
    return {"id": id_, "schema": "Sanction", "properties": base | props, "datasets": ["test_ds"]}


def load(registry: Registry, *paths: Path) -> list[Any]:
    with unit_of_work(registry.sessions) as session:
        return run_import(session, "ftm", list(paths))


def by_key(session: Session, key: str) -> Entity:
    entity = session.scalars(select(Entity).where(Entity.key == key)).one()
    return entity


def test_export_loads_companies_ownership_and_sanctions(empty_registry: Registry) -> None:
    (result,) = load(empty_registry, FTM / "zala_entities.ftm.json")
    assert result.created == 11  # the Companies; Persons and Addresses are skipped
    with unit_of_work(empty_registry.sessions) as session:
        cst = by_key(session, CST)
        assert cst.name == "LLC CST"
        assert cst.kind == "company" and cst.country == "RU"
        lists = {d.list_id: d for d in cst.designations}
        bis = lists["ftm:us-bis-el"]
        assert bis.start == dt.date(2023, 11, 2) and bis.end is None
        assert bis.list_name == "Entity List (EL) - Bureau of Industry and Security"
        assert bis.source.url.startswith("https://www.bis.gov/")
        # A Sanction ending years from now is a scheduled expiry: still listed today.
        assert lists["ftm:ua-sa1644"].end is None
        parents = session.scalars(
            select(Entity.key)
            .join(Relationship, Relationship.object_id == Entity.id)
            .where(Relationship.subject_id == cst.id, Relationship.type == "subsidiary_of")
        ).all()
        assert KALASHNIKOV in parents
        ties = session.scalars(select(Relationship)).all()
        assert ties and all(t.sources for t in ties)


def test_loading_the_same_file_again_changes_nothing(empty_registry: Registry) -> None:
    load(empty_registry, FTM / "zala_entities.ftm.json", FTM / "t1_entities.ftm.json")
    with unit_of_work(empty_registry.sessions) as session:
        before = table_counts(session)
    again = load(empty_registry, FTM / "zala_entities.ftm.json", FTM / "t1_entities.ftm.json")
    assert [r.changes for r in again] == [0, 0]
    with unit_of_work(empty_registry.sessions) as session:
        after = table_counts(session)
    assert after == before | {"import_runs": before["import_runs"] + 2}


def test_delta_adds_modifies_and_deletes_keeping_history(
    empty_registry: Registry, tmp_path: Path
) -> None:
    load(empty_registry, FTM / "zala_entities.ftm.json", FTM / "t2_entities.delta.json")
    delta = write_lines(
        tmp_path / "20240527134702-zbn" / "entities.delta.json",
        [
            {"op": "MOD", "entity": company(CST[4:], "LLC CST", alias=["CST Unmanned Test"])},
            {"op": "DEL", "entity": {"id": KALASHNIKOV[4:]}},
            {"op": "DEL", "entity": {"id": CST[4:]}},
            {"op": "DEL", "entity": {"id": "never-seen"}},
        ],
    )
    (result,) = load(empty_registry, delta)
    assert result.edition == "20240527134702-zbn"
    with unit_of_work(empty_registry.sessions) as session:
        cst = by_key(session, CST)
        assert "CST Unmanned Test" in {a.name for a in cst.aliases}
        ended = [d for d in cst.designations if d.end is not None]
        # Ended on the delta's date, unless the listing started after it.
        assert ended and all(d.end == dt.date(2024, 5, 27) for d in ended)
        assert all(d.start > dt.date(2024, 5, 27) for d in cst.designations if d.end is None)
        assert by_key(session, KALASHNIKOV).name  # deleted, yet still in the registry
        kinds = session.scalars(
            select(Change.kind).where(Change.source_file == "entities.delta.json")
        ).all()
    assert set(kinds) == {"name_added", "designation_ended"}
    assert kinds.count("designation_ended") == len(ended)


def test_a_record_joins_a_curated_entity_by_its_name_and_is_remembered(
    empty_registry: Registry, tmp_path: Path
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [CURATED])
    path = write_lines(
        tmp_path / "hik.ftm.json",
        [
            company("os-hik", "Hangzhou Hikvision Digital Technology Co., Ltd.", alias=["HIK"]),
            sanction("os-hik-s", "os-hik", startDate=["2021-06-03"]),
        ],
    )
    (result,) = load(empty_registry, path)
    assert result.created == 0 and len(result.merged) == 1
    (again,) = load(empty_registry, path)
    assert again.changes == 0 and not again.merged  # found by its ftm identifier now
    with unit_of_work(empty_registry.sessions) as session:
        hik = by_key(session, "hikvision")
        assert ("ftm", "os-hik") in {(i.scheme, i.value) for i in hik.identifiers}
        (listing,) = hik.designations
        assert listing.list_id == "ftm:us-bis-el"
        assert listing.source.title == "OpenSanctions dataset test_ds"
        assert session.scalar(select(func.count()).select_from(Entity)) == 11


def test_one_id_twice_in_one_delta_is_one_entity(empty_registry: Registry, tmp_path: Path) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [CURATED])
    hik = company("os-hik", "Hikvision", alias=["HIKVISION DIGITAL"])
    path = write_lines(
        tmp_path / "entities.delta.json",
        [
            {"op": "ADD", "entity": hik},
            {
                "op": "MOD",
                "entity": hik | {"properties": {"name": ["Hikvision"], "alias": ["HKV"]}},
            },
            {"op": "ADD", "entity": company("new", "Newco")},
            {"op": "MOD", "entity": company("new", "Newco", alias=["Newco Holdings"])},
        ],
    )
    (result,) = load(empty_registry, path)
    assert result.created == 1 and len(result.merged) == 1
    with unit_of_work(empty_registry.sessions) as session:
        names = {a.name for a in by_key(session, "hikvision").aliases}
        assert {"HIKVISION DIGITAL", "HKV"} <= names
        assert {a.name for a in by_key(session, "ftm-new").aliases} == {"Newco Holdings"}


def test_two_records_with_one_name_stay_two_entities(
    empty_registry: Registry, tmp_path: Path
) -> None:
    # Distinct ids are distinct entities in the publisher's own deduplication.
    path = write_lines(
        tmp_path / "same.ftm.json",
        [company("a", "Stroy LLC"), company("b", "Stroy LLC")],
    )
    (result,) = load(empty_registry, path)
    assert result.created == 2 and not result.merged


def test_claims_without_any_source_are_skipped(empty_registry: Registry, tmp_path: Path) -> None:
    bare = sanction("s1", "c1") | {"datasets": []}
    path = write_lines(tmp_path / "bare.ftm.json", [company("c1", "Acme Corp"), bare])
    load(empty_registry, path)
    with unit_of_work(empty_registry.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Designation)) == 0


def test_weak_aliases_and_codes(empty_registry: Registry, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "codes.ftm.json",
        [company("c1", "Acme Corp", weakAlias=["AC"], uscCode=["91330000733796106P"])],
    )
    load(empty_registry, path)
    with unit_of_work(empty_registry.sessions) as session:
        assert session.execute(select(Alias.name, Alias.weak)).all() == [("AC", True)]
        assert session.scalars(select(Identifier.scheme)).all() == ["uscc"]


@pytest.mark.parametrize(
    ("lines", "line", "field", "message"),
    [
        (['{"id": "a", "schema": "Company", "properties": {}}', "{not json"], 2, None, "JSON"),
        ([json.dumps(company("a", "Acme"))[:-9]], 1, None, "JSON"),  # truncated file
        ([company("a", "Acme") | {"schema": "Spaceship"}], 1, "schema", "unknown schema"),
        ([sanction("s", "a", startDate=["2023-13-45"])], 1, "properties.startDate", "date"),
        ([company("a", "Acme") | {"properties": {"name": "Acme"}}], 1, "properties", "lists"),
        ([{"op": "UPSERT", "entity": company("a", "Acme")}], 1, "op", "unknown op"),
        ([company("a", "Acme") | {"properties": {"name": [1]}}], 1, "properties", "strings"),
        ([company("a", "Acme") | {"datasets": "os_ds"}], 1, "datasets", "list of names"),
        ([sanction("s", "a", endDate=["2024-13"])], 1, "properties.endDate", "date"),
        (['{"values": [', "]}"], 1, None, "JSON"),  # a pretty-printed JSON document
        ([[company("a", "Acme")]], 1, None, "one JSON object"),
    ],
)
def test_bad_input_names_file_line_and_field_and_writes_nothing(
    empty_registry: Registry,
    tmp_path: Path,
    lines: list[Any],
    line: int,
    field: str | None,
    message: str,
) -> None:
    good = write_lines(tmp_path / "good.ftm.json", [company("ok", "Fine Co")])
    bad = write_lines(tmp_path / "bad.ftm.json", [company("z", "Zeta Co"), *lines])
    with unit_of_work(empty_registry.sessions) as session:
        before = table_counts(session)
    with pytest.raises(BadImportError) as caught:
        load(empty_registry, good, bad)
    error = caught.value
    assert error.file == str(bad) and error.line == line + 1 and error.field == field
    assert message in str(error)
    with unit_of_work(empty_registry.sessions) as session:
        assert table_counts(session) == before


def test_progress_is_reported_to_the_caller_byte_by_byte(empty_registry: Registry) -> None:
    path = FTM / "zala_entities.ftm.json"
    seen: list[tuple[str, int, int]] = []

    @contextmanager
    def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
        done = [0]
        yield lambda n: done.__setitem__(0, done[0] + n)
        seen.append((label, total, done[0]))

    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "ftm", [path], progress)
    size = path.stat().st_size
    assert seen == [(f"Importing {path.name}", size, size)]
