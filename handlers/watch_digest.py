"""One digest for all of a channel's watches (its partners, ``mcf-bot watchlist import``)
with news: each watched organisation whose verdict changed is re-screened and told as
"was not listed, now listed: DoD 1260H since ...", once; other news about watched
organisations follows as in any digest.

The verdict a channel last heard is kept on its watch (``Subscription.verdict``); the
worker stores the new ones in the transaction that writes the outbox message, so a
restarted worker neither repeats the change nor loses it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from handlers.cards import build_card
from handlers.digests import Digest, DigestEntry, DigestSection, change_sections
from handlers.errors import NotFound
from handlers.replies import Finding, Level
from handlers.verdict import of_card
from registry.alert_records import ChangeKind, ChangeRecord, SubscriptionRecord
from registry.views import describe_changes, entity_names

# How a verdict the channel heard before is named in "was …, now …".
VERDICT_WORDS = {
    Level.LISTED: "listed",
    Level.FORMER: "formerly listed",
    Level.TIED: "tied to a listed body",
    Level.TRACKED: "tracked, not listed",
    Level.NOT_LISTED: "not listed",
    Level.NO_MATCH: "not in the registry",
}
# Verdicts whose own detail is short and says what changed (a list and its date, a tie);
# "not listed" would name every list checked, so it is said in two words.
TOLD_IN_FULL = (Level.LISTED, Level.FORMER, Level.TIED, Level.TRACKED)
# The source shown beside a changed verdict: the change that listed or delisted it.
LIST_KINDS = (
    ChangeKind.DESIGNATION_ADDED,
    ChangeKind.DESIGNATION_REOPENED,
    ChangeKind.DESIGNATION_ENDED,
)


@dataclass(frozen=True)
class WatchDigest:
    digest: Digest
    # For each change id, the watches (subscription ids) the message answers for.
    owners: dict[int, list[int]]
    # The verdict each watch has now been told, to store with the outbox message.
    verdicts: dict[int, str]


def words(level: str) -> str:
    try:
        return VERDICT_WORDS[Level(level)]
    except (KeyError, ValueError):  # a level this version does not know: as stored
        return level


def verdict_now(session: Session, entity_id: int) -> Finding | None:
    try:
        return of_card(build_card(session, entity_id))
    except NotFound:  # merged away or removed since it was watched
        return None


def _changed_line(
    session: Session,
    sub: SubscriptionRecord,
    changes: Sequence[ChangeRecord],
    now: Finding,
    name: str,
) -> DigestEntry:
    new = VERDICT_WORDS.get(now.level, now.level.value)
    detail = f"verdict was {words(sub.verdict or '')}, now {new}"
    if now.level in TOLD_IN_FULL and now.detail:
        detail += f": {now.detail}"
    listing = [c for c in changes if c.kind in LIST_KINDS and c.entity_id == sub.entity_id]
    url = describe_changes(session, listing[:1])[listing[0].id].source_url if listing else None
    return DigestEntry(sub.entity_id, name, detail, url, tuple(c.id for c in changes))


def build_watch_digest(
    session: Session, news: Sequence[tuple[SubscriptionRecord, Sequence[ChangeRecord]]]
) -> WatchDigest | None:
    """``news``: each watch of one channel with its pending changes (non-empty)."""
    owners: dict[int, list[int]] = defaultdict(list)
    for sub, changes in news:
        for change in changes:
            owners[change.id].append(sub.id)
    names = entity_names(session, {s.entity_id for s, _ in news if s.entity_id is not None})
    changed: list[DigestEntry] = []
    verdicts: dict[int, str] = {}
    rest: dict[int, ChangeRecord] = {}
    for sub, changes in news:
        now = verdict_now(session, sub.entity_id) if sub.entity_id is not None else None
        if now is not None:
            verdicts[sub.id] = now.level.value
        if now is not None and sub.verdict is not None and now.level.value != sub.verdict:
            name = names.get(sub.entity_id or -1) or sub.watch_name or "a watched organisation"
            changed.append(_changed_line(session, sub, changes, now, name))
        else:
            # Same verdict (or none heard before): the news itself, as in any digest.
            rest.update((c.id, c) for c in changes)
    told = {cid for entry in changed for cid in entry.change_ids}
    sections = []
    if changed:
        n = len(changed)
        heading = (
            "1 watched organisation's verdict changed"
            if n == 1
            else f"{n} watched organisations' verdicts changed"
        )
        sections.append(DigestSection(heading, tuple(changed)))
    others = [c for cid, c in sorted(rest.items()) if cid not in told]
    sections += change_sections(session, others)
    if not sections:
        return None
    subjects = {names.get(s.entity_id or -1) or s.watch_name for s, _ in news}
    if len(subjects) == 1:
        title = f"Watched: {next(iter(subjects)) or 'a watched organisation'}"
    else:
        title = f"Watched organisations: news about {len(subjects)} of them"
    digest = Digest(title, tuple(sections), watch=True, change_ids=tuple(sorted(owners)))
    return WatchDigest(digest, dict(owners), verdicts)
