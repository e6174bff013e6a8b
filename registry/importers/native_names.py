"""Load sourced Chinese names (``data/native_names/native_names.csv``) onto known entities.

Each row names an organisation as a list writes it (``listed_name``) and the Chinese
names that one source writes for it: the full name in simplified characters, its
traditional form, and short forms (``华为``, ``腾讯``), with that source's URL, title,
publisher and date. No source, no name: a row without a URL, title and publisher is an
error, and so is a "Chinese" name without a Han character.

A row adds names; it never creates an organisation. It joins the one entity that the
resolver finds for its listed name (same normalised name or strong alias, as every
importer joins). A row that finds none (a list that is not loaded) or several is
reported and skipped: a name on the wrong card is worse than no name. So is a row whose
entity joins two organisations that a reviewed decision keeps apart
(``data/resolution/decisions.yaml``): the row cannot say which of the two it names. Every
name becomes
an alias with ``lang = "zh"`` and its source; an entity without a native name takes the
row's full simplified name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.lists import Organisations, read_table, tidy
from registry.importers.result import ImportResult
from registry.models import Entity
from registry.names.normalize import has_han
from registry.progress import Progress, silent
from registry.resolution import KEEP_APART, load_decisions

SOURCE_ID = "native-names"
COLUMNS = (
    "listed_name",
    "native_name",
    "traditional",
    "short_forms",
    "source_url",
    "source_title",
    "publisher",
    "published",
)
# Short forms are one field: "华为; 華為".
SHORT_FORM_SEPARATOR = ";"
# A short form of this many Han characters or fewer ("华为", "大疆") answers an exact
# query only: two characters are too few to find inside running text or to match
# approximately without naming some other company too.
WEAK_HAN_MAX = 2
_URL = re.compile(r"^https?://\S+$")
# As precise as the source states it: "2024", "2024-02" or "2024-02-01".
_PUBLISHED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Row:
    line: int
    listed_name: str
    native_name: str | None
    traditional: str | None
    short_forms: tuple[str, ...]
    source_url: str
    source_title: str
    publisher: str
    published: str | None

    def names(self) -> list[str]:
        return [n for n in (self.native_name, self.traditional, *self.short_forms) if n]


def parse(path: Path) -> list[Row]:
    """Every row of ``path``, checked before anything is written."""
    file = str(path)
    _, records = read_table(path, COLUMNS)
    return [_row(line, values, file=file) for line, values in records]


def _row(line: int, values: dict[str, str], *, file: str) -> Row:
    def value(column: str) -> str:
        return tidy(values[column])

    def required(column: str) -> str:
        text = value(column)
        if not text:
            raise BadImportError("empty", file=file, line=line, field=column)
        return text

    def chinese(column: str, text: str) -> str:
        if not has_han(text):
            raise BadImportError(
                f"not a Chinese name: {text!r}", file=file, line=line, field=column
            )
        return text

    listed = required("listed_name")
    native = value("native_name") or None
    traditional = value("traditional") or None
    shorts = tuple(
        chinese("short_forms", s)
        for s in (tidy(p) for p in values["short_forms"].split(SHORT_FORM_SEPARATOR))
        if s
    )
    for column, text in (("native_name", native), ("traditional", traditional)):
        if text is not None:
            chinese(column, text)
    if native is None and traditional is None and not shorts:
        raise BadImportError(
            "no Chinese name in the row", file=file, line=line, field="native_name"
        )
    url = required("source_url")
    if not _URL.match(url):
        raise BadImportError(
            f"not a web address: {url!r}", file=file, line=line, field="source_url"
        )
    published = value("published") or None
    if published is not None and not _PUBLISHED.match(published):
        raise BadImportError(
            f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {published!r}",
            file=file,
            line=line,
            field="published",
        )
    return Row(
        line=line,
        listed_name=listed,
        native_name=native,
        traditional=traditional,
        short_forms=shorts,
        source_url=url,
        source_title=required("source_title"),
        publisher=required("publisher"),
        published=published,
    )


def is_weak_han(name: str) -> bool:
    han = [ch for ch in name if has_han(ch)]
    return len(han) <= WEAK_HAN_MAX


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    rows = parse(path)
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    orgs = Organisations(session, result, list_ids=[])
    apart = _kept_apart(orgs)
    touched: set[int] = set()
    with progress("Chinese names", len(rows)) as advance:
        for row in rows:
            entity = _entity(orgs, row, result, apart)
            if entity is not None:
                added = _add_names(session, orgs, entity, row)
                if added:
                    touched.add(entity.id)
                else:
                    result.unchanged += 1
            advance(1)
    result.updated = len(touched)
    session.flush()
    return result


def _kept_apart(orgs: Organisations) -> dict[int, tuple[str, str]]:
    """Entities that hold both names of a reviewed "keep apart" decision (one record for
    two organisations, until resolution splits them), with the two names."""
    out: dict[int, tuple[str, str]] = {}
    for decision in load_decisions():
        if decision.decision != KEEP_APART:
            continue
        first, second = ({e.id for e in orgs.resolver.candidates(name)} for name in decision.names)
        for entity_id in first & second:
            out[entity_id] = decision.names
    return out


def _entity(
    orgs: Organisations, row: Row, result: ImportResult, apart: dict[int, tuple[str, str]]
) -> Entity | None:
    found = orgs.resolver.candidates(row.listed_name)
    where = f"line {row.line}: {row.listed_name!r}"
    if len(found) == 1 and found[0].id in apart:
        first, second = apart[found[0].id]
        result.near_misses.append(
            f"{where} names {found[0].name!r}, which holds both {first!r} and {second!r} that "
            "a reviewed decision keeps apart; skipped"
        )
        return None
    if len(found) == 1:
        return found[0]
    if not found:
        result.near_misses.append(f"{where} names no organisation in the registry; skipped")
    else:
        names = ", ".join(repr(e.name) for e in found)
        result.near_misses.append(f"{where} names {len(found)} organisations ({names}); skipped")
    return None


def _add_names(session: Session, orgs: Organisations, entity: Entity, row: Row) -> int:
    source = store.get_source(
        session,
        title=row.source_title,
        publisher=row.publisher,
        url=row.source_url,
        published=row.published,
    )
    added = 0
    kept_apart = set()
    for name in row.names():
        owner = orgs.resolver.candidates(name)
        if owner and entity not in owner:
            others = ", ".join(repr(e.name) for e in owner)
            orgs.result.near_misses.append(
                f"line {row.line}: {name!r} of {entity.name!r} is already a name of {others}; "
                "kept apart"
            )
            kept_apart.add(name)
            continue
        added += store.add_chinese_name(
            session, entity, name, source=source, weak=is_weak_han(name)
        )
    written = row.native_name or row.traditional
    if entity.native_name is None and written and written not in kept_apart:
        entity.native_name = written
        added += 1
    session.flush()
    orgs.resolver.register(entity, row.names())
    return added
