"""Load the organisations named in NDAA sections 889, 5949 and 154 (OpenSanctions
transcriptions of the statutes, one file per section).

Each row names one organisation; it becomes (or joins, through the registry's resolver)
one entity with a designation on the section's list, cited to the public law. The
designation starts on the date the prohibition takes effect where the file states it
(s.154: 1 October 2027, a future start that cards show as "from"), else on the day the
act was enacted (printed on the public law the row links to).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.lists import Incoming, Organisations, guess_kind, registered_names
from registry.importers.result import ImportResult
from registry.importers.special_leg import read
from registry.models import Source
from registry.progress import Progress, silent

SOURCE_ID = "us-ndaa"
PUBLISHER = "United States Congress"


@dataclass(frozen=True)
class Section:
    list_id: str
    list_name: str
    law: str
    # Enactment date of the act, as printed on the public law.
    enacted: dt.date


# The program column -> the section. A new section is a new entry here and in catalog.yaml.
SECTIONS = {
    "889": Section(
        "us-ndaa-889",
        "US NDAA FY2019 section 889 (telecommunications and video surveillance)",
        "Public Law 115-232 (John S. McCain NDAA for Fiscal Year 2019)",
        dt.date(2018, 8, 13),
    ),
    "5949": Section(
        "us-ndaa-5949",
        "US NDAA FY2023 section 5949 (semiconductors)",
        "Public Law 117-263 (James M. Inhofe NDAA for Fiscal Year 2023)",
        dt.date(2022, 12, 23),
    ),
    "154": Section(
        "us-ndaa-154",
        "US NDAA FY2024 section 154 (DoD battery procurement)",
        "Public Law 118-31 (NDAA for Fiscal Year 2024)",
        dt.date(2023, 12, 22),
    ),
}
PROGRAM = re.compile(r"\bSection (?P<section>889|5949|154) of\b")
_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y")


def _date(value: str, *, file: str, line: int, field: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise BadImportError(f"not a date: {value!r}", file=file, line=line, field=field)


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    file = str(path)
    rows = read(path, PROGRAM)
    parsed = []
    for row in rows:
        match = PROGRAM.search(row.program)
        assert match is not None  # read() checked every row
        section = SECTIONS[match["section"]]
        start = _date(row.start_date, file=file, line=row.line, field="start-date")
        if start is None:
            start = section.enacted
        if row.url is None:
            raise BadImportError("no public law URL", file=file, line=row.line, field="source_url")
        parsed.append((row, section, start))
    result = ImportResult(source=SOURCE_ID, files=[file])
    result.edition = ", ".join(sorted({f"s.{s.list_id.rsplit('-', 1)[-1]}" for _, s, _ in parsed}))
    orgs = Organisations(session, result, list_ids=[s.list_id for s in SECTIONS.values()])
    for row, section, start in parsed:
        assert row.url is not None  # checked above
        source = _source(session, section, row.url)
        incoming = Incoming(
            name=row.name,
            aliases=list(row.aliases),
            country=row.country,
            kind=guess_kind(row.name),
            lookup=registered_names(row.name),
        )
        orgs.designate(
            incoming,
            source,
            list_id=section.list_id,
            list_name=section.list_name,
            periods=[(start, None, None, source)],
        )
    session.flush()
    return result


def _source(session: Session, section: Section, url: str) -> Source:
    return store.get_source(
        session,
        title=section.law,
        publisher=PUBLISHER,
        url=url,
        published=section.enacted.isoformat(),
    )
