"""Turn change-log rows into readable digests and watch alerts (platform-neutral)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import (
    Change,
    ChangeKind,
    Designation,
    Entity,
    ImportRun,
    Source,
    Subscription,
)

# Ids per ``IN (...)``: far below PostgreSQL's 65,535 bind parameters and SQLite's 32,766.
IDS_PER_QUERY = 5000


@dataclass(frozen=True)
class DigestEntry:
    entity_id: int | None
    name: str
    detail: str
    url: str | None
    change_ids: tuple[int, ...]


@dataclass(frozen=True)
class DigestSection:
    heading: str  # "76 organisations added to the US DoD 1260H list (2026-06-08 edition)"
    entries: tuple[DigestEntry, ...]


@dataclass(frozen=True)
class Digest:
    """One import's news for one subscription; ``watch`` alerts are short and single."""

    title: str
    sections: tuple[DigestSection, ...]
    watch: bool = False
    change_ids: tuple[int, ...] = field(default=())


def changes_per_part(digest: Digest, parts: Sequence[set[int]]) -> list[list[int]]:
    """Which change ids each message of a split digest answers for (exactly once each).

    ``parts`` holds the change ids of the entries each message shows. An id shown in two
    messages counts for the first; changes with no line of their own ride on part 1.
    """
    shown: set[int] = set().union(*parts)
    seen: set[int] = set()
    out = []
    for i, ids in enumerate(parts):
        mine = ids - seen
        if i == 0:
            mine |= set(digest.change_ids) - shown
        seen |= mine
        out.append(sorted(mine))
    return out


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _edition(dates: set[str | None]) -> str:
    known = sorted(d for d in dates if d)
    if len(known) == 1:
        return f" ({known[0]} edition)"
    return f" ({known[0]} to {known[-1]})" if known else ""


def build_digests(session: Session, sub: Subscription, changes: Sequence[Change]) -> list[Digest]:
    by_run: dict[int | None, list[Change]] = defaultdict(list)
    for change in changes:
        by_run[change.import_run_id].append(change)
    digests = []
    for run_id, run_changes in by_run.items():
        digest = _digest(session, sub, run_id, run_changes)
        if digest is not None:
            digests.append(digest)
    return digests


def _by_id(session: Session, key: Any, value: Any, ids: Iterable[int]) -> dict[Any, Any]:
    """``{key: value}`` for ``ids``, a bounded number of bind parameters at a time:
    PostgreSQL refuses a statement with more than 65,535 and an import can add more
    organisations than that."""
    wanted = sorted(set(ids))
    found: dict[Any, Any] = {}
    for i in range(0, len(wanted), IDS_PER_QUERY):
        chunk = wanted[i : i + IDS_PER_QUERY]
        found.update(session.execute(select(key, value).where(key.in_(chunk))).all())
    return found


def _digest(
    session: Session, sub: Subscription, run_id: int | None, changes: list[Change]
) -> Digest | None:
    names = _by_id(
        session, Entity.id, Entity.name, (c.entity_id for c in changes if c.entity_id is not None)
    )
    designation_ids = [c.detail["designation_id"] for c in changes if "designation_id" in c.detail]
    urls = _by_id(session, Designation.id, Designation.source_id, designation_ids)
    source_urls = _by_id(session, Source.id, Source.url, urls.values())

    def url_of(change: Change) -> str | None:
        source_id = urls.get(int(change.detail.get("designation_id") or 0))
        return source_urls.get(source_id) if source_id else None

    groups: dict[tuple[str, str, str], list[Change]] = defaultdict(list)
    listed_entities = {c.entity_id for c in changes if c.kind == ChangeKind.DESIGNATION_ADDED}
    absorbed: dict[int, list[int]] = defaultdict(list)
    for change in changes:
        kind = change.kind
        if (
            kind in (ChangeKind.ENTITY_ADDED, ChangeKind.NAME_ADDED, ChangeKind.IDENTIFIER_ADDED)
            and change.entity_id in listed_entities
        ):
            # A new organisation that arrives with its listing is told once, as listed.
            absorbed[change.entity_id].append(change.id)  # type: ignore[index]
            continue
        if kind == ChangeKind.DESIGNATION_ADDED:
            action = "relisted" if change.detail.get("relisted") else "added"
            groups[(kind, change.detail.get("list_name", ""), action)].append(change)
        elif kind == ChangeKind.DESIGNATION_ENDED:
            groups[(kind, change.detail.get("list_name", ""), "removed")].append(change)
        else:
            groups[(kind, "", "")].append(change)

    sections = []
    for (kind, list_name, action), members in groups.items():
        entries = []
        for change in members:
            name = names.get(change.entity_id or -1, change.detail.get("name", "(removed)"))
            ids = (change.id, *absorbed.get(change.entity_id or -1, ()))
            if kind == ChangeKind.DESIGNATION_ADDED:
                detail = f"{action} on {change.detail.get('start') or 'an unstated date'}"
            elif kind == ChangeKind.DESIGNATION_ENDED:
                detail = f"removed on {change.detail.get('end')}"
            elif kind == ChangeKind.RELATIONSHIP_ADDED:
                other = session.get(Entity, change.detail.get("object_id"))
                detail = f"new tie: {change.detail.get('type', '').replace('_', ' ')} " + (
                    other.name if other else "?"
                )
            elif kind == ChangeKind.NAME_ADDED:
                detail = f"new name: {change.detail.get('name')}"
            elif kind == ChangeKind.IDENTIFIER_ADDED:
                detail = (
                    f"new code: {change.detail.get('scheme', '').upper()} "
                    f"{change.detail.get('value')}"
                )
            else:
                detail = "added to the registry"
            entries.append(DigestEntry(change.entity_id, name, detail, url_of(change), ids))
        sections.append(DigestSection(_heading(kind, list_name, action, members), tuple(entries)))
    if not sections:
        return None
    run = session.get(ImportRun, run_id) if run_id else None
    source = f" from {run.files[0].rsplit('/', 1)[-1]}" if run and run.files else ""
    watch = sub.kind == "watch"
    if watch:
        subject = names.get(sub.entity_id or -1) or sub.watch_name or "a watched organisation"
        title = f"Watched: {subject}"
    else:
        title = f"Registry update{source}"
    all_ids = tuple(c.id for c in changes)
    return Digest(title, tuple(sections), watch=watch, change_ids=all_ids)


def _heading(kind: str, list_name: str, action: str, members: list[Change]) -> str:
    n = len(members)
    orgs = _plural(n, "organisation", "organisations")
    if kind == ChangeKind.DESIGNATION_ADDED:
        verb = "relisted on" if action == "relisted" else "added to"
        return f"{orgs} {verb} the {list_name}" + _edition({c.detail.get("start") for c in members})
    if kind == ChangeKind.DESIGNATION_ENDED:
        ends = sorted({c.detail.get("end") or "" for c in members})
        when = f" on {ends[0]}" if len(ends) == 1 else ""
        return f"{orgs} removed from the {list_name}{when}"
    if kind == ChangeKind.RELATIONSHIP_ADDED:
        return _plural(n, "new tie recorded", "new ties recorded")
    if kind == ChangeKind.NAME_ADDED:
        return _plural(n, "new name recorded", "new names recorded")
    if kind == ChangeKind.IDENTIFIER_ADDED:
        return _plural(n, "new registration code", "new registration codes")
    return f"{orgs} added to the registry"
