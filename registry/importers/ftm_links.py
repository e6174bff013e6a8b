"""Write FollowTheMoney ties (Ownership, UnknownLink) and sanctions, once every entity
of the file exists: ties as relationships, sanctions as designation periods."""

from __future__ import annotations

import datetime as dt
import re

from followthemoney import ValueEntity
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry import store
from registry.importers.ftm_records import Record, checked_date, whole_day
from registry.importers.ftm_state import LIST_PREFIX, LoaderState, PendingLink
from registry.models import Entity, Relationship, RelationType


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


class LinkWriter(LoaderState):
    def date(self, rec: Record, proxy: ValueEntity, prop: str) -> str | None:
        """The property's earliest date, checked: "2024", "2024-05" or "2024-05-27".
        Read as the file states it: FollowTheMoney's cleaning drops a bad date quietly."""
        values = [
            checked_date(v, file=self.file, line=rec.line, field=f"properties.{prop}")
            for v in rec.data["properties"].get(prop, [])
        ]
        return min((v for v in values if v), default=None)

    def buffer_link(self, rec: Record, proxy: ValueEntity) -> None:
        start = self.date(rec, proxy, "startDate")
        end = self.date(rec, proxy, "endDate")
        if rec.schema == "Sanction":
            self.buffer_sanction(rec, proxy, start, end)
            return
        if rec.schema == "Ownership":
            pairs = [(a, o) for a in proxy.get("asset") for o in proxy.get("owner")]
            type_ = RelationType.SUBSIDIARY_OF
            pct = proxy.first("percentage")
            summary = f"Stake held: {pct.rstrip('%')}%." if pct else None
        else:
            pairs = [(s, o) for s in proxy.get("subject") for o in proxy.get("object")]
            type_ = RelationType.OTHER
            role = proxy.first("role")
            summary = f"Described as: {role}." if role and len(role) <= 100 else None
        cite = self.cite(proxy, rec.data, f"{rec.schema} record")
        if cite is None:
            self.counts.skipped_unsourced += 1
            return
        for subject, object_ in pairs:
            self.links.append(
                PendingLink(rec.line, type_, subject, object_, start, end, cite, summary)
            )

    def buffer_sanction(
        self, rec: Record, proxy: ValueEntity, start: str | None, end: str | None
    ) -> None:
        listed = self.date(rec, proxy, "listingDate")
        datasets = sorted(rec.data.get("datasets") or [])
        authority = proxy.first("authority")
        program = proxy.first("program")
        key = proxy.first("programId") or (datasets[0] if datasets else None) or authority
        parts = [p for p in (authority, program) if p]
        list_name = " — ".join(dict.fromkeys(parts)) or f"OpenSanctions dataset {key}"
        cite = self.cite(proxy, rec.data, list_name)
        if cite is None:
            self.counts.skipped_unsourced += 1
            return
        reason = "; ".join(proxy.get("reason")) or None
        for target in proxy.get("entity"):
            self.links.append(
                PendingLink(
                    rec.line,
                    "sanction",
                    target,
                    None,
                    start or listed,
                    end,
                    cite,
                    reason,
                    list_id=(LIST_PREFIX + _slug(key or "unknown"))[:40],
                    list_name=list_name[:200],
                )
            )

    def write_links(self) -> None:
        ties: dict[tuple[int, int, str], PendingLink] = {}
        sanctions: dict[tuple[int, str], list[PendingLink]] = {}
        for link in self.links:
            subject = self.known.get(link.subject)
            object_ = self.known.get(link.object) if link.object else None
            if subject is None or (link.object is not None and object_ is None):
                self.counts.skipped_dangling += 1
            elif link.type == "sanction":
                sanctions.setdefault((subject, link.list_id), []).append(link)
            elif subject != object_ and object_ is not None:
                ties.setdefault((subject, object_, link.type), link)
        self.links = []
        self.write_ties(ties)
        self.write_sanctions(sanctions)

    def write_ties(self, ties: dict[tuple[int, int, str], PendingLink]) -> None:
        subjects = sorted({s for s, _, _ in ties})
        for i in range(0, len(subjects), 500):
            batch = subjects[i : i + 500]
            stored = {
                (r.subject_id, r.object_id, r.type): r
                for r in self.session.scalars(
                    select(Relationship)
                    .where(Relationship.subject_id.in_(batch))
                    .options(selectinload(Relationship.sources))
                )
            }
            for triple in [t for t in ties if batch[0] <= t[0] <= batch[-1]]:
                link, source = ties[triple], self.source(ties[triple].cite)
                found = stored.get(triple)
                if found is not None:
                    if source not in found.sources:
                        found.sources.append(source)
                    continue
                self.session.add(
                    Relationship(
                        subject_id=triple[0],
                        object_id=triple[1],
                        type=triple[2],
                        start=link.start,
                        end=link.end,
                        summary=link.summary,
                        sources=[source],
                    )
                )
                self.result.relationships += 1
            self.session.flush()

    def write_sanctions(self, sanctions: dict[tuple[int, str], list[PendingLink]]) -> None:
        ids = sorted({entity_id for entity_id, _ in sanctions})
        for i in range(0, len(ids), 500):
            batch = ids[i : i + 500]
            entities = self.session.scalars(
                select(Entity)
                .where(Entity.id.in_(batch))
                .options(selectinload(Entity.designations))
            ).all()
            by_id = {e.id: e for e in entities}
            for (entity_id, list_id), links in sanctions.items():
                if entity_id in by_id:
                    self.write_period(by_id[entity_id], list_id, links)
            self.session.flush()

    def write_period(self, entity: Entity, list_id: str, links: list[PendingLink]) -> None:
        """Several Sanction records for one programme (amendments, annexes) are one
        listing: from the earliest start, open unless every record has ended. An end
        date still in the future is a scheduled expiry, not a removal: left open."""
        starts = [d for d in (whole_day(link.start) for link in links) if d is not None]
        ends = [whole_day(link.end) for link in links]
        ends = [None if e is not None and e > self.today else e for e in ends]
        first = min(links, key=lambda link: whole_day(link.start) or dt.date.max)
        reasons = [link.summary for link in links if link.summary]
        self.result.designations += store.set_designation_periods(
            self.session,
            entity,
            list_id=list_id,
            list_name=first.list_name,
            periods=[
                (
                    min(starts) if starts else None,
                    None if None in ends else max(e for e in ends if e is not None),
                    "; ".join(dict.fromkeys(reasons)) or None,
                    self.source(first.cite),
                )
            ],
        )
