"""The FollowTheMoney export: every line parses with followthemoney's own model, every
reference resolves, sanctions carry their sources, and the file loads back."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model
from sqlalchemy import func, select

from bot.cli import main
from registry import export_ftm
from registry.db import unit_of_work
from registry.importers import run_import
from registry.models import Designation, Entity, Relationship
from registry.service import Registry

REFS = ("entity", "owner", "asset", "subject", "object")


def exported(registry: Registry) -> list[dict[str, Any]]:
    out = io.StringIO()
    with unit_of_work(registry.sessions) as session:
        count = export_ftm.write(session, out)
    lines = out.getvalue().splitlines()
    assert len(lines) == count
    return [json.loads(line) for line in lines]


def test_every_line_is_a_valid_entity_and_every_reference_resolves(
    bundled_registry: Registry,
) -> None:
    rows = exported(bundled_registry)
    proxies = [model.get_proxy(row, cleaned=False) for row in rows]
    schemata = Counter(p.schema.name for p in proxies)
    with unit_of_work(bundled_registry.sessions) as session:
        entities = session.scalar(select(func.count()).select_from(Entity))
        ties = session.scalar(select(func.count()).select_from(Relationship))
        listings = session.scalar(
            select(func.count())
            .select_from(Designation)
            .where(Designation.list_id.not_in(export_ftm.NOT_SANCTIONS))
        )
    things = schemata["Company"] + schemata["Organization"] + schemata["PublicBody"]
    assert things == entities
    assert schemata["Ownership"] + schemata["UnknownLink"] == ties
    assert schemata["Sanction"] == listings
    assert len({p.id for p in proxies}) == len(proxies)  # ids are unique
    ids = {p.id for p in proxies if p.schema.is_a("LegalEntity")}
    for proxy in proxies:
        for prop in REFS:
            assert set(proxy.get(prop, quiet=True)) <= ids, (proxy.id, prop)
        assert proxy.schema.name != "Ownership" or proxy.get("asset")
    assert all(row["datasets"] == [export_ftm.DATASET] for row in rows)


def test_hikvision_is_exported_with_its_sanctions(bundled_registry: Registry) -> None:
    rows = exported(bundled_registry)
    with unit_of_work(bundled_registry.sessions) as session:
        hik = session.scalars(select(Entity).where(Entity.key == "hikvision")).one()
        listed = {(d.list_id, d.source.url) for d in hik.designations}
    assert listed, "the bundle lists Hikvision (1260H, NS-CMIC)"
    entity = next(r for r in rows if r["id"] == "mcf-hikvision")
    assert entity["schema"] == "Company" and entity["target"] is True
    assert "sanction" in entity["properties"]["topics"]
    sanctions = {
        (r["properties"]["programId"][0], r["properties"]["sourceUrl"][0])
        for r in rows
        if r["schema"] == "Sanction" and r["properties"]["entity"] == ["mcf-hikvision"]
    }
    assert sanctions == {x for x in listed if x[0] not in export_ftm.NOT_SANCTIONS}


def test_a_research_database_listing_is_a_note_not_a_sanction(
    bundled_registry: Registry,
) -> None:
    rows = exported(bundled_registry)
    # On ASPI's tracker (and rated) but on no government list.
    anhui = next(r for r in rows if r["caption"] == "Anhui University")
    assert anhui["target"] is False
    assert any("ASPI China Defence Universities Tracker" in n for n in anhui["properties"]["notes"])
    assert any("ASPI risk rating: low" in n for n in anhui["properties"]["notes"])
    assert (
        "https://unitracker.aspi.org.au/universities/anhui-university"
        in (anhui["properties"]["sourceUrl"])
    )
    assert not [
        r for r in rows if r["schema"] == "Sanction" and "aspi" in r["properties"]["programId"][0]
    ]


def test_the_export_loads_back_through_the_ftm_importer(
    bundled_registry: Registry, empty_registry: Registry, tmp_path: Path
) -> None:
    path = tmp_path / "registry.ftm.json"
    with unit_of_work(bundled_registry.sessions) as session:
        export_ftm.write_file(session, path)
        entities = session.scalar(select(func.count()).select_from(Entity))
    with unit_of_work(empty_registry.sessions) as session:
        (result,) = run_import(session, "ftm", [path])
    assert result.created == entities
    with unit_of_work(empty_registry.sessions) as session:
        hik = session.scalars(select(Entity).where(Entity.key == "ftm-mcf-hikvision")).one()
        assert hik.native_name == "杭州海康威视数字技术股份有限公司"
        assert all(d.list_id.startswith("ftm:") for d in hik.designations)


def test_cli_writes_the_file_whole(
    bundled_registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))
    out = tmp_path / "export" / "out.ftm.json"
    out.parent.mkdir()
    assert main(["export", "ftm", "-o", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines and all(model.get_proxy(json.loads(line)) for line in lines)
    assert [p.name for p in out.parent.iterdir()] == ["out.ftm.json"]  # no temporary left
