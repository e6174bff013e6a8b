"""The Section 1286, NDAA, FCC, EU Annex IV, ASPI rating and CSET importers on the real
files: counts against a plain reading of each file, rows found through the real lookup,
idempotent re-import, refused bad input, and the shipped copies against the originals.

The shipped copies in ``data/`` are what the product loads; the originals in
``../shared/data`` exist on the project's machines and in CI. Tests that need them skip on
a user's clone and fail in CI (CI=true), as the ASPI-snapshot tests do.
"""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from handlers.context import Services
from handlers.lookup import lookup
from registry.catalog import catalog
from registry.db import unit_of_work
from registry.importers import IMPORTERS, run_import
from registry.importers.us_1286 import fiscal_year_end, fiscal_year_start
from registry.models import Designation, Entity, EntityKind, Relationship, Source
from registry.service import Registry
from registry.views.designations import _status
from tests.registry.importers.helpers import assert_refused_unchanged

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "data"
# Beside the checkout on the project's machines; MCF_SHARED_DATA points elsewhere (a worktree).
SHARED = Path(os.environ.get("MCF_SHARED_DATA") or ROOT.parent / "shared" / "data")
S1286 = DATA / "statutes" / "us_dod_1286.csv"
NDAA = {s: DATA / "statutes" / f"us_ndaa_{s}.csv" for s in ("889", "5949", "154")}
FCC = DATA / "statutes" / "us_fcc_covered_list.csv"
ANNEX_IV = DATA / "eu" / "eu_reg_833_2014_annex_iv.csv"
RATINGS = DATA / "aspi-risk" / "china-defence-universities.2020-08-21.ratings.json"
HL = DATA / "cset" / "harnessed_lightning_pla_procurement_2020.csv"
BGI = DATA / "cset" / "bgi_entity_list.csv"
TRACKER = DATA / "unitracker" / "china-defence-universities.json"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir() and not os.environ.get("CI"),
    reason=f"the original files are not at {SHARED}",
)

# Rows of the Section 1286 file looked up by their listed name.
SAMPLE_SIZE = 60
SAMPLE_SEED = 1286
FOUND_AT_LEAST = 0.95


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def load(registry: Registry, source: str, *paths: Path) -> None:
    with unit_of_work(registry.sessions) as session:
        run_import(session, source, list(paths))


def designated(registry: Registry, list_id: str, *, open_only: bool = False) -> int:
    with unit_of_work(registry.sessions) as session:
        query = select(func.count(func.distinct(Designation.entity_id))).where(
            Designation.list_id == list_id
        )
        if open_only:
            query = query.where(Designation.end.is_(None))
        return session.scalar(query) or 0


def test_every_source_is_registered_and_catalogued() -> None:
    for source in ("us-1286", "us-ndaa", "fcc-covered", "eu-annex-iv", "aspi-risk"):
        assert source in IMPORTERS
        assert any(info.importer == source for info in catalog().values())
    for list_id in ("us-dod-1286", "us-fcc-covered", "us-ndaa-889", "us-ndaa-5949"):
        info = catalog()[list_id]
        assert info.effect and info.legal_basis.url.startswith("https://")
    assert catalog()["us-dod-1286"].next_step is not None
    assert "non-commercial" in catalog()["us-dod-1286"].licence


# --- Section 1286 --------------------------------------------------------------------


def test_1286_one_open_period_per_institution_on_the_newest_list(
    empty_registry: Registry,
) -> None:
    load(empty_registry, "us-1286", S1286)
    table = rows(S1286)
    newest = max(int(r["report-date"]) for r in table)
    # A plain reading: each newest-year row is one institution (no two share a name).
    on_newest = {r["name"].strip().casefold() for r in table if int(r["report-date"]) == newest}
    assert designated(empty_registry, "us-dod-1286", open_only=True) == len(on_newest)
    with unit_of_work(empty_registry.sessions) as session:
        periods = session.scalars(
            select(Designation).where(Designation.list_id == "us-dod-1286")
        ).all()
        # A fiscal year N starts on 1 October N-1; every period cites a year's list PDF.
        assert {d.start.month for d in periods if d.start} == {10}
        assert all(d.source.publisher == "US Department of Defense" for d in periods)
        assert all(
            d.source.url.endswith(("PDF", "pdf")) or "pdf" in d.source.url.lower() for d in periods
        )
        mabna = session.scalars(select(Entity).where(Entity.name == "Mabna Institute")).one()
        (period,) = [d for d in mabna.designations if d.list_id == "us-dod-1286"]
        # Listed FY2022-FY2024, dropped with the transcription's removal date.
        assert (period.start, period.end) == (dt.date(2021, 10, 1), dt.date(2026, 7, 23))
        assert period.list_name.endswith("FY2022–FY2024")


