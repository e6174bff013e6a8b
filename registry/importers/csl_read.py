"""Read a CSL file, CSV or JSON (told apart by content), into one ``Edition``, and group
its rows into parties. The rows and fields are ``registry.importers.csl_rows``'; the JSON
format is ``registry.importers.csl_json``'s; writing is ``registry.importers.csl``'s."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from registry.errors import BadImportError
from registry.importers.csl_json import read_json
from registry.importers.csl_rows import (
    DIGITS,
    NS_CMIC_SOURCE,
    Edition,
    Entry,
    Link,
    alt_names,
    citations,
    country,
    is_person,
    licence_terms,
    linked_to,
    list_of,
    listed_name,
    names,
    start_date,
)
from registry.importers.lists import org_key, read_table, read_text, tidy, unique

COLUMNS = (
    "source",
    "name",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "source_list_url",
    "alt_names",
)
# Fields that hold a country code for people; kept for parties listed under them.
_PERSON_COUNTRY_FIELDS = ("nationalities", "citizenships")
# A CSV holding at least this many Entity List rows (any country) is a whole CSL
# download, not an extract: the Entity List has had over 1,000 entries since the 2010s
# (2,001 in April 2022), while published extracts hold a few dozen. A whole edition
# closes the periods of parties it no longer holds; an extract closes nothing.
FULL_EDITION_MIN_ENTITY_LIST_ROWS = 1000


def read_csv(path: Path) -> Edition:
    file = str(path)
    header, table = read_table(path, COLUMNS)
    if not table:
        raise BadImportError("no rows after the header", file=file, line=1)
    entries: list[Entry] = []
    links: list[Link] = []
    dates: list[dt.date] = []
    entity_list_rows = 0
    for line, values in table:
        listed = list_of(values["source"])
        start = start_date(values["start_date"], file=file, line=line, field="start_date")
        if start:
            dates.append(start)
        if values["source"].startswith(NS_CMIC_SOURCE):
            links += _links(line, values)
        if listed is None:
            continue
        entity_list_rows += listed == "us-entity-list"
        entries.append(_csv_entry(line, values, listed, start, file=file))
    edition = max(dates).isoformat() if dates else None
    return Edition(
        file=file,
        date=edition,
        full=entity_list_rows >= FULL_EDITION_MIN_ENTITY_LIST_ROWS and edition is not None,
        lists=tuple(unique(e.list_id for e in entries)),
        entries=entries,
        links=links,
        label=f"edition with entries up to {edition}" if edition else "undated extract",
        columns=header,
    )


def _csv_entry(
    line: int, values: dict[str, str], list_id: str, start: dt.date | None, *, file: str
) -> Entry:
    name, others = names(values["name"])
    if not name:
        raise BadImportError("no name", file=file, line=line, field="name")
    people = [c for f in _PERSON_COUNTRY_FIELDS for c in values.get(f, "").split(";")]
    return Entry(
        line=line,
        list_id=list_id,
        name=name,
        aliases=tuple(unique([*others, *alt_names(values["alt_names"])])),
        country=country([values["addresses"]], people),
        citations=citations(values["federal_register_notice"]),
        start=start,
        licence_requirement=licence_terms(values.get("license_requirement", "")),
        licence_policy=licence_terms(values.get("license_policy", "")),
        listed=listed_name(values["name"]),
        programmes=tidy(values.get("programs", "")) or None,
        person=is_person(values.get("type", ""), values["name"], list_id),
    )


def _links(line: int, values: dict[str, str]) -> list[Link]:
    number = values.get("entity_number", "").strip()
    return [
        Link(line=line, entity_number=number, name=tidy(values["name"]), linked_to=other)
        for other in linked_to(values.get("remarks", ""))
    ]


def read(path: Path) -> Edition:
    """Either format, told apart by content: JSON starts with a brace."""
    if read_text(path).lstrip()[:1] in ("{", "["):
        return read_json(path)
    return read_csv(path)


def parse(path: Path) -> list[Entry]:
    """The entries of ``path`` the registry loads (either format): organisations in China
    or Hong Kong, or under a Chinese programme."""
    return [e for e in read(path).entries if e.in_scope]


def group(entries: list[Entry]) -> list[list[Entry]]:
    """One group per party per list (a party may have several rows).

    Rows of one name are one party, unless the file says otherwise: rows that share a
    name but none of its alternate names with its first rows, and either give the
    alternate names of a row of another name (the file's own row for that organisation)
    or state a unit number the name does not ("12th Institute" under the 702 Institute's
    name), are another organisation that the file titles alike. They join that other
    row's party, else form one of their own titled by their first alternate name; the
    shared name stays with the first rows only, never on two organisations. Rows that
    merely list other alternate names (a company's a.k.a.s per address) stay one party.
    """
    groups: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.list_id, org_key(entry.name)), []).append(entry)
    # Every name and alternate name a party's rows give -> that party, per list.
    by_name: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for key, rows in groups.items():
        for row in rows:
            for name in (row.name, *row.aliases):
                by_name.setdefault((key[0], org_key(name)), set()).add(key)
    out: dict[tuple[str, str], list[Entry]] = {}
    moved: list[tuple[tuple[str, str], list[Entry]]] = []
    for key, rows in groups.items():
        parts = _by_alternate_names(key[1], rows)
        out[key] = parts[0]
        moved += [(key, part) for part in parts[1:]]
    for key, part in moved:  # after every party's own rows: its first row names it
        alternates = _alternate_keys(key[1], part)
        elsewhere = {o for a in alternates for o in by_name.get((key[0], a), ()) if o != key}
        if len(elsewhere) == 1:
            (target,) = elsewhere
            name = groups[target][0].name
        elif _other_number(part[0].name, part):
            target = (key[0], f"{key[1]}#{part[0].line}")
            name = next(a for a in part[0].aliases if org_key(a) != key[1])
        else:  # nothing says they are another organisation: the name's party
            out[key].extend(part)
            continue
        out.setdefault(target, []).extend(_retitled(part, key[1], name))
    return [rows for rows in out.values() if rows]


def _alternate_keys(name_key: str, rows: Iterable[Entry]) -> set[str]:
    """The keys of the rows' alternate names other than their (shared) name."""
    return {k for row in rows for a in row.aliases if (k := org_key(a)) and k != name_key}


def _other_number(name: str, rows: list[Entry]) -> bool:
    """The name and the rows' alternate names state unit numbers, none in common."""
    stated = {int(n) for row in rows for a in row.aliases if a != name for n in DIGITS.findall(a)}
    own = {int(n) for n in DIGITS.findall(name)}
    return bool(stated) and bool(own) and not stated & own


def _by_alternate_names(name_key: str, rows: list[Entry]) -> list[list[Entry]]:
    """``rows`` (of one name) in sets that share an alternate name, in file order; a row
    without alternate names goes with the first set."""
    parts: list[tuple[set[str], list[Entry]]] = []
    bare: list[Entry] = []
    for row in rows:
        keys = _alternate_keys(name_key, [row])
        if not keys:
            bare.append(row)
            continue
        touching = [p for p in parts if p[0] & keys]
        merged: tuple[set[str], list[Entry]] = (keys, [row])
        for part in touching:
            parts.remove(part)
            merged = (merged[0] | part[0], part[1] + merged[1])
        parts.append(merged)
    parts.sort(key=lambda p: min(r.line for r in p[1]))
    if not parts:
        return [bare]
    parts[0][1].extend(bare)
    return [sorted(p[1], key=lambda r: r.line) for p in parts]


def _retitled(rows: list[Entry], shared_key: str, name: str) -> list[Entry]:
    """Rows moved off a name they share with another organisation: titled ``name``, the
    shared name gone from their names."""
    return [
        replace(
            row,
            name=name,
            aliases=tuple(a for a in row.aliases if org_key(a) != shared_key),
            listed="",  # the shared name's stated parents are not theirs to read
        )
        for row in rows
    ]
