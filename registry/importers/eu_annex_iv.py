"""Load the parties in China and Hong Kong from Annex IV of EU Council Regulation
833/2014 (OpenSanctions' consolidation of the regulation, one row per annex entry).

Annex IV lists end users that support Russia's military-industrial complex; exports of
dual-use and advanced technology to them are restricted. Only Annex IV rows are read,
and of those only parties with an address (or jurisdiction) in the PRC or Hong Kong:
this registry is about China. Each becomes a designation dated by the row's listing
date (``startDate``, day.month.year), cited to the regulation on EUR-Lex.
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
    split_trailing_alias,
    tidy,
    unique,
)
from registry.importers.result import ImportResult
from registry.models import Source
from registry.progress import Progress, silent

SOURCE_ID = "eu-annex-iv"
LIST_ID = "eu-833-annex-iv"
LIST_NAME = "EU Regulation 833/2014 Annex IV (end users supporting Russia's military)"
CELEX = "32014R0833"
COLUMNS = ("celex", "annex", "startDate", "schema", "name", "alias", "address", "jurisdiction")
SOURCE_TITLE = "Council Regulation (EU) No 833/2014, Annex IV (consolidated)"
SOURCE_URL = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32014R0833"
PUBLISHER = "Council of the European Union"
_HONG_KONG = re.compile(r"\bHong Kong\b|\bKowloon\b", re.IGNORECASE)
_MAINLAND = re.compile(r"People['’]s Republic of China|\bP\.?R\.? ?China\b|,\s*China\b", re.I)
_CHINESE_CITY = re.compile(r"\b(?:Shenzhen|Guangzhou|Beijing|Shanghai)\s*$")


def country_of(address: str, jurisdiction: str) -> str | None:
    """CN or HK when an address of the party (or its jurisdiction) is there."""
    text = f"{address} ; {jurisdiction}"
    if _MAINLAND.search(text) or _CHINESE_CITY.search(address.strip()):
        return "CN"
    if _HONG_KONG.search(text):
        return "HK"
    return None


def parse(path: Path) -> list[tuple[int, Incoming, dt.date | None]]:
    file = str(path)
    table = read_rows(path, COLUMNS)
    out = []
    for line, values in table:
        if values["celex"].strip() != CELEX:
            raise BadImportError(
                f"not Regulation 833/2014 (CELEX {values['celex']!r})",
                file=file,
                line=line,
                field="celex",
            )
        if values["annex"].strip() != "IV" or values["schema"].strip() == "Vessel":
            continue
        country = country_of(values["address"], values["jurisdiction"])
        if country is None:
            continue
        raw = tidy(values["name"])
        if not raw:
            raise BadImportError("no name", file=file, line=line, field="name")
        name, acronym = split_trailing_alias(raw)
        start = None
        if values["startDate"].strip():
            try:
                start = dt.datetime.strptime(values["startDate"].strip(), "%d.%m.%Y").date()
            except ValueError as exc:
                raise BadImportError(
                    f"not a date: {values['startDate']!r}", file=file, line=line, field="startDate"
                ) from exc
        aliases = unique([*values["alias"].split(";"), acronym])
        out.append(
            (
                line,
                Incoming(name=name, aliases=aliases, country=country, kind=guess_kind(name)),
                start,
            )
        )
    return out


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    rows = parse(path)  # everything is checked before anything is written
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    dates = [start for *_, start in rows if start]
    result.edition = max(dates).isoformat() if dates else None
    orgs = Organisations(session, result, list_ids=[LIST_ID])
    source = _source(session)
    for _line, incoming, start in rows:
        orgs.designate(
            incoming,
            source,
            list_id=LIST_ID,
            list_name=LIST_NAME,
            periods=[(start, None, None, source)],
        )
    session.flush()
    return result


def _source(session: Session) -> Source:
    return store.get_source(session, title=SOURCE_TITLE, publisher=PUBLISHER, url=SOURCE_URL)