def test_1286_programmes_parents_and_hosts(empty_registry: Registry) -> None:
    load(empty_registry, "us-1286", S1286)
    with unit_of_work(empty_registry.sessions) as session:
        programmes = set(
            session.scalars(select(Entity.name).where(Entity.kind == EntityKind.PROGRAMME))
        )
        assert {"Thousand Talents Plan", "Hundred Talents Plan", "Pearl River Talent Program"} <= (
            programmes
        )
        ties = {
            (r.subject.name, r.object.name)
            for r in session.scalars(select(Relationship)).all()
            if r.type == "subsidiary_of"
        }
    assert (
        "Academy of Military Medical Sciences, Institute of Basic Medicine",
        "Academy of Military Medical Sciences",
    ) in ties
    assert (
        "Defense S&T Key Laboratory of Radar Signal Processing at Xidian University",
        "Xidian University",
    ) in ties
    assert (
        "Chinese Academy of Sciences – Institute of Physics",
        "Chinese Academy of Sciences",
    ) in (ties)
    # "… at the Microscale" is no host, and a comma alone states no parent.
    assert not any(parent.startswith("the ") for _, parent in ties)
    assert not any(parent.startswith("Federal State") for _, parent in ties)


def test_sampled_1286_rows_are_found_with_the_list_and_their_year(services: Services) -> None:
    table = rows(S1286)
    sample = random.Random(SAMPLE_SEED).sample(table, SAMPLE_SIZE)
    found = []
    for row in sample:
        year = int(row["report-date"])
        reply = lookup(services, row["name"])
        ok = reply.card is not None and any(
            d.list_id == "us-dod-1286"
            and d.start is not None
            and d.start <= fiscal_year_start(year).isoformat()
            and (d.end is None or d.end >= fiscal_year_end(year).isoformat())
            for d in reply.card.designations
        )
        found.append((ok, row["name"], year))
    share = sum(ok for ok, *_ in found) / len(found)
    print(f"Section 1286: {share:.1%} of {SAMPLE_SIZE} rows found (seed {SAMPLE_SEED})")
    assert share >= FOUND_AT_LEAST, [f for f in found if not f[0]]


# --- statutes and the FCC ------------------------------------------------------------


@pytest.mark.parametrize("section", ["889", "5949", "154"])
def test_ndaa_one_designation_per_named_company(empty_registry: Registry, section: str) -> None:
    load(empty_registry, "us-ndaa", NDAA[section])
    assert designated(empty_registry, f"us-ndaa-{section}") == len(rows(NDAA[section]))


def test_ndaa_154_starts_in_the_future_and_cards_say_from(empty_registry: Registry) -> None:
    load(empty_registry, "us-ndaa", NDAA["154"])
    with unit_of_work(empty_registry.sessions) as session:
        d = session.scalars(select(Designation).where(Designation.list_id == "us-ndaa-154")).first()
        assert d is not None and d.start == dt.date(2027, 10, 1)
        assert _status(d, False, today=dt.date(2026, 12, 1)) == "from 2027-10-01 (not yet in force)"
        assert _status(d, False, today=dt.date(2027, 10, 2)) == "listed since 2027-10-01"


def test_fcc_one_designation_per_named_organisation(empty_registry: Registry) -> None:
    load(empty_registry, "fcc-covered", FCC)
    text = " ".join(r["covered_equipment_or_services"] for r in rows(FCC))
    # A plain reading: "by <Name>" followed by a legal form or a capitalised word.
    named = {m for m in re.findall(r"\bby ((?:[A-Z][\w().&-]*,? ?)+)", text) if m.strip()}
    assert len(named) >= 10
    with unit_of_work(empty_registry.sessions) as session:
        entities = session.scalars(
            select(Entity).join(Designation).where(Designation.list_id == "us-fcc-covered")
        ).all()
        listed = {e.name for e in entities}
        known = listed | {a.name for e in entities for a in e.aliases}
    assert "Huawei Technologies Company" in listed and "ComNet (USA) LLC" in listed
    assert not any(n.lower().startswith("such ") for n in listed)
    # 12 rows name an organisation, one of them two; the registry's name keys fold legal
    # forms, so "AO Kaspersky Lab" and "Kaspersky Lab, Inc." are one entity with both names.
    assert {"AO Kaspersky Lab", "Kaspersky Lab, Inc.", "Digitalsystem Technology Inc."} <= known
    assert len(listed) == 12


