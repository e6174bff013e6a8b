"""The trade.gov CSL importer on small extracts (test fixtures): both header variants,
only Entity List and MEU rows in China or Hong Kong, Federal Register citations as
sources, the entry's licence terms, all-or-nothing failure. The whole files are tested
in ``test_csl_editions``."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.db import unit_of_work
from registry.importers import run_import
from registry.importers.csl_read import parse
from registry.models import Designation, Entity
from registry.service import Registry
from tests.registry.importers.helpers import assert_refused_unchanged

ROOT = Path(__file__).resolve().parents[3]
CSL = ROOT / "tests" / "fixtures" / "csl"
CURRENT = CSL / "consolidated.csv"
OLDER = CSL / "consolidated_older_header.csv"


def test_both_header_variants_keep_chinese_entity_list_and_meu_rows() -> None:
    current = {(e.list_id, e.name, e.country) for e in parse(CURRENT)}
    assert current == {
        ("us-meu", "Academy of Aerospace Solid Propulsion Technology", "CN"),
        (
            "us-entity-list",
            "China Electronics Technology Group Corporation 13th Research Institute",
            "CN",
        ),
    }
    # The other lists of the CSL are read too (persons aside: "RIM, Ryong Nam" on the SDN
    # List is not loaded).
    assert {e.list_id for e in parse(OLDER)} == {"us-entity-list", "us-uvl", "us-capta"}
    older = {(e.name, e.country) for e in parse(OLDER) if e.list_id == "us-entity-list"}
    assert older == {
        ("32 Group China Ltd.", "HK"),
        ("54th Research Institute of China", "CN"),
        ("A.C. International", "CN"),
        ("ACTeam Logistics Ltd.", "HK"),
        # The address the list writes after the legal form is no part of the name...
        ("Gui’an New District Huawei Investment Co., Ltd.", "CN"),
    }
    # ...and the name as listed, address and all, still finds the party.
    (guian,) = [e for e in parse(OLDER) if e.name.startswith("Gui’an")]
    assert "Gui’an New District Huawei Investment Co., Ltd., Guiyang, Guizhou" in guian.aliases


def test_alternate_names_are_split_from_the_sentence() -> None:
    (cetc13,) = [e for e in parse(CURRENT) if e.list_id == "us-entity-list"]
    assert cetc13.aliases == (
        "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)",
        "CETC 13",
        "Hebei Semiconductor Research Institute",
        "HSRI",
        "Hebei Institute of Semiconductors",
        "Hebei Semiconductor Institute",
        "Hebei Semiconductor",
        "CETC Research Institute 13",
    )
    assert cetc13.citations == ("83 FR 37423", "87 FR 77505")


def test_import_writes_designations_with_their_federal_register_citations(
    empty_registry: Registry,
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        results = run_import(session, "csl", [OLDER, CURRENT])
        # Five Entity List parties, three UVL and one CAPTA; the CETC 13th Research
        # Institute's name states its parent: CETC is the third of the second file.
        assert [r.created for r in results] == [9, 3]
        assert results[1].relationships == 1
        meu = session.scalars(select(Designation).where(Designation.list_id == "us-meu")).one()
        assert meu.list_name == "US Commerce Military End-User List"
        assert (meu.start, meu.end) == (dt.date(2020, 12, 23), None)
        assert meu.reason is None  # a citation is a source, not a reason
        assert meu.source.url == "https://www.federalregister.gov/citation/85-FR-83799"
        assert meu.licence_requirement is not None and "supplement no. 2" in (
            meu.licence_requirement
        )
        assert meu.licence_policy is not None
        # An extract is no edition: it closes nothing, and cites the list, not a date.
        assert {c.url for c in meu.citations} == {
            "https://www.trade.gov/consolidated-screening-list"
        }
        assert meu.entity.kind == "research_institute"
        assert ("AASPT", True) in {(a.name, a.weak) for a in meu.entity.aliases}
    with unit_of_work(empty_registry.sessions) as session:
        again = run_import(session, "csl", [OLDER, CURRENT])
        assert [r.changes for r in again] == [0, 0]
        assert session.scalar(select(func.count()).select_from(Entity)) == 12


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _bad_file(tmp_path: Path, case: str) -> tuple[Path, int | None, str | None]:
    with CURRENT.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    el = next(i for i, r in enumerate(rows) if r["source"].startswith("Entity List"))
    path = tmp_path / f"{case.replace(' ', '_')}.csv"
    if case == "bad date":
        rows[el]["start_date"] = "2018-02-30"
        return _write(path, header, rows), el + 2, "start_date"
    if case == "missing column":
        header.remove("alt_names")
        return _write(path, header, [{k: r[k] for k in header} for r in rows]), 1, "alt_names"
    if case == "truncated":
        text = CURRENT.read_text(encoding="utf-8")
        path.write_text(text[: text.index("Hebei Semiconductor Research")], encoding="utf-8")
        return path, None, None
    if case == "not CSV":
        path.write_bytes((ROOT / "data" / "lists" / "ofac" / "cons_alt.csv").read_bytes())
        return path, 1, "source"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["bad date", "missing column", "truncated", "not CSV"])
def test_a_malformed_file_changes_nothing(
    empty_registry: Registry, tmp_path: Path, case: str
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "csl", [OLDER])
    path, line, field = _bad_file(tmp_path, case)
    assert_refused_unchanged(empty_registry, "csl", path, line, field)
