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
from registry.importers.result import ImportResult
from registry.models import Entity, RelationType, Source
from registry.progress import Progress, silent
from registry.resolution import stated_country

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
    reason: str | None  # why listed, as the latest edition stating one says
    reason_row: Row | None  # the row whose edition gives the reason
    end_reason: str | None  # why removed: the note on the row that closes the period
    first: Row  # the row whose edition states the start


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
    # A note on the row that closes the period ("No apparent U.S. nexus") says why the
    # party was removed; notes on the other rows say why it is listed.
    closing = rows[-1] if end is not None else None
    with_note = [r for r in rows if r.note and r is not closing]
    cited = with_note[-1] if with_note else None
    return Period(
        rows[0].start,
        end,
        cited.note if cited else None,
        cited,
        closing.note if closing else None,
        rows[0],
    )


# --- writing -------------------------------------------------------------------------


class Editions:
    """The file's editions (the start dates its rows carry) and their PDF links, so a
    claim cites the edition that states it even when its own row has no link."""

    def __init__(self, rows: list[Row]) -> None:
        self.urls: dict[dt.date, str | None] = {}
        for row in sorted(rows, key=lambda r: r.url is None):
            self.urls.setdefault(row.start, row.url)

    def source(self, session: Session, day: dt.date | None) -> Source:
        edition = day.isoformat() if day else None
        url = self.urls.get(day) if day else None
        if edition and url:
            return store.get_source(
                session,
                title=PDF_TITLE.format(edition=edition),
                publisher="US Department of Defense",
                url=url,
                published=edition,
            )
        if edition and day in self.urls:
            # No PDF link for this edition in the file: cite the edition as transcribed.
            return store.get_source(
                session,
                title=f"{PDF_TITLE.format(edition=edition)}, as transcribed by OpenSanctions",
                publisher="OpenSanctions",
                url=DATASET_URL,
                published=edition,
            )
        # A date that is no edition of the file (a removal between editions).
        return store.get_source(
            session, title=DATASET_TITLE, publisher="OpenSanctions", url=DATASET_URL
        )


def _source(session: Session, row: Row, editions: Editions) -> Source:
    return editions.source(session, row.start)


def _incoming(rows: list[Row]) -> Incoming:
    newest_first = sorted(rows, key=lambda r: (r.start, r.line), reverse=True)
    names = unique(r.name for r in newest_first)
    others = [n for r in newest_first for n in (*r.previous, *r.aliases)]
    return Incoming(
        name=names[0],
        aliases=unique([*names[1:], *others]),
        # A subsidiary abroad ("Kiekert USA Inc.") keeps the country its name states.
        country=stated_country(names[0], "CN"),
        kind=guess_kind(names[0]),
    )


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    rows = parse(path)  # everything is checked before anything is written
    if not rows:
        raise BadImportError("no organisations in the file", file=str(path))
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    result.edition = max(r.start for r in rows).isoformat()
    orgs = Organisations(session, result, list_ids=[LIST_ID])
    editions = Editions(rows)
    loaded = [
        (org_rows, _load_organisation(session, orgs, org_rows, editions))
        for org_rows in group(rows)
    ]
    by_key = {key: entity for org_rows, entity in loaded for r in org_rows for key in r.name_keys()}
    # Parents after every listed organisation, so a listed parent is found, not created.
    for org_rows, entity in loaded:
        for row in org_rows:
            if row.parent:
                result.relationships += _link_parent(session, orgs, by_key, entity, row, editions)
    session.flush()
    return result


def _load_organisation(
    session: Session, orgs: Organisations, rows: list[Row], editions: Editions
) -> Entity:
    listed = periods(rows)
    incoming = _incoming(rows)
    newest = max(rows, key=lambda r: (r.start, r.line))
    upserted = orgs.upsert(incoming, _source(session, newest, editions))
    changes = store.set_designation_periods(
        session,
        upserted.entity,
        list_id=LIST_ID,
        list_name=LIST_NAME,
        periods=[
            store.Period(
                start=p.start,
                end=p.end,
                reason=p.reason,
                source=editions.source(session, p.start),
                reason_source=(
                    editions.source(session, p.reason_row.start) if p.reason_row else None
                ),
                end_reason=p.end_reason,
                end_source=editions.source(session, p.end) if p.end else None,
            )
            for p in listed
        ],
    )
    orgs.tally(upserted, changes)
    return upserted.entity


def _link_parent(
    session: Session,
    orgs: Organisations,
    by_key: dict[str, Entity],
    entity: Entity,
    row: Row,
    editions: Editions,
) -> bool:
    assert row.parent  # callers check; narrows the type
    source = _source(session, row, editions)
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
            name=name,
            aliases=unique([acronym]),
            country=stated_country(name, "CN"),
            kind=guess_kind(name),
        )
        listed = by_key[org_key(name)] = orgs.upsert(incoming, source).entity
    return listed
