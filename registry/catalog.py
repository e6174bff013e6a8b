"""What each list is: the catalogue of the lists and trackers the registry loads.

One entry per list id (the ``Designation.list_id`` its importer writes), read from
``catalog.yaml`` beside this module. The entries are data, not code, so that a new list is a
new entry: its name, authority, legal basis, what a listing means in one line of our own
words, whether the bundled copy is complete, the data licence, and where its publisher
serves it. What was loaded and when (edition, last import) lives in the database and is
joined to these entries by ``registry.service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

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


def _link(raw: Any, where: str) -> Link:
    if not isinstance(raw, dict) or not raw.get("title") or not raw.get("url"):
        raise RegistryError(f"catalog.yaml: {where} needs a title and a url")
    return Link(title=str(raw["title"]), url=str(raw["url"]))


@cache
def catalog() -> dict[str, ListInfo]:
    """Every list, by id, in the order of the file."""
    text = resources.files("registry").joinpath("catalog.yaml").read_text(encoding="utf-8")
    entries: dict[str, ListInfo] = {}
    for raw in yaml.safe_load(text)["lists"]:
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
        )
        if entries[list_id].completeness not in ("complete", "sample"):
            raise RegistryError(f"catalog.yaml: {list_id}.completeness must be complete or sample")
    return entries


def describe(list_id: str) -> ListInfo | None:
    """The entry for ``list_id``; None for lists only an FtM import knows (``ftm-*``)."""
    return catalog().get(list_id)
