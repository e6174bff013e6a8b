"""The import guard: a publisher's edition that looks wrong is held, not imported.

Publishers ship bad files: the CSL is rebuilt hourly with no change feed and once lost a
whole section; a download cut between two rows is still a well-formed CSV. Imported as
is, such a file would close hundreds of listings and send every subscribed channel a
removal digest. So ``run_import`` (given ``GuardOptions``: ``mcf-bot import`` and
``mcf-bot sync``) imports the edition inside its transaction, measures what it did, and
raises ``EditionHeld`` when the edition

- ends more than ``max_ended_share`` of a list's current listings;
- has fewer rows for a list than ``min_rows_share`` of the last edition loaded;
- is older than the edition loaded for one of its lists;
- lacks columns the last edition of the same format had.

The caller's transaction then rolls back: nothing is written and, since alerts are
planned from the change log, no alert is planned. ``record_hold`` writes the held edition
in a transaction of its own, for ``mcf-bot sources``, the log and the admins' channel;
``--accept`` imports it without the guard and settles the hold.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from registry.catalog import catalog
from registry.db import unit_of_work
from registry.errors import RegistryError
from registry.models import Designation, HeldEdition, ImportRun, utcnow

log = logging.getLogger(__name__)

# A list with fewer current listings than this is too small for a share to mean much
# (NDAA s.889 names five companies: one removal is 20%).
MIN_LISTINGS_FOR_SHARE = 10
# Likewise the row check: a list of a dozen rows may lose a few by a real amendment.
MIN_ROWS_FOR_SHARE = 20


@dataclass(frozen=True)
class GuardOptions:
    """``MCF_GUARD_MAX_ENDED`` and ``MCF_GUARD_MIN_ROWS`` (``bot.settings``)."""

    # Real amendments end a few percent of a list at a time (the 2022 -> 2025 Entity
    # List closed 5 of ~550 China entries); a fifth is a broken file until a person says not.
    max_ended_share: float = 0.20
    # A list's rows in a new edition below this share of the last edition's: a cut file.
    min_rows_share: float = 0.5


@dataclass
class Shape:
    """What an edition held, kept on its ``ImportRun`` to compare the next one with."""

    format: str | None = None  # "csv" | "json"
    columns: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # list id -> rows (any country)

    def as_json(self) -> dict[str, Any]:
        return {"format": self.format, "columns": self.columns, "rows": self.rows}

    @classmethod
    def from_json(cls, raw: Any) -> Shape | None:
        if not isinstance(raw, dict):
            return None
        return cls(raw.get("format"), list(raw.get("columns") or []), dict(raw.get("rows") or {}))


class EditionHeld(RegistryError):
    """An edition the guard kept out; the caller's transaction must roll back."""

    def __init__(
        self, source: str, files: Sequence[str], edition: str | None, reasons: Sequence[str]
    ) -> None:
        self.source, self.files, self.edition = source, list(files), edition
        self.reasons = list(reasons)
        self.reason = "; ".join(self.reasons)
        super().__init__(
            f"{source}: edition {edition or '(undated)'} held, not imported: {self.reason}. "
            f"Import it anyway with `--accept {source}` once you have checked it"
        )


def open_listings(session: Session) -> dict[str, set[int]]:
    """The current (open) listing periods of every list, by list id."""
    out: dict[str, set[int]] = {}
    for list_id, designation_id in session.execute(
        select(Designation.list_id, Designation.id).where(Designation.end.is_(None))
    ):
        out.setdefault(list_id, set()).add(designation_id)
    return out


def _list_name(list_id: str) -> str:
    info = catalog().get(list_id)
    return info.short_name if info else list_id


