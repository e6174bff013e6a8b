"""Read a FollowTheMoney JSON-lines file (plain export or delta) into checked records:
one ``Record`` per line, its text made inert, its dates checked as published, and the
names a record gives. Written by ``registry.importers.ftm``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson  # several times faster than json here
from followthemoney import ValueEntity, model

from registry.errors import BadImportError
from registry.text import clean_text

OPS = frozenset(["ADD", "MOD", "DEL"])
DATE_FORMAT = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2}(?:T[\d:.]+Z?)?)?)?$")
DELTA_VERSION = re.compile(r"(\d{8})\d{6}-[a-z0-9]+")
MAX_NAME = 500
# Properties that are prose, not names: their line breaks are kept.
_PROSE = frozenset({"reason", "summary", "description", "notes"})


@dataclass(slots=True)
class Record:
    line: int
    op: str
    id: str
    schema: str | None
    data: dict[str, Any]


def read_records(path: Path, advance: Callable[[int], None]) -> Iterator[Record]:
    file = str(path)
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise BadImportError(f"cannot read ({exc})", file=file) from exc
    with stream:
        pending = 0
        for number, raw in enumerate(stream, 1):
            pending += len(raw)
            if pending > 1 << 20:
                advance(pending)
                pending = 0
            if raw.strip():
                yield parse_line(raw, file=file, line=number)
        advance(pending)


def parse_line(raw: bytes, *, file: str, line: int) -> Record:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        # A truncated last line lands here too.
        raise BadImportError(f"not a JSON line ({exc})", file=file, line=line) from exc
    if not isinstance(obj, dict):
        raise BadImportError("expected one JSON object per line", file=file, line=line)
    op = "ADD"
    if "op" in obj:
        op, obj = obj["op"], obj.get("entity")
        if op not in OPS:
            raise BadImportError(f"unknown op {op!r}", file=file, line=line, field="op")
        if not isinstance(obj, dict):
            raise BadImportError("delta line without entity", file=file, line=line, field="entity")
    entity_id = obj.get("id")
    if not isinstance(entity_id, str) or not entity_id or len(entity_id) > 190:
        raise BadImportError("missing or overlong id", file=file, line=line, field="id")
    if op == "DEL":
        return Record(line, op, entity_id, None, obj)
    schema = obj.get("schema")
    if not isinstance(schema, str) or model.get(schema) is None:
        raise BadImportError(f"unknown schema {schema!r}", file=file, line=line, field="schema")
    props = obj.get("properties")
    if not isinstance(props, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in props.values()
    ):
        raise BadImportError(
            "properties must map names to lists of strings",
            file=file,
            line=line,
            field="properties",
        )
    datasets = obj.get("datasets", [])
    if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
        raise BadImportError(
            "datasets must be a list of names", file=file, line=line, field="datasets"
        )
    return Record(line, op, entity_id, schema, _inert(obj))


def _inert(obj: dict[str, Any]) -> dict[str, Any]:
    """The record's text made inert as it is read (``registry.text``): every property
    value, the caption and the dataset names. Prose keeps its line breaks."""
    props = {
        prop: [clean_text(v, multiline=prop in _PROSE) for v in values]
        for prop, values in obj["properties"].items()
    }
    out = {**obj, "properties": props, "datasets": [clean_text(d) for d in obj.get("datasets", [])]}
    if isinstance(obj.get("caption"), str):
        out["caption"] = clean_text(obj["caption"])
    return out


def checked_date(value: str, *, file: str, line: int, field: str) -> str:
    """A FollowTheMoney date as published, checked: "2024", "2024-05", "2024-05-27"."""
    day = value[:10]
    try:
        if DATE_FORMAT.match(value) is None:
            raise ValueError(value)
        # Pad a year or month to a day only to check it; the partial date is what we keep.
        dt.date.fromisoformat(day + {4: "-01-01", 7: "-01", 10: ""}[len(day)])
    except ValueError as exc:
        message = f"not a date: {value!r}"
        raise BadImportError(message, file=file, line=line, field=field) from exc
    return day


def whole_day(value: str | None) -> dt.date | None:
    # Designations hold days; a year or month alone would need an invented day.
    return dt.date.fromisoformat(value) if value and len(value) == 10 else None


def proxy_of(rec: Record) -> ValueEntity:
    # A copy: the constructor pops caption and datasets out of the dict it is given.
    # Not ``cleaned=True``: FollowTheMoney's own cleaning (types, dates, countries) runs.
    return ValueEntity.from_dict(dict(rec.data), cleaned=False)


def record_names(rec: Record, proxy: ValueEntity) -> tuple[str, list[str], list[str]]:
    """(primary, strong names, weak aliases), each at most MAX_NAME characters."""
    names = [n for n in proxy.get("name") if len(n) <= MAX_NAME]
    caption = rec.data.get("caption")
    primary = caption if isinstance(caption, str) and caption else (names[0] if names else "")
    strong = names + proxy.get("alias") + proxy.get("previousName")
    weak = proxy.get("weakAlias") + proxy.get("abbreviation")
    return (
        primary[:MAX_NAME],
        [n for n in dict.fromkeys(strong) if n != primary and len(n) <= MAX_NAME],
        [n for n in dict.fromkeys(weak) if len(n) <= MAX_NAME],
    )


def delta_date(path: Path) -> tuple[dt.date, str | None]:
    match = DELTA_VERSION.search(str(path))
    if match:
        return dt.datetime.strptime(match.group(1), "%Y%m%d").date(), match.group(0)
    return dt.datetime.now(dt.UTC).date(), None
