"""Read OpenSanctions' transcriptions of US statute lists (``datasets/us/special_leg``).

One CSV format serves the DoD Section 1286 lists and the organisations named in NDAA
sections 889, 5949 and 154: ``schema,name,aliases,…,program,…,report-date,start-date,
end-date,country,notes,source_url``. A row belongs to the statute its ``program`` names;
a file of another statute (or another source) is refused at its first foreign row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from registry.errors import BadImportError
from registry.importers.lists import read_rows, split_trailing_alias, tidy, unique

COLUMNS = (
    "schema",
    "name",
    "aliases",
    "program",
    "report-date",
    "start-date",
    "end-date",
    "country",
    "notes",
    "source_url",
)
LICENCE_NOTE = "OpenSanctions transcription (CC BY-NC 4.0): attribute OpenSanctions, non-commercial"
DATASET_URL = "https://www.opensanctions.org/datasets/us_special_leg/"
# Country names as the transcription writes them -> ISO codes.
COUNTRIES = {"china": "CN", "hong kong": "HK", "russia": "RU", "iran": "IR"}


@dataclass(frozen=True)
class LegRow:
    line: int
    name: str
    aliases: tuple[str, ...]
    program: str
    report_date: str
    start_date: str
    end_date: str
    country: str | None
    notes: str | None
    url: str | None


def read(path: Path, program: re.Pattern[str]) -> list[LegRow]:
    """Every row of ``path``; each must name a program matching ``program``."""
    file = str(path)
    table = read_rows(path, COLUMNS)
    rows = []
    for line, values in table:
        if not program.search(values["program"]):
            raise BadImportError(
                f"not a row of this list (program {values['program'][:80]!r})",
                file=file,
                line=line,
                field="program",
            )
        raw = tidy(values["name"])
        if not raw:
            raise BadImportError("no name", file=file, line=line, field="name")
        name, acronym = split_trailing_alias(raw)
        url = values["source_url"].strip()
        if url and not url.startswith(("https://", "http://")):
            raise BadImportError(f"not a URL: {url!r}", file=file, line=line, field="source_url")
        country = values["country"].strip()
        if country and country.casefold() not in COUNTRIES:
            raise BadImportError(
                f"unknown country {country!r}", file=file, line=line, field="country"
            )
        rows.append(
            LegRow(
                line=line,
                name=name,
                aliases=tuple(unique([*values["aliases"].split(";"), acronym])),
                program=tidy(values["program"]),
                report_date=values["report-date"].strip(),
                start_date=values["start-date"].strip(),
                end_date=values["end-date"].strip(),
                country=COUNTRIES.get(country.casefold()) if country else None,
                notes=tidy(values["notes"]) or None,
                url=url or None,
            )
        )
    return rows
