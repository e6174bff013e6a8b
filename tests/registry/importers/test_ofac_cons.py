"""The OFAC non-SDN importer: NS-CMIC parties only, alternate names from the file beside
the primary one (or given on their own), USCC codes, and all-or-nothing failure."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import store
from registry.db import unit_of_work
from registry.errors import BadImportError
from registry.importers import run_import
from registry.models import Alias, Change, Designation, Entity, Identifier
from registry.service import Registry
from tests.registry.importers.helpers import table_counts

OFAC = Path(__file__).resolve().parents[3] / "data" / "lists" / "ofac"
CURATED = OFAC.parents[1] / "curated" / "diplomat-2021.yaml"
CMIC_PARTIES = 68


def copy_files(tmp_path: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        shutil.copy(OFAC / name, tmp_path / name)
        paths.append(tmp_path / name)
    return paths


def snapshot(session: Session) -> set[tuple[str, ...]]:
    """What the registry says, independent of row ids and import order."""
    rows = session.execute(
        select(Entity.name, Alias.name).join(Alias, Alias.entity_id == Entity.id)
    ).all()
    codes = session.execute(
        select(Entity.name, Identifier.scheme, Identifier.value).join(Identifier)
    ).all()
    listings = session.execute(
        select(Entity.name, Designation.list_id, Designation.start).join(Designation)
    ).all()
    return (
        {("alias", e, a) for e, a in rows}
        | {("code", e, s, v) for e, s, v in codes}
        | {("listing", e, lst, str(start)) for e, lst, start in listings}
    )


def test_primary_file_loads_ns_cmic_parties_with_names_beside_it(
    empty_registry: Registry,
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        (result,) = run_import(session, "ofac-cons", [OFAC / "cons_prim.csv"])
    assert result.files[-1].endswith("cons_alt.csv")
    assert result.created == CMIC_PARTIES and result.designations == CMIC_PARTIES
    # The legacy files do not say which edition they are: the newest listing dates them.
    assert result.edition == "2021-12-16"
    with unit_of_work(empty_registry.sessions) as session:
        telecom = store.entity_by_identifier(session, "uscc", "9111000071093019X7")
        assert telecom is not None and telecom.name == "CHINA TELECOM CORPORATION LIMITED"
        assert {"CHINA TELECOM CORP LTD", "CHINA TELECOM CO., LTD"} <= {
            a.name for a in telecom.aliases
        }
        (listing,) = telecom.designations
        assert (listing.list_id, listing.start, listing.end) == (
            "us-ns-cmic",
            dt.date(2021, 6, 3),
            None,
        )
        assert listing.source.publisher == "US Department of the Treasury, OFAC"
        avic = store.entity_by_identifier(session, "ofac", "30925")
        assert avic is not None
        assert ("AVIC", True) in {(a.name, a.weak) for a in avic.aliases}
        sensetime = session.scalars(
            select(Entity).where(Entity.name == "SENSETIME GROUP LIMITED")
        ).one()
        assert sensetime.designations[0].start == dt.date(2021, 12, 10)
        # Other programs (Russia, Palestinian Legislative Council) are not ours.
        assert session.scalar(select(func.count()).select_from(Designation)) == CMIC_PARTIES


def test_either_file_order_gives_the_same_registry(
    empty_registry: Registry, tmp_path: Path
) -> None:
    prim, alt = copy_files(tmp_path, "cons_prim.csv", "cons_alt.csv")
    with unit_of_work(empty_registry.sessions) as session:
        first = run_import(session, "ofac-cons", [prim, alt])
        assert first[1].changes == 0  # its names came with the primary file
        forward = snapshot(session)

    other = Registry.connect(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    other.init(empty=True)
    try:
        alone = tmp_path / "alone"
        alone.mkdir()
        prim_only = copy_files(alone, "cons_prim.csv")[0]
        # One transaction per command, as from the command line.
        with unit_of_work(other.sessions) as session:
            # Names first: no party known yet, so nothing to name.
            (early,) = run_import(session, "ofac-cons", [alt])
            assert early.changes == 0
        with unit_of_work(other.sessions) as session:
            (primary,) = run_import(session, "ofac-cons", [prim_only])
            assert primary.files == [str(prim_only)]  # nothing beside it
        with unit_of_work(other.sessions) as session:
            (late,) = run_import(session, "ofac-cons", [alt])
            assert late.changes > 0
            kinds = set(session.scalars(select(Change.kind).where(Change.source_file == alt.name)))
            assert kinds == {"name_added"}
            assert snapshot(session) == forward
    finally:
        other.engine.dispose()


def test_it_joins_curated_and_1260h_entities_and_reimports_as_a_no_op(
    empty_registry: Registry,
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [CURATED])
        (result,) = run_import(session, "ofac-cons", [OFAC / "cons_prim.csv"])
        assert any(m.startswith("'HANGZHOU HIKVISION") for m in result.merged)
        hikvision = store.entity_by_key(session, "hikvision")
        assert hikvision is not None
        assert ("uscc", "91330000733796106P") in {
            (i.scheme, i.value) for i in hikvision.identifiers
        }
    with unit_of_work(empty_registry.sessions) as session:
        (again,) = run_import(session, "ofac-cons", [OFAC / "cons_prim.csv"])
    assert again.changes == 0 and again.created == 0 and again.merged == []


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, int | None, str | None]]:
    prim = (OFAC / "cons_prim.csv").read_bytes()
    lines = prim.split(b"\r\n")
    hikvision = next(i for i, line in enumerate(lines) if b"HIKVISION" in line)
    cases: dict[str, tuple[bytes, int | None, str | None]] = {
        "bad listing date": (
            prim.replace(
                b"Listing Date (CMIC) 03 Jun 2021; Unified Social Credit Code (USCC) "
                b"91330000733796106P",
                b"Listing Date (CMIC) 31 Jun 2021; Unified "
                b"Social Credit Code (USCC) 91330000733796106P",
            ),
            hikvision + 1,
            "remarks (Listing Date)",
        ),
        "bad USCC": (
            prim.replace(b"(USCC) 91330000733796106P", b"(USCC) 9133-BAD"),
            hikvision + 1,
            "remarks (USCC)",
        ),
        "truncated": (b"\r\n".join(lines[: hikvision + 1])[:-40], hikvision + 1, None),
        "bad encoding": (prim.replace(b"HIKVISION", b"HIKVIS\xffON"), hikvision + 1, None),
        "not OFAC": ((OFAC.parent / "us_dod_1260h.csv").read_bytes(), 1, None),
    }
    out = {}
    for name, (data, line, field) in cases.items():
        folder = tmp_path / name.replace(" ", "_")
        folder.mkdir()
        (folder / "cons_prim.csv").write_bytes(data)
        out[name] = (folder / "cons_prim.csv", line, field)
    return out


@pytest.mark.parametrize(
    "case", ["bad listing date", "bad USCC", "truncated", "bad encoding", "not OFAC"]
)
def test_a_malformed_file_changes_nothing(
    empty_registry: Registry, tmp_path: Path, case: str
) -> None:
    with unit_of_work(empty_registry.sessions) as session:
        run_import(session, "curated", [CURATED])
        before = table_counts(session)
    path, line, field = _bad_files(tmp_path)[case]
    with pytest.raises(BadImportError) as err, unit_of_work(empty_registry.sessions) as session:
        run_import(session, "ofac-cons", [path])
    assert err.value.file == str(path)
    assert err.value.line == line
    if field:
        assert err.value.field == field
    with unit_of_work(empty_registry.sessions) as session:
        assert table_counts(session) == before


def test_a_malformed_alternate_names_file_beside_it_changes_nothing(
    empty_registry: Registry, tmp_path: Path
) -> None:
    prim, alt = copy_files(tmp_path, "cons_prim.csv", "cons_alt.csv")
    alt.write_bytes(alt.read_bytes().replace(b'30882,50530,"aka"', b"30882,50530"))
    with unit_of_work(empty_registry.sessions) as session:
        before = table_counts(session)
    with pytest.raises(BadImportError) as err, unit_of_work(empty_registry.sessions) as session:
        run_import(session, "ofac-cons", [prim])
    assert err.value.file == str(alt)
    with unit_of_work(empty_registry.sessions) as session:
        assert table_counts(session) == before
