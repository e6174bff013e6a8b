"""Load China and Hong Kong entries of the Commerce Entity List and Military End-User
list from trade.gov's Consolidated Screening List (CSV).

Two header variants are in use: the current one starts with ``_id``, the older one has
no ``_id``; both name their columns, so rows are read by column name.

The CSL repeats a party once per address; all its rows on one list make one listing
period from the earliest start date (ended only when every row carries an end date). The
CSL shows current listings only, and a file may be an extract, so a party missing from a
file is not taken to be delisted. Addresses serve only to find the country (CN or HK);
they are not stored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.lists import (
    Incoming,
    Organisations,
    guess_kind,
    org_key,
    parse_date,
    read_table,
    split_trailing_alias,
    tidy,
    unique,
)
from registry.importers.progress import Progress, silent
from registry.importers.result import ImportResult
from registry.models import Source

SOURCE_ID = "csl"
COLUMNS = (
    "source",
    "name",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "source_list_url",
    "alt_names",
)
# (prefix of the CSL "source" column, list_id, list_name)
LISTS = (
    ("Entity List", "us-entity-list", "US Commerce Entity List"),
    ("Military End User", "us-meu", "US Commerce Military End-User List"),
)
PUBLISHER = "US Department of Commerce, Bureau of Industry and Security"
CSL_URL = "https://www.trade.gov/consolidated-screening-list"
COUNTRIES = {"CN": "CN", "CHINA": "CN", "HK": "HK", "HONG KONG": "HK"}
# Fields that hold a country code for people; kept for parties listed under them.
_PERSON_COUNTRY_FIELDS = ("nationalities", "citizenships")


@dataclass(frozen=True)
class Entry:
    line: int
    list_id: str
    list_name: str
    name: str
    aliases: tuple[str, ...]
    country: str
    citations: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    url: str


def _list_of(source: str) -> tuple[str, str] | None:
    for prefix, list_id, list_name in LISTS:
        if source.strip().startswith(prefix):
            return list_id, list_name
    return None


def _country(values: dict[str, str]) -> str | None:
    """CN or HK from the last part of each address (or a person's nationality)."""
    found = []
    for address in values["addresses"].split(";"):
        last = address.rsplit(",", 1)[-1].strip().upper()
        found.append(COUNTRIES.get(last))
    for column in _PERSON_COUNTRY_FIELDS:
        found += [COUNTRIES.get(c.strip().upper()) for c in values.get(column, "").split(";")]
    codes = {c for c in found if c}
    return "CN" if "CN" in codes else ("HK" if codes else None)


def _alt_names(text: str) -> list[str]:
    """ "A; B; and C." -> [A, B, C]: the list is written as an English sentence."""
    names: list[str | None] = []
    for part in tidy(text).split(";"):
        part = re.sub(r"^and\s+", "", part.strip())
        # A sentence-final full stop, not the one closing "Ltd." or "Corp.".
        if part.endswith(".") and len(part.rsplit(" ", 1)[-1]) > 5:
            part = part[:-1]
        names += split_trailing_alias(part)
    return unique(names)


def parse(path: Path) -> list[Entry]:
    file = str(path)
    _, table = read_table(path, COLUMNS)
    entries = []
    for line, values in table:
        listed = _list_of(values["source"])
        country = _country(values) if listed else None
        if listed is None or country is None:
            continue
        entries.append(_entry(line, values, listed, country, file=file))
    return entries


def _entry(
    line: int, values: dict[str, str], listed: tuple[str, str], country: str, *, file: str
) -> Entry:
    name, acronym = split_trailing_alias(values["name"])
    if not name:
        raise BadImportError("no name", file=file, line=line, field="name")
    start = parse_date(values["start_date"], file=file, line=line, field="start_date")
    end = parse_date(values["end_date"], file=file, line=line, field="end_date")
    citations = [c.strip() for c in re.split(r"[;,]", values["federal_register_notice"])]
    return Entry(
        line=line,
        list_id=listed[0],
        list_name=listed[1],
        name=name,
        aliases=tuple(unique([acronym, *_alt_names(values["alt_names"])])),
        country=country,
        citations=tuple(unique(citations)),
        start=start,
        end=end,
        url=values["source_list_url"].strip() or CSL_URL,
    )


def group(entries: list[Entry]) -> list[list[Entry]]:
    """One group per party per list (the CSL has one row per address)."""
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.list_id, org_key(entry.name)), []).append(entry)
    return list(groups.values())


# --- writing -------------------------------------------------------------------------


def _source(session: Session, entry: Entry) -> Source:
    return store.get_source(
        session,
        title=f"{entry.list_name}, via the Consolidated Screening List",
        publisher=PUBLISHER,
        url=entry.url,
    )


def _period(
    entries: list[Entry],
) -> tuple[dt.date | None, dt.date | None, str | None]:
    starts = [e.start for e in entries if e.start]
    ends = [e.end for e in entries]
    end = None if any(e is None for e in ends) else max(e for e in ends if e)
    citations = unique(c for e in entries for c in e.citations)
    reason = f"Federal Register {'; '.join(citations)}" if citations else None
    return (min(starts) if starts else None), end, reason


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    entries = parse(path)  # everything is checked before anything is written
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    orgs = Organisations(session, result, list_ids=[list_id for _, list_id, _ in LISTS])
    for party in group(entries):
        _load_party(session, orgs, party)
    session.flush()
    return result


def _load_party(session: Session, orgs: Organisations, entries: list[Entry]) -> None:
    first = entries[0]
    incoming = Incoming(
        name=first.name,
        aliases=unique(a for e in entries for a in e.aliases),
        country=first.country,
        kind=guess_kind(first.name),
    )
    source = _source(session, first)
    upserted = orgs.upsert(incoming, source)
    start, end, reason = _period(entries)
    changes = store.set_designation_periods(
        session,
        upserted.entity,
        list_id=first.list_id,
        list_name=first.list_name,
        periods=[(start, end, reason, source)],
    )
    orgs.tally(upserted, changes)
