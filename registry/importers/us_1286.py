"""Load the DoD Section 1286 lists (OpenSanctions transcription, fiscal years 2022 on).

Each fiscal year's list is one edition; ``report-date`` is its fiscal year. Rows of one
institution across years are joined by name and listed alias (spellings vary between
years). An institution listed in consecutive fiscal years has one designation period:

- it starts on the first day of its first listed fiscal year (the US federal fiscal year
  N runs from 1 October N-1 to 30 September N, 31 U.S.C. 1102), the year the list
  applies to; DoD published each list months later, and the period cites that year's
  list (its PDF, ``source_url``);
- it stays open while the institution is on the newest list in the file; otherwise it
  ends on the row's own ``end-date`` when that is a full date (the transcription's
  removal date), else on the last day of the last fiscal year listed;
- a fiscal year missing in between ends the period, and the next listing opens another.

What the rows state besides: a sub-institute named "<parent>, <unit>" (where the parent
is itself on the lists) or "<parent> – <unit>" is tied to its parent, a laboratory
"… at <university>" to its host, a note "affiliated with <X>" to X; talent programmes
are entities of kind ``programme``.
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
    is_weak,
    org_key,
    split_trailing_alias,
    union_groups,
    unique,
)
from registry.importers.result import ImportResult
from registry.importers.special_leg import LegRow, read
from registry.models import Designation, Entity, EntityKind, RelationType, Source
from registry.progress import Progress, silent

SOURCE_ID = "us-1286"
LIST_ID = "us-dod-1286"
LIST_NAME = "US DoD Section 1286 list (foreign institutions and talent programmes)"
PROGRAM = re.compile(r"\bSection 1286\b")
PUBLISHER = "US Department of Defense"
# The first fiscal year of a Section 1286 list (FY2019 NDAA); earlier years are typos.
FIRST_FISCAL_YEAR = 2019
_YEAR = re.compile(r"^\d{4}$")
# Talent-recruitment programmes, not institutions ("Thousand Talents Plan", "Project 5-100").
_PROGRAMME = re.compile(r"\b(?:Talents?|Plan|Program(?:me)?|Professorship|Project)\b")
# "Chinese Academy of Sciences (CAS) – Institute of Physics": a dash states the parent.
_DASH_PARENT = re.compile(r"^(?P<parent>.+?)\s+[–—-]\s+(?P<unit>.+)$")
_COMMA_PARENT = re.compile(r"^(?P<parent>[^,]+),\s+(?P<unit>.+)$")
_LAB_HOST = re.compile(
    r"\bLaborator(?:y|ies)\b.*\bat\s+(?P<host>(?!the\b).*\b(?:University|College|Institute)\b.*)$"
)
_AFFILIATED = re.compile(r"^affiliated with (?P<org>.+)$", re.IGNORECASE)
# The lists abbreviate "Science and Technology" in host names ("Huazhong University of S&T").
_S_AND_T = re.compile(r"\bS&T\b")


@dataclass(frozen=True)
class Row:
    line: int
    year: int  # fiscal year of the list
    leg: LegRow
    ended: dt.date | None  # the transcription's removal date, when a full date

    @property
    def name(self) -> str:
        return self.leg.name

    def name_keys(self) -> set[str]:
        names = [self.name, *(a for a in self.leg.aliases if not is_weak(a))]
        return {org_key(n) for n in names} - {""} or {self.name.casefold()}


@dataclass(frozen=True)
class Period:
    first: int  # fiscal years
    last: int
    start: dt.date
    end: dt.date | None
    cited: Row  # the row of the newest year in the period


def fiscal_year_start(year: int) -> dt.date:
    return dt.date(year - 1, 10, 1)


def fiscal_year_end(year: int) -> dt.date:
    return dt.date(year, 9, 30)


# --- parsing -------------------------------------------------------------------------


def parse(path: Path) -> list[Row]:
    file = str(path)
    rows = []
    for leg in read(path, PROGRAM):
        if not _YEAR.match(leg.report_date) or int(leg.report_date) < FIRST_FISCAL_YEAR:
            raise BadImportError(
                f"not a fiscal year: {leg.report_date!r}",
                file=file,
                line=leg.line,
                field="report-date",
            )
        ended = None
        if leg.end_date and not _YEAR.match(leg.end_date):
            try:
                ended = dt.date.fromisoformat(leg.end_date)
            except ValueError as exc:
                raise BadImportError(
                    f"not a date: {leg.end_date!r}", file=file, line=leg.line, field="end-date"
                ) from exc
        rows.append(Row(leg.line, int(leg.report_date), leg, ended))
    return rows


def group(rows: list[Row]) -> list[list[Row]]:
    """Rows per institution: rows sharing a name or listed alias."""
    return union_groups(rows, Row.name_keys)


def periods(rows: list[Row], newest_year: int) -> list[Period]:
    """Listing periods of one institution: runs of consecutive fiscal years."""
    by_year: dict[int, Row] = {}
    for row in sorted(rows, key=lambda r: (r.year, r.line)):
        by_year[row.year] = row  # the last row of a year cites it
    years = sorted(by_year)
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    out = []
    for run in runs:
        cited = by_year[run[-1]]
        end: dt.date | None = None
        if run[-1] < newest_year:
            end = cited.ended if cited.ended is not None else fiscal_year_end(run[-1])
        out.append(Period(run[0], run[-1], fiscal_year_start(run[0]), end, cited))
    return out


# --- writing -------------------------------------------------------------------------


def _source(session: Session, row: Row) -> Source:
    if row.leg.url:
        return store.get_source(
            session,
            title=f"Section 1286 list, fiscal year {row.year}",
            publisher=PUBLISHER,
            url=row.leg.url,
        )
    return store.get_source(
        session,
        title="US DoD Section 1286 lists, as transcribed by OpenSanctions",
        publisher="OpenSanctions",
        url="https://www.opensanctions.org/datasets/us_special_leg/",
    )


def kind_of(rows: list[Row]) -> str:
    name = rows[-1].name
    if all(r.leg.country is None for r in rows) and _PROGRAMME.search(name):
        return EntityKind.PROGRAMME
    if re.search(r"\b(?:College|School)\b", name):
        return EntityKind.UNIVERSITY
    return guess_kind(name)


def _incoming(rows: list[Row]) -> Incoming:
    newest_first = sorted(rows, key=lambda r: (r.year, r.line), reverse=True)
    names = unique(r.name for r in newest_first)
    others = [a for r in newest_first for a in r.leg.aliases]
    country = next((r.leg.country for r in newest_first if r.leg.country), None)
    return Incoming(
        name=names[0],
        aliases=unique([*names[1:], *others]),
        country=country,
        kind=kind_of(rows),
    )


def _years(period: Period) -> str:
    if period.first == period.last:
        return f"FY{period.first}"
    return f"FY{period.first}–FY{period.last}"


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    rows = parse(path)  # everything is checked before anything is written
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    newest = max(r.year for r in rows)
    result.edition = f"FY{newest}"
    orgs = Organisations(session, result, list_ids=[LIST_ID])
    # Two spellings the file does not join may still be one entity of the registry: the
    # periods are computed over all rows of an entity, never per spelling (one spelling
    # dropped from a list must not end the period another spelling keeps open).
    per_entity: dict[int, tuple[Entity, list[Row]]] = {}
    upserts = []
    for institution in group(rows):
        newest_row = max(institution, key=lambda r: (r.year, r.line))
        upserted = orgs.upsert(_incoming(institution), _source(session, newest_row))
        upserts.append(upserted)
        per_entity.setdefault(upserted.entity.id, (upserted.entity, []))[1].extend(institution)
    changed: set[int] = set()
    for entity, entity_rows in per_entity.values():
        if _set_periods(session, entity, entity_rows, newest):
            changed.add(entity.id)
    for upserted in upserts:
        orgs.tally(upserted, 0)
    result.designations = len(changed)
    by_key = {k: e for e, rows_ in per_entity.values() for r in rows_ for k in r.name_keys()}
    # Parents and hosts after every listed institution, so a listed one is found.
    for entity, entity_rows in per_entity.values():
        newest_row = max(entity_rows, key=lambda r: (r.year, r.line))
        source = _source(session, newest_row)
        for parent_name, summary in stated_parents(newest_row, by_key):
            parent = _entity_for(orgs, by_key, parent_name, source)
            if parent is not entity:
                result.relationships += store.add_relationship(
                    session,
                    entity,
                    parent,
                    RelationType.SUBSIDIARY_OF,
                    sources=[source],
                    summary=summary,
                )
    session.flush()
    return result


def _set_periods(session: Session, entity: Entity, rows: list[Row], newest: int) -> int:
    listed = periods(rows, newest)
    changes = store.set_designation_periods(
        session,
        entity,
        list_id=LIST_ID,
        list_name=LIST_NAME,
        periods=[(p.start, p.end, None, _source(session, p.cited)) for p in listed],
    )
    # The fiscal years and the newest year's list a period rests on: a newer edition
    # extends the years and cites its own list.
    for period in listed:
        stored = _stored(entity, period.start)
        if stored is not None:
            stored.list_name = f"{LIST_NAME}, {_years(period)}"
            stored.source = _source(session, period.cited)
    return changes


def _stored(entity: Entity, start: dt.date) -> Designation | None:
    return next((d for d in entity.designations if d.list_id == LIST_ID and d.start == start), None)


def stated_parents(row: Row, listed: dict[str, Entity]) -> list[tuple[str, str]]:
    """(parent name, tie summary) for each parent or host the row itself states."""
    out: list[tuple[str, str]] = []
    dash = _DASH_PARENT.match(row.name)
    comma = _COMMA_PARENT.match(row.name)
    lab = _LAB_HOST.search(row.name)
    if dash:
        out.append((dash["parent"], "The Section 1286 list names it as a unit of this body."))
    elif comma and org_key(comma["parent"]) in listed:
        out.append((comma["parent"], "The Section 1286 list names it as a unit of this body."))
    elif lab:
        host = _S_AND_T.sub("Science and Technology", lab["host"])
        out.append((host, "The Section 1286 list names it as a laboratory at this university."))
    note = _AFFILIATED.match(row.leg.notes or "")
    if note:
        out.append((note["org"], "The Section 1286 list notes that it is affiliated with it."))
    return out


def _entity_for(
    orgs: Organisations, by_key: dict[str, Entity], name: str, source: Source
) -> Entity:
    """A listed institution, else the registry's entity of that name, else a new one."""
    name, acronym = split_trailing_alias(name)
    found = by_key.get(org_key(name))
    if found is None:
        incoming = Incoming(name=name, aliases=unique([acronym]), kind=guess_kind(name))
        found = by_key[org_key(name)] = orgs.upsert(incoming, source).entity
    return found
