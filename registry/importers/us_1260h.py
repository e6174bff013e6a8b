"""Load the US DoD Section 1260H list as transcribed by OpenSanctions.

The file has one row per organisation per list edition (2021-06-03 ... 2026-06-08).
An organisation's rows become listing periods: sorted by start date, a row opens a
period when none is open, a row's end date closes it, and a later row opens a new one
(a relisting). ``store.set_designation_periods`` then writes only what differs from the
registry, so a re-import changes nothing and a newer edition writes its differences.

Rows of one organisation are found by normalised name, previous name ("formerly ...")
and full-name alias ("also known as ..."); acronyms never join two rows, because "CNOOC"
names both the group and its listed subsidiary.
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
    parse_date,
    read_table,
    split_trailing_alias,
    tidy,
    union_groups,
    unique,
)
from registry.importers.progress import Progress, silent
from registry.importers.result import ImportResult
from registry.models import Entity, RelationType, Source

SOURCE_ID = "us-1260h"
LIST_ID = "us-1260h"
LIST_NAME = "US DoD Section 1260H list (Chinese military companies)"
COLUMNS = (
    "Name",
    "Clean Name",
    "Alias",
    "Previous Name",
    "Parent Name",
    "Note",
    "Start date",
    "End date",
    "Source Url",
)
PDF_TITLE = (
    "Entities Identified as Chinese Military Companies Operating in the United States "
    "(Section 1260H), {edition}"
)
DATASET_TITLE = "US DoD Chinese military companies list (1260H), as transcribed by OpenSanctions"
DATASET_URL = "https://www.opensanctions.org/datasets/us_dod_chinese_milcorps/"
# "Knownsec,Beijing Kownsec": a comma without a space separates aliases; "Co., Ltd." stays.
_ALIAS_SEP = re.compile(r",(?=\S)")


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    aliases: tuple[str, ...]
    previous: tuple[str, ...]
    parent: str | None
    note: str | None
    start: dt.date
    end: dt.date | None
    url: str | None

    def name_keys(self) -> set[str]:
        """Name keys that identify this row's organisation (other names: never acronyms)."""
        others = [n for n in (*self.previous, *self.aliases) if not is_weak(n)]
        keys = {org_key(n) for n in (self.name, *others)} - {""}
        return keys or {self.name.casefold()}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date | None
    reason: str | None
    cited: Row  # the row whose edition backs the period (and its reason)


# --- parsing -------------------------------------------------------------------------


def parse(path: Path) -> list[Row]:
    _, table = read_table(path, COLUMNS)
    return [_row(line, values, file=str(path)) for line, values in table]


def _row(line: int, values: dict[str, str], *, file: str) -> Row:
    raw_name = values["Clean Name"].strip() or values["Name"].strip().rstrip("*")
    if not raw_name:
        raise BadImportError("no name", file=file, line=line, field="Clean Name")
    name, bracketed = split_trailing_alias(raw_name)
    start = parse_date(values["Start date"], file=file, line=line, field="Start date")
    if start is None:
        raise BadImportError("no start date", file=file, line=line, field="Start date")
    end = parse_date(values["End date"], file=file, line=line, field="End date")
    if end is not None and end < start:
        raise BadImportError(
            f"end date {end} before start date {start}", file=file, line=line, field="End date"
        )
    url = values["Source Url"].strip()
    if url and not url.startswith(("https://", "http://")):
        raise BadImportError(f"not a URL: {url!r}", file=file, line=line, field="Source Url")
    aliases = [*_ALIAS_SEP.split(values["Alias"]), bracketed]
    parent = tidy(values["Parent Name"]) or None
    return Row(
        line=line,
        name=name,
        aliases=tuple(unique(aliases)),
        previous=tuple(unique(values["Previous Name"].split(";"))),
        parent=parent,
        note=tidy(values["Note"]) or None,
        start=start,
        end=end,
        url=url or None,
    )


def group(rows: list[Row]) -> list[list[Row]]:
    """Rows per organisation: rows sharing any identifying name key."""
    return union_groups(rows, Row.name_keys)