def check(
    session: Session,
    *,
    source: str,
    run_id: int,
    edition: str | None,
    shape: Shape,
    opened: Mapping[str, set[int]],
    options: GuardOptions,
) -> list[str]:
    """Why the edition just imported (not yet committed) must be held; empty if it may stay."""
    reasons = _ended(session, opened, options)
    earlier = [
        (run.edition, s)
        for run in session.scalars(
            select(ImportRun)
            .where(ImportRun.source == source, ImportRun.id < run_id)
            .order_by(ImportRun.id.desc())
        )
        if (s := Shape.from_json((run.summary or {}).get("shape"))) is not None
    ]
    for list_id, rows in shape.rows.items():
        before = [(e, s) for e, s in earlier if list_id in s.rows]
        if not before:
            continue
        last_rows = before[0][1].rows[list_id]
        if last_rows >= MIN_ROWS_FOR_SHARE and rows < options.min_rows_share * last_rows:
            reasons.append(
                f"{_list_name(list_id)} has {rows} rows where the last edition had "
                f"{last_rows} (the guard holds under {options.min_rows_share:.0%})"
            )
        newest = max((e for e, _ in before if e and _is_date(e)), default=None)
        if edition and _is_date(edition) and newest is not None and edition < newest:
            reasons.append(
                f"it is the edition of {edition}, older than the {_list_name(list_id)} "
                f"edition of {newest} already loaded"
            )
    same_format = next((s for _, s in earlier if s.format == shape.format and s.columns), None)
    if same_format is not None and shape.columns:
        missing = [c for c in same_format.columns if c not in set(shape.columns)]
        if missing:
            reasons.append(f"it lacks the columns {', '.join(missing)} of the last edition")
    return list(dict.fromkeys(reasons))


def _ended(session: Session, opened: Mapping[str, set[int]], options: GuardOptions) -> list[str]:
    reasons = []
    session.flush()
    for list_id, ids in opened.items():
        if len(ids) < MIN_LISTINGS_FOR_SHARE:
            continue
        ended = 0
        for chunk in _chunks(sorted(ids)):
            ended += len(
                session.scalars(
                    select(Designation.id).where(
                        Designation.id.in_(chunk), Designation.end.is_not(None)
                    )
                ).all()
            )
        if ended > options.max_ended_share * len(ids):
            reasons.append(
                f"it would end {ended} of the {len(ids)} current {_list_name(list_id)} "
                f"listings ({ended / len(ids):.0%}; the guard holds above "
                f"{options.max_ended_share:.0%})"
            )
    return reasons


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _is_date(value: str | None) -> bool:
    if not value:
        return False
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def digest(files: Sequence[str]) -> str:
    sha = hashlib.sha256()
    for name in files:
        path = Path(name)
        if path.is_file():
            sha.update(path.read_bytes())
    return sha.hexdigest()


def record_hold(sessions: sessionmaker[Session], held: EditionHeld) -> bool:
    """Write ``held`` (its own transaction); False when this very edition is already held
    (a sync pass meets the same bad file again: logged and announced once)."""
    key = digest(held.files)
    with unit_of_work(sessions) as session:
        same = session.scalar(
            select(HeldEdition).where(
                HeldEdition.source == held.source,
                HeldEdition.digest == key,
                HeldEdition.resolved_at.is_(None),
            )
        )
        if same is not None:
            return False
        session.add(
            HeldEdition(
                source=held.source,
                files=[Path(f).name for f in held.files],
                digest=key,
                edition=held.edition,
                reason=held.reason,
            )
        )
    log.warning("import guard: %s", held)
    return True


def settle(session: Session, source: str, resolution: str) -> None:
    """An edition of ``source`` was imported: its open holds are "accepted" (``--accept``)
    or "superseded" (a later edition passed the guard)."""
    for hold in session.scalars(
        select(HeldEdition).where(HeldEdition.source == source, HeldEdition.resolved_at.is_(None))
    ):
        hold.resolved_at = utcnow()
        hold.resolution = resolution


def claim_unannounced(session: Session) -> list[HeldEdition]:
    """Open holds not yet told to the admins' channel, marked told in the caller's
    transaction (a conditional update: two workers never both claim one)."""
    claimed = []
    for hold in session.scalars(
        select(HeldEdition).where(
            HeldEdition.announced_at.is_(None), HeldEdition.resolved_at.is_(None)
        )
    ).all():
        done = session.execute(
            update(HeldEdition)
            .where(HeldEdition.id == hold.id, HeldEdition.announced_at.is_(None))
            .values(announced_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 0) == 1:
            claimed.append(hold)
    return claimed


def announcement(hold: HeldEdition) -> str:
    """What the admins' channel is told, once, about a held edition (our own words)."""
    return (
        f"mcf-bot held an edition of {hold.source} ({hold.edition or 'undated'}): "
        f"{hold.reason}. Nothing was imported and no alert went out. Check the publisher's "
        f"file, then run `mcf-bot sync --once --accept {hold.source}` to import it."
    )


def open_holds(session: Session) -> list[HeldEdition]:
    """Held editions nobody has accepted yet, newest first."""
    return list(
        session.scalars(
            select(HeldEdition)
            .where(HeldEdition.resolved_at.is_(None))
            .order_by(HeldEdition.held_at.desc(), HeldEdition.id.desc())
        )
    )
