"""Load the NS-CMIC list from OFAC's non-SDN consolidated list (legacy CSV, no header).

``cons_prim.csv`` has one row per listed party: ent_num, name, type, programs, title,
call sign, vessel type, tonnage, GRT, vessel flag, vessel owner, remarks. Only program
``CMIC-EO13959`` is kept. Its remarks carry the listing date ("Listing Date (CMIC) 03 Jun
2021"), the Unified Social Credit Code ("Unified Social Credit Code (USCC) 9133...") and
acronyms ("a.k.a. 'AVIC'"). ``cons_alt.csv`` holds further names (aka, fka) keyed by
ent_num: ent_num, alt_num, alt_type, alt_name, alt_remarks.

One file per call (``run_import`` calls importers once per file), so:

- a primary file is loaded together with its alternate-names file found beside it
  (``cons_prim.csv`` -> ``cons_alt.csv`` in the same directory); without one, the
  entities load with their primary names only;
- an alternate-names file given on its own adds names to the NS-CMIC entities already in
  the registry (found by OFAC entity number, stored as identifier scheme ``ofac``).

So ``mcf-bot import ofac-cons cons_prim.csv cons_alt.csv`` works in either order: the
second load of the same names is a no-op. Which kind a file is follows from its width
(12 or 5 fields), not its name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.lists import (
    Incoming,
    Organisations,
    Record,
    Upserted,
    check_width,
    guess_kind,
    parse_date,
    read_records,
    tidy,
    unique,
)
from registry.importers.result import ImportResult
from registry.models import Source
from registry.progress import Progress, silent

SOURCE_ID = "ofac-cons"
PROGRAM = "CMIC-EO13959"
LIST_ID = "us-ns-cmic"
LIST_NAME = "US Treasury Non-SDN Chinese Military-Industrial Complex Companies List (NS-CMIC)"
SOURCE_TITLE = "Non-SDN Chinese Military-Industrial Complex Companies List"
SOURCE_PUBLISHER = "US Department of the Treasury, OFAC"
SOURCE_URL = "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists/ns-cmic-list"
OFAC_SCHEME = "ofac"  # OFAC's own entity number (ent_num): links alternate names
PRIMARY_WIDTH = 12
ALT_WIDTH = 5
NULL = "-0-"

_LISTING_DATE = re.compile(r"Listing Date \(CMIC\) ([^;]+?)\s*(?:;|\.?$)")
_USCC = re.compile(r"Unified Social Credit Code \(USCC\) (\S+?)(?:\s|;|\.?$)")
_AKA = re.compile(r"a\.k\.a\. '([^']+)'")
_USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")


@dataclass
class Party:
    line: int
    ent_num: str
    name: str
    listed: dt.date | None
    uscc: str | None
    aliases: list[str] = field(default_factory=list)


def _value(text: str) -> str:
    text = text.strip()
    return "" if text == NULL else text


def _ent_num(record: Record, *, file: str) -> str:
    ent_num = _value(record.values[0])
    if not ent_num.isdigit():
        raise BadImportError(
            f"entity number is not a number: {ent_num!r}",
            file=file,
            line=record.line,
            field="ent_num",
        )
    return ent_num


def _width(records: list[Record], *, file: str) -> int:
    width = len(records[0].values)
    if width not in (PRIMARY_WIDTH, ALT_WIDTH):
        raise BadImportError(
            f"not an OFAC legacy CSV: {width} fields per row "
            f"(primary rows have {PRIMARY_WIDTH}, alternate names {ALT_WIDTH})",
            file=file,
            line=records[0].line,
        )
    for record in records:
        check_width(record, width, file=file)
    return width


# --- parsing -------------------------------------------------------------------------


def parse_primary(records: list[Record], *, file: str) -> list[Party]:
    parties = []
    for record in records:
        ent_num = _ent_num(record, file=file)
        programs = [p.strip() for p in _value(record.values[3]).strip("[]").split("] [")]
        if PROGRAM in programs:
            parties.append(_party(record, ent_num, file=file))
    return parties


def _party(record: Record, ent_num: str, *, file: str) -> Party:
    name = tidy(_value(record.values[1]))
    if not name:
        raise BadImportError("no name", file=file, line=record.line, field="name")
    remarks = _value(record.values[-1])
    listed = None
    if match := _LISTING_DATE.search(remarks):
        listed = parse_date(
            match.group(1),
            file=file,
            line=record.line,
            field="remarks (Listing Date)",
            fmt="%d %b %Y",
        )
    uscc = None
    if match := _USCC.search(remarks):
        uscc = match.group(1)
        if not _USCC_SHAPE.fullmatch(uscc):
            raise BadImportError(
                f"not a Unified Social Credit Code: {uscc!r}",
                file=file,
                line=record.line,
                field="remarks (USCC)",
            )
    return Party(record.line, ent_num, name, listed, uscc, _AKA.findall(remarks))


def parse_alt(records: list[Record], *, file: str) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for record in records:
        ent_num = _ent_num(record, file=file)
        alt = tidy(_value(record.values[3]))
        if not alt:
            raise BadImportError("no alternate name", file=file, line=record.line, field="alt_name")
        names.setdefault(ent_num, []).append(alt)
    return names


def alt_file_beside(path: Path) -> Path | None:
    candidates = [path.with_name(path.name.replace("prim", "alt")), path.with_name("cons_alt.csv")]
    return next((c for c in candidates if c != path and c.is_file()), None)


# --- writing -------------------------------------------------------------------------


def _source(session: Session) -> Source:
    return store.get_source(session, title=SOURCE_TITLE, publisher=SOURCE_PUBLISHER, url=SOURCE_URL)


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    file = str(path)
    records = read_records(path)
    result = ImportResult(source=SOURCE_ID, files=[file])
    orgs = Organisations(session, result, list_ids=[LIST_ID])
    if _width(records, file=file) == ALT_WIDTH:
        for added in _add_alt_names(session, orgs, parse_alt(records, file=file)).values():
            result.updated += bool(added)
            result.unchanged += not added
        return result
    parties = parse_primary(records, file=file)
    # The file carries no date of its own: its newest listing date dates the edition.
    listed = [p.listed for p in parties if p.listed]
    result.edition = max(listed).isoformat() if listed else None
    alt_names = _alt_names_beside(path, result)  # checked before anything is written
    # Primary names first, alternate names after: an alternate name never decides which
    # entity another party's primary name joins, whatever the order of the rows.
    loaded = [_load_party(session, orgs, p, alt_names.get(p.ent_num, [])) for p in parties]
    names_added = _add_alt_names(session, orgs, alt_names)
    for upserted, changes in loaded:
        upserted.names_added += names_added.get(upserted.entity.id, 0)
        orgs.tally(upserted, changes)
    session.flush()
    return result


def _alt_names_beside(path: Path, result: ImportResult) -> dict[str, list[str]]:
    alt_path = alt_file_beside(path)
    if alt_path is None:
        return {}
    alt_records = read_records(alt_path)
    if _width(alt_records, file=str(alt_path)) != ALT_WIDTH:
        raise BadImportError("expected an alternate-names file", file=str(alt_path))
    result.files.append(str(alt_path))
    return parse_alt(alt_records, file=str(alt_path))


def _load_party(
    session: Session, orgs: Organisations, party: Party, alt_names: list[str]
) -> tuple[Upserted, int]:
    codes = [("uscc", party.uscc)] if party.uscc else []
    codes.append((OFAC_SCHEME, party.ent_num))
    incoming = Incoming(
        name=party.name,
        aliases=unique(party.aliases),
        codes=codes,
        # The remarks say "(China)" after a USCC; without one the country is not stated.
        country="CN" if party.uscc else None,
        kind=guess_kind(party.name),
        lookup=alt_names,
    )
    source = _source(session)
    upserted = orgs.upsert(incoming, source)
    changes = store.set_designation_periods(
        session,
        upserted.entity,
        list_id=LIST_ID,
        list_name=LIST_NAME,
        periods=[(party.listed, None, None, source)],
    )
    return upserted, changes


def _add_alt_names(
    session: Session, orgs: Organisations, names: dict[str, list[str]]
) -> dict[int, int]:
    """Names added per entity, for parties already in the registry (by OFAC number)."""
    source = _source(session)
    added: dict[int, int] = {}
    for ent_num, alt_names in names.items():
        entity = store.entity_by_identifier(session, OFAC_SCHEME, ent_num)
        if entity is None:
            continue  # not an NS-CMIC party, or its primary file was never loaded
        added[entity.id] = added.get(entity.id, 0) + orgs.add_names(entity, alt_names, source)
    session.flush()
    return added
