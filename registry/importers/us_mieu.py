"""Load the BIS Military-Intelligence End-User (MIEU) list, parties in China and Hong Kong,
from OpenSanctions' transcription (``Type,Name,Alias,Country,...,Date,End date,Source
URL``; the CSL does not carry this list).

15 CFR 744.22 names the military-intelligence end users in the regulation itself, so the
regulation is each listing's source; the Federal Register rule that added the party (the
row's ``Source URL``) is cited beside it. Other countries' rows are counted as out of
scope: this registry is about China.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.lists import (
    Incoming,
    Organisations,
    guess_kind,
    read_table,
    tidy,
    unique,
)
from registry.importers.result import ImportResult
from registry.models import Source
from registry.progress import Progress, silent

SOURCE_ID = "us-mieu"
LIST_ID = "us-mieu"
LIST_NAME = "US Commerce Military-Intelligence End-User List"
COLUMNS = ("Type", "Name", "Alias", "Country", "Date", "End date", "Source URL")
REGULATION_TITLE = (
    "15 CFR 744.22, military-intelligence end users (Export Administration Regulations)"
)
REGULATION_URL = (
    "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/part-744/"
    "section-744.22"
)
PUBLISHER = "US Department of Commerce, Bureau of Industry and Security"
FR_PUBLISHER = "Federal Register (US Department of Commerce, Bureau of Industry and Security)"
SCOPE = frozenset({"CN", "HK"})


def _date(value: str, *, file: str, line: int, field: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise BadImportError(f"not a date: {value!r}", file=file, line=line, field=field) from exc


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    file = str(path)
    header, table = read_table(path, COLUMNS)  # checked whole before anything is written
    rows = []
    for line, values in table:
        name = tidy(values["Name"])
        if not name:
            raise BadImportError("no name", file=file, line=line, field="Name")
        start = _date(values["Date"], file=file, line=line, field="Date")
        end = _date(values["End date"], file=file, line=line, field="End date")
        rows.append((line, values, name, start, end))
    result = ImportResult(
        source=SOURCE_ID,
        files=[file],
        rows={LIST_ID: len(rows)},
        columns=header,
        format="csv",
    )
    dates = [d for *_, start, end in rows for d in (start, end) if d]
    result.edition = max(dates).isoformat() if dates else None
    persons = sum(1 for _, v, *_ in rows if v["Type"].strip() == "Person" and v["Country"] in SCOPE)
    if persons:
        result.out_of_scope = {LIST_ID: persons}
    orgs = Organisations(session, result, list_ids=[LIST_ID])
    regulation = store.get_source(
        session, title=REGULATION_TITLE, publisher=PUBLISHER, url=REGULATION_URL
    )
    for _line, values, name, start, end in rows:
        country = values["Country"].strip().upper()
        if country not in SCOPE or values["Type"].strip() == "Person":
            continue
        incoming = Incoming(
            name=name,
            aliases=unique(a.strip() for a in values["Alias"].split(";")),
            country=country,
            kind=guess_kind(name),
        )
        entity = orgs.designate(
            incoming,
            regulation,
            list_id=LIST_ID,
            list_name=LIST_NAME,
            periods=[(start, end, None, regulation)],
        )
        rule = _rule(session, values["Source URL"].strip())
        if rule is not None:
            for designation in entity.designations:
                if designation.list_id == LIST_ID and rule not in designation.citations:
                    designation.citations.append(rule)
    session.flush()
    return result


def _rule(session: Session, url: str) -> Source | None:
    """The Federal Register rule that added the party, where the row links it."""
    if not url.startswith("https://www.federalregister.gov/"):
        return None
    return store.get_source(
        session,
        title="Federal Register rule adding the party to 15 CFR 744.22",
        publisher=FR_PUBLISHER,
        url=url,
    )