def periods(rows: list[Row]) -> list[Period]:
    """Listing periods of one organisation, oldest first."""
    out: list[Period] = []
    current: list[Row] = []
    # Same-day rows: open ones first, so an end date on that day closes the period.
    for row in sorted(rows, key=lambda r: (r.start, r.end is not None, r.line)):
        if not current and out and _inside(row, out[-1]):
            continue  # a duplicate of a period already closed
        current.append(row)
        if row.end is not None:
            out.append(_period(current, row.end))
            current = []
    if current:
        out.append(_period(current, None))
    return out


def _inside(row: Row, closed: Period) -> bool:
    return row.start == closed.start or (closed.end is not None and row.start < closed.end)


def _period(rows: list[Row], end: dt.date | None) -> Period:
    with_note = [r for r in rows if r.note]
    cited = with_note[-1] if with_note else rows[0]
    return Period(rows[0].start, end, cited.note, cited)


# --- writing -------------------------------------------------------------------------


def _source(session: Session, row: Row) -> Source:
    if row.url:
        edition = row.start.isoformat()
        return store.get_source(
            session,
            title=PDF_TITLE.format(edition=edition),
            publisher="US Department of Defense",
            url=row.url,
            published=edition,
        )
    # No PDF link on the row: the transcription is what we actually read.
    return store.get_source(
        session, title=DATASET_TITLE, publisher="OpenSanctions", url=DATASET_URL
    )


def _incoming(rows: list[Row]) -> Incoming:
    newest_first = sorted(rows, key=lambda r: (r.start, r.line), reverse=True)
    names = unique(r.name for r in newest_first)
    others = [n for r in newest_first for n in (*r.previous, *r.aliases)]
    return Incoming(
        name=names[0],
        aliases=unique([*names[1:], *others]),
        country="CN",
        kind=guess_kind(names[0]),
    )


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    rows = parse(path)  # everything is checked before anything is written
    if not rows:
        raise BadImportError("no organisations in the file", file=str(path))
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    result.edition = max(r.start for r in rows).isoformat()
    orgs = Organisations(session, result, list_ids=[LIST_ID])
    loaded = [(org_rows, _load_organisation(session, orgs, org_rows)) for org_rows in group(rows)]
    by_key = {key: entity for org_rows, entity in loaded for r in org_rows for key in r.name_keys()}
    # Parents after every listed organisation, so a listed parent is found, not created.
    for org_rows, entity in loaded:
        for row in org_rows:
            if row.parent:
                result.relationships += _link_parent(session, orgs, by_key, entity, row)
    session.flush()
    return result


def _load_organisation(session: Session, orgs: Organisations, rows: list[Row]) -> Entity:
    listed = periods(rows)
    incoming = _incoming(rows)
    upserted = orgs.upsert(incoming, _source(session, listed[-1].cited))
    changes = store.set_designation_periods(
        session,
        upserted.entity,
        list_id=LIST_ID,
        list_name=LIST_NAME,
        periods=[(p.start, p.end, p.reason, _source(session, p.cited)) for p in listed],
    )
    orgs.tally(upserted, changes)
    return upserted.entity


def _link_parent(
    session: Session, orgs: Organisations, by_key: dict[str, Entity], entity: Entity, row: Row
) -> bool:
    assert row.parent  # callers check; narrows the type
    source = _source(session, row)
    parent = _parent_entity(session, orgs, by_key, row.parent, source)
    if parent is entity:
        return False
    return store.add_relationship(
        session, entity, parent, RelationType.SUBSIDIARY_OF, sources=[source]
    )


def _parent_entity(
    session: Session, orgs: Organisations, by_key: dict[str, Entity], parent: str, source: Source
) -> Entity:
    """The parent as listed in this file, else as the registry knows it, else new."""
    name, acronym = split_trailing_alias(parent)
    listed = by_key.get(org_key(name))
    if listed is None:
        incoming = Incoming(
            name=name, aliases=unique([acronym]), country="CN", kind=guess_kind(name)
        )
        listed = by_key[org_key(name)] = orgs.upsert(incoming, source).entity
    return listed
