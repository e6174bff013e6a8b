"""Load the FCC Covered List (the FCC's own table, as OpenSanctions stores it).

The table has one row per covered item: a description of the equipment or service and
the date it was added. A row that names who produces or provides it ("… produced by
Huawei Technologies Company, including …") gives a designation to that organisation,
dated by the row; rows that cover a whole class of product ("produced in a foreign
country") name nobody and are counted, not loaded. The description is the FCC's text
and is not stored; the catalogue says what a listing means.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.lists import (
    Incoming,
    Organisations,
    guess_kind,
    read_rows,
    registered_names,
    tidy,
)
from registry.importers.result import ImportResult
from registry.models import Entity, RelationType, Source
from registry.progress import Progress, silent

SOURCE_ID = "fcc-covered"
LIST_ID = "us-fcc-covered"
LIST_NAME = "US FCC Covered List (communications equipment and services)"
COLUMNS = ("covered_equipment_or_services", "date_of_inclusion_on_covered_list")
SOURCE_TITLE = "List of Equipment and Services Covered By Section 2 of The Secure Networks Act"
SOURCE_URL = "https://www.fcc.gov/supplychain/coveredlist"
PUBLISHER = "Federal Communications Commission"

# "produced by X", "provided by X", "supplied, directly or indirectly, by X".
_BY = re.compile(r"\b(?:produced|provided|supplied)(?:,[^,]*,)? by (?P<who>.+)$")
# Where the organisation's name stops.
_NAME_END = re.compile(
    r",? (?:including|or any of its|subject to|to the extent|and its wholly-owned subsidiary)\b"
    r"|,? (?:or|and) its\b|\.$"
)
_SUBSIDIARY = re.compile(r"\band its wholly-owned subsidiary (?P<sub>.+?)(?:,? subject to\b|\.$)")
# "such entity": a reference back, not a name.
_NOT_A_NAME = re.compile(r"^(?:such|the|a|an) ", re.IGNORECASE)
# The first date of the cell; later "Updated:" dates amend the same entry.
_FIRST_DATE = re.compile(r"^[A-Z][a-z]+ \d{1,2}, \d{4}")


def named(description: str) -> tuple[str | None, str | None]:
    """(organisation, its named subsidiary) a row's description names, if any."""
    text = tidy(description)
    match = _BY.search(text)
    if match is None:
        return None, None
    who = match["who"]
    end = _NAME_END.search(who)
    name = who[: end.start()] if end else who
    name = name.strip(" ,")
    if not name or _NOT_A_NAME.match(name):
        return None, None
    sub = _SUBSIDIARY.search(who)
    return name, sub["sub"].strip(" ,") if sub else None


def parse(path: Path) -> tuple[list[tuple[int, str, str | None, dt.date]], int]:
    """(line, organisation, subsidiary, date) per named organisation, and the number of
    rows that name none."""
    file = str(path)
    table = read_rows(path, COLUMNS)
    out, unnamed = [], 0
    for line, values in table:
        raw_date = values["date_of_inclusion_on_covered_list"].strip()
        first = _FIRST_DATE.match(raw_date)
        if first is None:
            raise BadImportError(
                f"not a date: {raw_date[:40]!r}",
                file=file,
                line=line,
                field="date_of_inclusion_on_covered_list",
            )
        when = dt.datetime.strptime(first.group(0), "%B %d, %Y").date()
        if not values["covered_equipment_or_services"].strip():
            raise BadImportError(
                "empty description", file=file, line=line, field="covered_equipment_or_services"
            )
        name, sub = named(values["covered_equipment_or_services"])
        if name is None:
            unnamed += 1
            continue
        out.append((line, name, sub, when))
    return out, unnamed


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    rows, _unnamed = parse(path)  # everything is checked before anything is written
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    result.edition = max(when for *_, when in rows).isoformat() if rows else None
    orgs = Organisations(session, result, list_ids=[LIST_ID])
    source = _source(session)
    for _line, name, sub, when in rows:
        entity = _designate(session, orgs, name, when, source)
        if sub is not None:
            child = _designate(session, orgs, sub, when, source)
            result.relationships += store.add_relationship(
                session, child, entity, RelationType.SUBSIDIARY_OF, sources=[source]
            )
    session.flush()
    return result


def _designate(
    session: Session, orgs: Organisations, name: str, when: dt.date, source: Source
) -> Entity:
    incoming = Incoming(name=name, kind=guess_kind(name), lookup=registered_names(name))
    return orgs.designate(
        incoming, source, list_id=LIST_ID, list_name=LIST_NAME, periods=[(when, None, None, source)]
    )


def _source(session: Session) -> Source:
    return store.get_source(session, title=SOURCE_TITLE, publisher=PUBLISHER, url=SOURCE_URL)
