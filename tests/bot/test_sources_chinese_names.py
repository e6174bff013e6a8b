"""``mcf-bot sources`` reports, per list, how many of its organisations have a Chinese name
that a source writes, and the count agrees with the registry's names and their sources."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.cli import main
from registry.db import unit_of_work
from registry.models import Entity
from registry.native_coverage import chinese_names_by_list
from registry.service import Registry

# Floors, so that a data change that loses sourced names fails: the counts measured on the
# bundle when they were set (before this file's rows: 1260H 112, MEU 3, NS-CMIC 61,
# 1286 59, FCC 4, NDAA s.154 3).
FLOORS = {
    "us-1260h": 118,
    "us-meu": 8,
    "us-ns-cmic": 62,
    "us-dod-1286": 69,
    "us-fcc-covered": 5,
    "us-ndaa-154": 5,
}


@pytest.fixture
def db_env(bundled_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, int]]:
    assert main(["sources", "--json"]) == 0
    return {e["id"]: e for e in json.loads(capsys.readouterr().out)["lists"]}


def test_json_gives_each_list_its_chinese_name_count(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    lists = _json(capsys)
    for entry in lists.values():
        assert 0 <= entry["chinese_names"] <= entry["parties"]
    low = {
        k: lists[k]["chinese_names"]
        for k, floor in FLOORS.items()
        if lists[k]["chinese_names"] < floor
    }
    assert not low, f"below the floor: {low}"


def test_text_prints_the_same_count_under_each_list(
    db_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    lists = _json(capsys)
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    for list_id, entry in lists.items():
        section = out[out.index(f"({list_id})") :]
        found = re.search(r"Chinese names: ([\d,]+) of ([\d,]+) organisations", section)
        assert found, list_id
        assert int(found[1].replace(",", "")) == entry["chinese_names"]
        assert int(found[2].replace(",", "")) == entry["parties"]


def test_the_count_is_of_organisations_whose_native_name_cites_a_web_page(
    bundled_registry: Registry,
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        counted = chinese_names_by_list(session)
        expected: dict[str, int] = {}
        for e in session.scalars(
            select(Entity).options(selectinload(Entity.aliases), selectinload(Entity.designations))
        ):
            sourced = e.native_name is not None and any(
                a.name == e.native_name
                and a.lang == "zh"
                and a.source is not None
                and a.source.url.startswith("http")
                for a in e.aliases
            )
            for list_id in {d.list_id for d in e.designations} if sourced else ():
                expected[list_id] = expected.get(list_id, 0) + 1
    assert counted == expected