def test_hikvision_shows_fcc_and_889_with_sources(services: Services) -> None:
    card = lookup(services, "Hikvision").card
    assert card is not None
    by_list = {d.list_id: d for d in card.designations}
    assert by_list["us-fcc-covered"].start == "2021-03-12"
    assert by_list["us-fcc-covered"].source_url == "https://www.fcc.gov/supplychain/coveredlist"
    assert by_list["us-ndaa-889"].source_url.startswith("https://www.congress.gov/115/plaws/")
    assert {"us-1260h", "us-ns-cmic"} <= set(by_list)


@pytest.mark.parametrize(
    ("query", "statute"),
    [
        ("Huawei Technologies Co., Ltd.", "us-ndaa-889"),
        ("Hikvision", "us-ndaa-889"),
        ("Dahua", "us-ndaa-889"),  # "Dahua Technology Company" is Zhejiang Dahua's short form
        ("Semiconductor Manufacturing International Corporation", "us-ndaa-5949"),
        ("Yangtze Memory Technologies Co., Ltd.", "us-ndaa-5949"),
        ("CATL", "us-ndaa-154"),
    ],
)
def test_statutes_join_the_entity_the_other_lists_name(
    services: Services, query: str, statute: str
) -> None:
    card = lookup(services, query).card
    assert card is not None
    lists = {d.list_id for d in card.designations}
    assert {"us-1260h", statute} <= lists, (card.name, lists)


# --- EU Annex IV ---------------------------------------------------------------------


def test_eu_annex_iv_china_and_hong_kong_parties(empty_registry: Registry) -> None:
    load(empty_registry, "eu-annex-iv", ANNEX_IV)
    plain = [
        r
        for r in rows(ANNEX_IV)
        if r["annex"] == "IV"
        and re.search(r"Hong Kong|People.s Republic of China|Shenzhen\s*$", r["address"])
    ]
    assert designated(empty_registry, "eu-833-annex-iv") == len({r["name"] for r in plain}) == 96
    with unit_of_work(empty_registry.sessions) as session:
        d = session.scalars(
            select(Designation)
            .join(Entity)
            .where(
                Designation.list_id == "eu-833-annex-iv", Entity.name == "Asia Pacific Links Ltd."
            )
        ).one()
        assert d.start == dt.date(2023, 6, 23) and d.entity.country == "HK"


# --- ASPI risk rating ----------------------------------------------------------------


def test_aspi_rating_joins_the_tracker_by_page(empty_registry: Registry) -> None:
    load(empty_registry, "unitracker", TRACKER)
    load(empty_registry, "aspi-risk", RATINGS)
    assert designated(empty_registry, "aspi-risk") == 158  # NUDT's field states no rating
    with unit_of_work(empty_registry.sessions) as session:
        names = dict(
            session.execute(
                select(Entity.name, Designation.list_name)
                .join(Designation)
                .where(Designation.list_id == "aspi-risk")
            ).all()
        )
    assert names["Harbin Institute of Technology"] == (
        "ASPI risk rating: very high (tracker category: Seven sons of national defence)"
    )
    counts = {w: sum(f"rating: {w} (" in n for n in names.values()) for w in ("very high", "high")}
    assert counts == {"very high": 92, "high": 23}


def test_harbin_institute_of_technology_shows_very_high(services: Services) -> None:
    card = lookup(services, "Harbin Institute of Technology").card
    assert card is not None
    # The rating is shown on the tracker's line, citing its own source too.
    (tracker,) = [d for d in card.designations if d.list_id == "aspi-unitracker"]
    assert tracker.risk == "very high"
    urls = {s.number: s.url for s in card.sources}
    assert any(urls[n].startswith("https://unitracker.aspi.org.au/") for n in tracker.citations)


# --- CSET ----------------------------------------------------------------------------


