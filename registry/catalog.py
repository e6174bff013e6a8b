"""What each list is: the catalogue of the lists and trackers the registry loads.

One entry per list id (the ``Designation.list_id`` its importer writes), read from
``catalog.yaml`` beside this module. The entries are data, not code, so that a new list is a
new entry: its name, authority, legal basis, what a listing means in one line of our own
words, whether the bundled copy is complete, the data licence, and where its publisher
serves it. What was loaded and when (edition, last import) lives in the database and is
joined to these entries by ``registry.service``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from registry import yaml_data
from registry.errors import RegistryError


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class ListInfo:
    id: str
    name: str
    short_name: str
    authority: str
    legal_basis: Link
    # What a listing means, in one line of our own words (never the publisher's text).
    effect: str
    # What a user should do about it, where the list implies a step; cited.
    next_step: Link | None
    # "complete": the bundled copy holds every party of its edition (for our scope: China
    # and Hong Kong); "sample": an extract, so absence from it proves nothing.
    completeness: str
    licence: str
    # The publisher's file that ``mcf-bot sync`` fetches (None where no stable URL exists).
    publisher_url: str | None
    # The importer (``mcf-bot import SOURCE``) that reads the publisher's format.
    importer: str
    # A legal list, or a research tracker with no legal effect.
    legal: bool
    # How often the publisher usually changes the list (days) and in words; None for a
    # statute or a tracker that is not re-issued. A copy older than this is stale.
    rhythm_days: int | None = None
    rhythm: str | None = None
    # ``effect`` in a few words, for a short card with several listings (None: use effect).
    effect_short: str | None = None
    # A rating of another list's entries (ASPI's risk rating): shown with that list, never
    # counted as a list of its own.
    rates: str | None = None
    # "fiscal_year": each edition is a fiscal year's list; cards name the years.
    dated_by: str | None = None

    @property
    def brief_effect(self) -> str:
        return self.effect_short or self.effect


def _link(raw: Any, where: str) -> Link:
    if not isinstance(raw, dict) or not raw.get("title") or not raw.get("url"):
        raise RegistryError(f"catalog.yaml: {where} needs a title and a url")
    return Link(title=str(raw["title"]), url=str(raw["url"]))


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("registry").joinpath("catalog.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml_data.load(text)
    return loaded


@cache
def catalog() -> dict[str, ListInfo]:
    """Every list, by id, in the order of the file."""
    entries: dict[str, ListInfo] = {}
    for raw in _raw()["lists"]:
        list_id = raw["id"]
        step = raw.get("next_step")
        entries[list_id] = ListInfo(
            id=list_id,
            name=raw["name"],
            short_name=raw.get("short_name", raw["name"]),
            authority=raw["authority"],
            legal_basis=_link(raw["legal_basis"], f"{list_id}.legal_basis"),
            effect=raw["effect"],
            next_step=_link(step, f"{list_id}.next_step") if step else None,
            completeness=raw["completeness"],
            licence=raw["licence"],
            publisher_url=raw.get("publisher_url"),
            importer=raw["importer"],
            legal=bool(raw.get("legal", True)),
            rhythm_days=int(raw["rhythm_days"]) if raw.get("rhythm_days") else None,
            rhythm=raw.get("rhythm"),
            effect_short=raw.get("effect_short"),
            rates=raw.get("rates"),
            dated_by=raw.get("dated_by"),
        )
        if entries[list_id].completeness not in ("complete", "sample"):
            raise RegistryError(f"catalog.yaml: {list_id}.completeness must be complete or sample")
    return entries


# Environment variables that override a sync file's URL: SYNC_URL_PREFIX + its id.
SYNC_URL_PREFIX = "MCF_SYNC_URL_"


@dataclass(frozen=True)
class SyncFile:
    # Names the file's URL override: MCF_SYNC_URL_<ID> (see ``env_name``).
    id: str
    # The file name the importer reads it under (``cons_alt.csv`` beside ``cons_prim.csv``).
    name: str
    # What the body must look like before any import starts: "csv" or "json".
    format: str
    url: str
    # Read by the importer from beside the first file, not named to it.
    beside: bool = False

    @property
    def env_name(self) -> str:
        return SYNC_URL_PREFIX + re.sub(r"[^A-Z0-9]", "_", self.id.upper())


@dataclass(frozen=True)
class SyncSource:
    """What ``mcf-bot sync`` fetches for one importer run: its files, and the lists they feed."""

    id: str
    importer: str
    lists: tuple[str, ...]
    docs: str
    files: tuple[SyncFile, ...]


_FORMATS = ("csv", "json")


def _sync_file(raw: dict[str, Any], where: str) -> SyncFile:
    fmt = raw.get("format")
    if fmt not in _FORMATS or not raw.get("url") or not raw.get("name") or not raw.get("id"):
        raise RegistryError(
            f"catalog.yaml: {where} needs an id, a name, a url and a format (csv|json)"
        )
    return SyncFile(
        id=str(raw["id"]),
        name=str(raw["name"]),
        format=str(fmt),
        url=str(raw["url"]),
        beside=bool(raw.get("beside", False)),
    )


@cache
def sync_sources() -> dict[str, SyncSource]:
    """Every source ``mcf-bot sync`` fetches, by id, in the order of the file."""
    lists = catalog()
    out: dict[str, SyncSource] = {}
    for raw in _raw()["sources"]:
        source_id = raw["id"]
        files = tuple(_sync_file(f, f"sources.{source_id}.files") for f in raw["files"])
        if not files or files[0].beside or files[0].id != source_id:
            raise RegistryError(
                f"catalog.yaml: sources.{source_id}: the first file is the one named to the "
                "importer and carries the source id"
            )
        unknown = [list_id for list_id in raw["lists"] if list_id not in lists]
        if unknown:
            raise RegistryError(f"catalog.yaml: sources.{source_id} feeds unknown lists {unknown}")
        out[source_id] = SyncSource(
            id=source_id,
            importer=raw["importer"],
            lists=tuple(raw["lists"]),
            docs=str(raw["docs"]),
            files=files,
        )
    return out


@dataclass(frozen=True)
class NotHeld:
    """A well-known list the registry does not hold (``catalog.yaml``, ``not_held``)."""

    id: str
    short_name: str


@cache
def not_held() -> tuple[NotHeld, ...]:
    return tuple(
        NotHeld(id=str(raw["id"]), short_name=str(raw["short_name"]))
        for raw in _raw().get("not_held") or ()
    )


def describe(list_id: str) -> ListInfo | None:
    """The entry for ``list_id``; None for lists only an FtM import knows (``ftm-*``)."""
    return catalog().get(list_id)


@dataclass(frozen=True)
class OwnershipRule:
    """A rule that reaches organisations a listed party owns (``rules:`` of catalog.yaml).

    Its status is what an operator last confirmed, with the date and the document that
    says so: data, never code, so that a suspension or a return is an edit of the file.
    """

    id: str
    name: str
    authority: str
    applies_to: tuple[str, ...]  # list ids whose parties' owned organisations it reaches
    effect: str  # our own words
    source: Link
    status: str
    status_date: str  # YYYY-MM-DD
    status_source: Link
    # The date the recorded status is due to change (a suspension's end), if any.
    status_until: str | None = None
    status_note: str | None = None

    def stale(self, today: str) -> bool:
        """The recorded status was due to change by ``today`` (YYYY-MM-DD)."""
        return self.status_until is not None and today >= self.status_until


def _date(raw: Any, where: str) -> str:
    text = str(raw or "")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise RegistryError(f"catalog.yaml: {where} must be a date (YYYY-MM-DD)")
    return text


@cache
def rules() -> tuple[OwnershipRule, ...]:
    """Every ownership rule, in the order of the file."""
    out = []
    for raw in _raw().get("rules") or ():
        rule_id = str(raw.get("id") or "")
        where = f"rules.{rule_id or '?'}"
        missing = [k for k in ("id", "name", "effect", "status", "applies_to") if not raw.get(k)]
        if missing:
            raise RegistryError(f"catalog.yaml: {where} needs {', '.join(missing)}")
        until = raw.get("status_until")
        out.append(
            OwnershipRule(
                id=rule_id,
                name=str(raw["name"]),
                authority=str(raw.get("authority") or ""),
                applies_to=tuple(str(x) for x in raw["applies_to"]),
                effect=" ".join(str(raw["effect"]).split()),
                source=_link(raw.get("source"), f"{where}.source"),
                status=str(raw["status"]),
                status_date=_date(raw.get("status_date"), f"{where}.status_date"),
                status_source=_link(raw.get("status_source"), f"{where}.status_source"),
                status_until=_date(until, f"{where}.status_until") if until else None,
                status_note=str(raw["status_note"]) if raw.get("status_note") else None,
            )
        )
    return tuple(out)


def rules_for(list_ids: Iterable[str]) -> tuple[OwnershipRule, ...]:
    """The ownership rules that reach what parties on any of ``list_ids`` own."""
    ids = set(list_ids)
    return tuple(r for r in rules() if ids.intersection(r.applies_to))


# The years a fiscal-year list's importer puts at the end of its list name.
_YEARS = re.compile(r", (FY\d{4}(?:–FY\d{4})?)$")


def fiscal_years(list_name: str, info: ListInfo | None) -> str | None:
    """A fiscal-year list's years ("FY2022–FY2025"), as its importer names them in the
    list name; None for a list dated by day."""
    if info is None or info.dated_by != "fiscal_year":
        return None
    found = _YEARS.search(list_name)
    return found.group(1) if found else None


def years_lists(years: str) -> str:
    """ "FY2022–FY2025 lists", "FY2024 list": a fiscal-year listing in words, never as a
    day no publisher stated."""
    return f"{years} list{'s' if '–' in years else ''}"
