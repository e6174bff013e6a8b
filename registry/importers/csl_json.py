"""Read the Entity List as trade.gov's Consolidated Screening List API serves it (JSON).

The shape: ``{"entities": [{"name", "alternateNames", "addresses",
"federalRegisterCitation", "effectiveDate", "licenseRequirement", "licenseReviewPolicy",
"entityType", ...}], "count": N, "lastUpdate": "2025-11-08T..."}``, every row of the
Entity List. ``country`` is always "Unknown" (the country is read from the addresses) and
``listingReason`` is a placeholder: neither is used. ``alternateNames`` arrives cut at
every ", " of trade.gov's own "A, Ltd.; B" string, so its pieces are joined back before
the names are split at ";". The file is a whole edition when ``count`` says it holds
every row; its date is ``lastUpdate``. Written by ``registry.importers.csl``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from registry.errors import BadImportError
from registry.importers.csl_rows import (
    Edition,
    Entry,
    alt_names,
    citations,
    country,
    is_person,
    licence_terms,
    list_of,
    listed_name,
    names,
    start_date,
)
from registry.importers.lists import read_text, tidy, unique
from registry.models import EntityKind

LIST_ID = "us-entity-list"
REQUIRED = ("name", "addresses", "federalRegisterCitation", "effectiveDate")
# The API's snake_case spellings of the same fields (``/consolidated_screening_list/v1/
# search``): read as the camelCase ones.
_SNAKE = {
    "federal_register_notice": "federalRegisterCitation",
    "start_date": "effectiveDate",
    "alt_names": "alternateNames",
    "license_requirement": "licenseRequirement",
    "license_policy": "licenseReviewPolicy",
}
_KINDS = {"government": EntityKind.GOVERNMENT_BODY}


def read_json(path: Path) -> Edition:
    file = str(path)
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadImportError(f"malformed JSON ({exc.msg})", file=file, line=exc.lineno) from exc
    if isinstance(data, dict) and "entities" not in data and isinstance(data.get("results"), list):
        # The search API's shape: {"total": N, "results": [...]} in snake_case.
        data = {**data, "entities": data["results"], "count": data.get("total")}
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise BadImportError(
            "not the Consolidated Screening List's JSON (no list of entities)",
            file=file,
            field="entities",
        )
    rows = data["entities"]
    if not rows:
        raise BadImportError("no entities", file=file, field="entities")
    lines = _row_lines(text, len(rows))
    read = [_entry(row, i, lines[i], file=file) for i, row in enumerate(rows)]
    entries = [e for e in read if e is not None]
    date = _edition_date(data.get("lastUpdate"), file=file)
    count = data.get("count")
    columns = sorted({key for row in rows if isinstance(row, dict) for key in row})
    return Edition(
        file=file,
        date=date,
        full=date is not None and count == len(rows),
        lists=tuple(unique(e.list_id for e in entries)) or (LIST_ID,),
        entries=entries,
        label=f"edition of {date}" if date else "undated extract",
        columns=columns,
        format="json",
    )


def _row_lines(text: str, n: int) -> list[int]:
    """The line each row starts on, for error messages; the row's number when the file
    puts several rows on one line."""
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "{"]
    return starts[1 : n + 1] if len(starts) > n else list(range(1, n + 1))


def _entry(row: Any, index: int, line: int, *, file: str) -> Entry | None:
    """The row as an entry of its list; None for a list the registry does not load. The
    API's rows name their list in ``source``; the Entity List's own download does not."""
    where = f"entities[{index}]"
    if not isinstance(row, dict):
        raise BadImportError(f"{where} is not an object", file=file, line=line)
    named = row.get("source")
    list_id = list_of(named) if isinstance(named, str) and named.strip() else LIST_ID
    if list_id is None:
        return None
    row = _camel(row)
    for key in REQUIRED:
        if key not in row:
            raise BadImportError(f"{where} has no {key!r}", file=file, line=line, field=key)
    raw = _text(row, "name", where, file, line)
    name, others = names(raw)
    if not name:
        raise BadImportError(f"{where} has no name", file=file, line=line, field="name")
    addresses = _strings(row, "addresses", where, file, line)
    alternates = _strings(row, "alternateNames", where, file, line)
    programmes = row.get("programs")
    programme_text = (
        "; ".join(p for p in programmes if isinstance(p, str))
        if isinstance(programmes, list)
        else (programmes if isinstance(programmes, str) else "")
    )
    return Entry(
        line=line,
        list_id=list_id,
        name=name,
        aliases=tuple(unique([*others, *alt_names(", ".join(alternates))])),
        country=country(addresses),
        citations=citations(_text(row, "federalRegisterCitation", where, file, line)),
        start=start_date(
            _text(row, "effectiveDate", where, file, line),
            file=file,
            line=line,
            field="effectiveDate",
        ),
        licence_requirement=licence_terms(_text(row, "licenseRequirement", where, file, line)),
        licence_policy=licence_terms(_text(row, "licenseReviewPolicy", where, file, line)),
        kind=_KINDS.get(str(row.get("entityType", "")).casefold()),
        listed=listed_name(raw),
        programmes=tidy(programme_text) or None,
        person=is_person(str(row.get("type") or ""), raw, list_id),
    )


def _camel(row: dict[str, Any]) -> dict[str, Any]:
    """The search API's snake_case row as the download's camelCase one; its addresses
    (objects with ``address``, ``city``, ``country``) as "street, city, CC" strings."""
    out = {_SNAKE.get(k, k): v for k, v in row.items()}
    addresses = out.get("addresses")
    if isinstance(addresses, list) and any(isinstance(a, dict) for a in addresses):
        out["addresses"] = [
            ", ".join(
                str(a.get(k) or "").strip()
                for k in ("address", "city", "state", "postal_code", "country")
                if str(a.get(k) or "").strip()
            )
            if isinstance(a, dict)
            else a
            for a in addresses
        ]
    if any(k in row for k in _SNAKE):  # the search API leaves empty fields out
        for key in ("federalRegisterCitation", "effectiveDate"):
            out.setdefault(key, "")
    return out


def _text(row: dict[str, Any], key: str, where: str, file: str, line: int) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadImportError(f"{where}.{key} is not text", file=file, line=line, field=key)
    return value


def _strings(row: dict[str, Any], key: str, where: str, file: str, line: int) -> list[str]:
    value = row.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadImportError(
            f"{where}.{key} is not a list of text", file=file, line=line, field=key
        )
    return value


def _edition_date(value: Any, *, file: str) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError as exc:
        raise BadImportError(f"not a date: {value!r}", file=file, field="lastUpdate") from exc