def test_cset_supply_ties_per_supplier_and_end_user(empty_registry: Registry) -> None:
    load(empty_registry, "cset-pla-supply", HL)
    withheld = re.compile(r"^\.+$|某")
    pairs = set()
    for r in rows(HL):
        supplier, user = r["supplier (中标单位)"].strip(), r["end_user (最终用户)"].strip()
        if not user or withheld.search(user):
            user = r["public_unit"].strip()
        han = re.compile(r"[\u4e00-\u9fff]")
        named = supplier and not withheld.search(supplier)
        if named and han.search(user) and han.search(supplier) and supplier != user:
            pairs.add((supplier, user))
    with unit_of_work(empty_registry.sessions) as session:
        ties = session.scalars(select(Relationship).where(Relationship.type == "supplies")).all()
        assert len(ties) == len(pairs)
        assert all(t.start and t.start.startswith("2020-") for t in ties)
        assert all(
            s.url == "https://cset.georgetown.edu/publication/harnessed-lightning/"
            for t in ties
            for s in t.sources
        )
        # No English name was invented for an organisation named in Chinese only.
        assert all(re.search(r"[\u4e00-\u9fff]", e.name) for e in session.scalars(select(Entity)))


def test_cset_bgi_ties_by_stated_kind(empty_registry: Registry) -> None:
    load(empty_registry, "cset-bgi", BGI)
    with unit_of_work(empty_registry.sessions) as session:
        ties = session.scalars(select(Relationship)).all()
        kinds = {(t.type, t.object.name) for t in ties}
    assert ("subsidiary_of", "BGI Group") in kinds and (
        "subsidiary_of",
        "MGI Tech Co., Ltd.",
    ) in kinds
    assert any(t.type == "other" and t.summary and "associate" in t.summary for t in ties)
    stated = [r for r in rows(BGI) if r["Nature of Affiliation"] in ("Subsidiary", "Branch")]
    subsidiaries = [t for t in ties if t.type == "subsidiary_of"]
    # Rows whose full name folds onto their parent's are skipped, never merged.
    assert len(stated) - 5 <= len(subsidiaries) <= len(stated) + 20


# --- curated -------------------------------------------------------------------------


def test_seed_article_backs_qianxun_alibaba_2019_and_sustech(services: Services) -> None:
    article = "thediplomat.com/2021/07/at-the-nexus"
    for query in ("Qianxun Spatial Intelligence", "SUSTech", "Alibaba"):
        card = lookup(services, query).card
        assert card is not None
        cited = {s.number: s.url for s in card.sources}
        assert card.summary and any(article in cited[n] for n in card.summary_sources), query
    alibaba = lookup(services, "Alibaba").card
    assert alibaba is not None
    collab = [r for r in alibaba.relationships if r.type == "collaborates_with"]
    assert collab and collab[0].start == "2019"


# --- every importer ------------------------------------------------------------------

ALL = [
    ("us-1286", [S1286]),
    ("us-ndaa", list(NDAA.values())),
    ("fcc-covered", [FCC]),
    ("eu-annex-iv", [ANNEX_IV]),
    ("aspi-risk", [RATINGS]),
    ("cset-pla-supply", [HL]),
    ("cset-bgi", [BGI]),
]


