"""Turn change-log rows into readable digests and watch alerts (platform-neutral)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from registry.alert_records import ChangeKind, ChangeRecord, SubscriptionRecord
from registry.subscriptions import SubscriptionKind
from registry.views import describe_changes, entity_names, import_file_name


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


# A listing and a reopened period both put an organisation on a list.
LISTED_KINDS = (ChangeKind.DESIGNATION_ADDED, ChangeKind.DESIGNATION_REOPENED)


def _edition(dates: set[str | None]) -> str:
    known = sorted(d for d in dates if d)
    if len(known) == 1:
        return f" ({known[0]} edition)"
    return f" ({known[0]} to {known[-1]})" if known else ""


def build_digests(
    session: Session, sub: SubscriptionRecord, changes: Sequence[ChangeRecord]
) -> list[Digest]:
    by_run: dict[int | None, list[ChangeRecord]] = defaultdict(list)
    for change in changes:
        by_run[change.import_run_id].append(change)
    digests = []
    for run_id, run_changes in by_run.items():
        digest = _digest(session, sub, run_id, run_changes)
        if digest is not None:
            digests.append(digest)
    return digests


def _digest(
    session: Session, sub: SubscriptionRecord, run_id: int | None, changes: list[ChangeRecord]
) -> Digest | None:
    sections = change_sections(session, changes)
    if not sections:
        return None
    file_name = import_file_name(session, run_id)
    source = f" from {file_name}" if file_name else ""
    watch = sub.kind == SubscriptionKind.WATCH
    if watch:
        subject = (
            entity_names(session, {sub.entity_id}).get(sub.entity_id) if sub.entity_id else None
        )
        title = f"Watched: {subject or sub.watch_name or 'a watched organisation'}"
    else:
        title = f"Registry update{source}"
    all_ids = tuple(c.id for c in changes)
    return Digest(title, tuple(sections), watch=watch, change_ids=all_ids)


def change_sections(session: Session, changes: Sequence[ChangeRecord]) -> list[DigestSection]:
    """The changes grouped by what happened (and on which list), one entry each."""
    described = describe_changes(session, list(changes))
    groups: dict[tuple[str, str, str], list[ChangeRecord]] = defaultdict(list)
    listed_entities = {c.entity_id for c in changes if c.kind in LISTED_KINDS}
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
        words = described[change.id]
        groups[(kind, words.list_name or "", words.action or "")].append(change)

    sections = []
    for (kind, list_name, action), members in groups.items():
        entries = []
        for change in members:
            words = described[change.id]
            ids = (change.id, *absorbed.get(change.entity_id or -1, ()))
            entries.append(
                DigestEntry(change.entity_id, words.name, words.brief, words.source_url, ids)
            )
        sections.append(DigestSection(_heading(kind, list_name, action, members), tuple(entries)))
    return sections


def _heading(kind: str, list_name: str, action: str, members: list[ChangeRecord]) -> str:
    n = len(members)
    orgs = _plural(n, "organisation", "organisations")
    if kind in LISTED_KINDS:
        verb = "relisted on" if action == "relisted" else "added to"
        if kind == ChangeKind.DESIGNATION_REOPENED:
            return f"{orgs} {verb} the {list_name}"  # their start dates are the first listing's
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
