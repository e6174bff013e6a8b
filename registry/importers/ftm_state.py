"""What one FollowTheMoney import holds while it runs, shared by the entity writer
(``registry.importers.ftm_entities``) and the tie and sanction writer
(``registry.importers.ftm_links``): the registry ids of the records seen, the sources
cited, the identifiers held, the ties waiting for their entities, and what was skipped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from followthemoney import ValueEntity
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import store
from registry.importers.result import ImportResult
from registry.models import Entity, EntityKind, Identifier, Merge, Source
from registry.resolution.joins import Resolver

LIST_PREFIX = "ftm:"
KINDS = {
    "Company": EntityKind.COMPANY,
    "PublicBody": EntityKind.GOVERNMENT_BODY,
    "Organization": EntityKind.OTHER,
    "LegalEntity": EntityKind.OTHER,
}


@dataclass(frozen=True, slots=True)
class Cite:
    title: str
    publisher: str
    url: str


@dataclass(slots=True)
class PendingLink:
    """A tie or sanction waiting for both of its entities to exist."""

    line: int
    type: str  # a RelationType, or "sanction"
    subject: str
    object: str | None
    start: str | None
    end: str | None
    cite: Cite
    summary: str | None = None  # ties: our sentence; sanctions: the stated reason
    list_id: str = ""
    list_name: str = ""


@dataclass
class Counts:
    skipped_schema: int = 0
    skipped_unnamed: int = 0
    skipped_unsourced: int = 0
    skipped_dangling: int = 0
    ignored_deletes: int = 0


class LoaderState:
    """The state of one import and the sources it cites."""

    def __init__(self, session: Session, path: Path, result: ImportResult) -> None:
        self.session = session
        self.file = str(path)
        self.result = result
        self.today = dt.datetime.now(dt.UTC).date()
        self.counts = Counts()
        self._resolver: Resolver | None = None
        self.links: list[PendingLink] = []
        self.deletes: list[str] = []
        # FollowTheMoney id -> registry entity id, without a SELECT per line.
        self.known: dict[str, int] = {
            key[4:]: id_
            for key, id_ in session.execute(
                select(Entity.key, Entity.id).where(Entity.key.like("ftm-%"))
            )
        }
        for value, id_ in session.execute(
            select(Identifier.value, Identifier.entity_id).where(Identifier.scheme == "ftm")
        ):
            self.known[value] = id_
        # Records that resolution merged into another entity load into that one.
        for key, kept_id in session.execute(
            select(Merge.merged_key, Merge.kept_id).where(
                Merge.merged_key.like("ftm-%"), Merge.undone_at.is_(None)
            )
        ):
            if kept_id is not None:
                self.known.setdefault(key[4:], kept_id)
        self.source_ids: dict[Cite, int] = {}
        self.codes: set[tuple[str, str]] = {
            (scheme, value)
            for scheme, value in session.execute(select(Identifier.scheme, Identifier.value))
        }

    @property
    def resolver(self) -> Resolver:
        # Built on first need: a delta that only touches known ids never pays for it.
        if self._resolver is None:
            self._resolver = Resolver(self.session, report_near_misses=False)
        return self._resolver

    def cite_dataset(self, data: dict[str, Any]) -> Cite | None:
        datasets = data.get("datasets") or []
        if not datasets:
            return None
        name = sorted(datasets)[0]
        return Cite(
            f"OpenSanctions dataset {name}",
            "OpenSanctions",
            f"https://www.opensanctions.org/datasets/{name}/",
        )

    def cite(self, proxy: ValueEntity, data: dict[str, Any], title: str) -> Cite | None:
        url = proxy.first("sourceUrl", quiet=True)
        if url:
            publisher = proxy.first("publisher", quiet=True) or proxy.first("authority", quiet=True)
            if not publisher and data.get("datasets"):
                publisher = f"OpenSanctions dataset {sorted(data['datasets'])[0]}"
            return Cite(title[:500], (publisher or "unknown")[:200], url[:1000])
        return self.cite_dataset(data)

    def source(self, cite: Cite) -> Source:
        return store.get_source(
            self.session, title=cite.title, publisher=cite.publisher, url=cite.url
        )