def test_reimport_of_the_bundle_changes_nothing(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        for source, paths in ALL:
            for result in run_import(session, source, paths):
                assert result.changes == 0, (source, result.files, result.summary())


HEADERS = {
    "us-1286": S1286,
    "us-ndaa": NDAA["889"],
    "fcc-covered": FCC,
    "eu-annex-iv": ANNEX_IV,
    "cset-pla-supply": HL,
    "cset-bgi": BGI,
}


@pytest.mark.parametrize("source", sorted(HEADERS))
def test_header_only_empty_and_wrong_files_are_refused(
    bundled_registry: Registry, source: str, tmp_path: Path
) -> None:
    header = HEADERS[source].read_text(encoding="utf-8-sig").splitlines()[0]
    only_header = tmp_path / "header.csv"
    only_header.write_text(header + "\n", encoding="utf-8")
    assert_refused_unchanged(bundled_registry, source, only_header, None, None)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert_refused_unchanged(bundled_registry, source, empty, None, None)
    # Another source's file: refused at its header (missing columns) or first foreign row.
    other = HL if source != "cset-pla-supply" else S1286
    err = assert_refused_unchanged(bundled_registry, source, other, None, None)
    assert err.line is not None and err.field is not None


def test_malformed_rows_name_file_line_and_field(
    bundled_registry: Registry, tmp_path: Path
) -> None:
    text = S1286.read_text(encoding="utf-8").splitlines()
    bad_year = tmp_path / "bad_year.csv"
    bad_year.write_text("\n".join([text[0], text[1].replace(",2022,", ",FY22,")]) + "\n")
    assert_refused_unchanged(bundled_registry, "us-1286", bad_year, 2, "report-date")
    wrong = tmp_path / "wrong_program.csv"
    wrong.write_text("\n".join([*text[:3], NDAA["889"].read_text().splitlines()[1]]) + "\n")
    assert_refused_unchanged(bundled_registry, "us-1286", wrong, 4, "program")
    cut = tmp_path / "cut.csv"
    cut.write_text("\n".join(text[:5]) + '\nCompany,"Unclosed\n', encoding="utf-8")
    assert_refused_unchanged(bundled_registry, "us-1286", cut, None, None)
    fcc = FCC.read_text(encoding="utf-8").splitlines()
    bad_date = tmp_path / "fcc.csv"
    bad_date.write_text("\n".join([fcc[0], fcc[1].replace("March 12, 2021", "soon")]) + "\n")
    assert_refused_unchanged(
        bundled_registry, "fcc-covered", bad_date, 2, "date_of_inclusion_on_covered_list"
    )
    eu = ANNEX_IV.read_text(encoding="utf-8").splitlines()
    bad_celex = tmp_path / "eu.csv"
    bad_celex.write_text("\n".join([eu[0], "4" + eu[1][1:]]) + "\n")
    assert_refused_unchanged(bundled_registry, "eu-annex-iv", bad_celex, 2, "celex")
    doc = json.loads(RATINGS.read_text(encoding="utf-8"))
    doc["name"] = "Something else"
    wrong_galaxy = tmp_path / "galaxy.json"
    wrong_galaxy.write_text(json.dumps(doc))
    assert_refused_unchanged(bundled_registry, "aspi-risk", wrong_galaxy, None, "name")
    no_risk = json.loads(RATINGS.read_text(encoding="utf-8"))
    del no_risk["values"][3]["meta"]["risk"]
    current = tmp_path / "current.json"
    current.write_text(json.dumps(no_risk))
    assert_refused_unchanged(bundled_registry, "aspi-risk", current, None, "values[3].meta.risk")


# --- the shipped copies --------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize(
    ("shipped", "original"),
    [
        (S1286, "opensanctions/us_dod_1286.csv"),
        (NDAA["889"], "opensanctions/us_ndaa_889.csv"),
        (NDAA["5949"], "opensanctions/us_ndaa_5949.csv"),
        (NDAA["154"], "opensanctions/us_ndaa_154.csv"),
        (FCC, "opensanctions/us_fcc_covered_list.csv"),
        (ANNEX_IV, "eu/eu_reg_833_2014_annex_iv.csv"),
        (BGI, "cset/bgi_entity_list.csv"),
    ],
)
def test_shipped_copies_are_the_originals(shipped: Path, original: str) -> None:
    assert filecmp.cmp(shipped, SHARED / original, shallow=False)


@needs_shared
@pytest.mark.parametrize(
    ("script", "original", "shipped"),
    [
        (
            "aspi-risk/make_copy.py",
            "aspi-unitracker/china-defence-universities.2020-08-21.misp-galaxy.json",
            RATINGS,
        ),
        ("cset/make_copy.py", "cset/harnessed_lightning_pla_procurement_2020.csv", HL),
    ],
)
def test_reduced_copies_rebuild_from_the_originals(
    script: str, original: str, shipped: Path, tmp_path: Path
) -> None:
    out = tmp_path / shipped.name
    subprocess.run(
        [sys.executable, str(DATA / script), str(SHARED / original), str(out)],
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.read_bytes() == shipped.read_bytes()


@needs_shared
def test_no_prose_of_aspi_or_the_tenders_is_stored(services: Services) -> None:
    galaxy = json.loads(
        (
            SHARED / "aspi-unitracker/china-defence-universities.2020-08-21.misp-galaxy.json"
        ).read_text()
    )
    risk_sentences = [v["meta"]["risk"][:60] for v in galaxy["values"]]
    tenders = [
        r["title"] for r in rows(SHARED / "cset/harnessed_lightning_pla_procurement_2020.csv")
    ]
    tenders = [t for t in tenders if len(t) > 12]
    with unit_of_work(services.registry.sessions) as session:
        stored = " ".join(
            [
                *(x or "" for x in session.scalars(select(Relationship.summary))),
                *(x or "" for x in session.scalars(select(Designation.list_name))),
                *(x or "" for x in session.scalars(select(Entity.name))),
                *(x or "" for x in session.scalars(select(Source.title))),
            ]
        )
    assert not [s for s in risk_sentences if s in stored]
    assert not [t for t in tenders if t in stored]
