"""One organisation's listings as a card shows them: each period in words, what the list
means, its edition, its own terms, and the sources that state it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from registry.catalog import catalog, describe, fiscal_years, years_lists
from registry.models import Designation, Entity, Source
from registry.views.lists import list_editions, list_short_name
from registry.views.sources import Numbering


@dataclass(frozen=True, slots=True)
class DesignationView:
    list_id: str
    list_name: str
    start: str | None
    end: str | None
    status: str  # "listed since 2021-06-03", "removed on 2025-01-07", "relisted on ..."
    reason: str | None
    source: int  # number into the card's sources
    source_url: str
    # From the list catalogue and the import runs (None where unknown):
    short_name: str | None = None  # "DoD 1260H"
    effect: str | None = None  # what a listing means, in our own words
    edition: str | None = None  # the date of the edition loaded, YYYY-MM-DD
    legal: bool = True  # False for research trackers
    next_step: str | None = None  # what to do about it, where the list implies a step
    next_step_url: str | None = None
    # This entry's own terms where the list gives them (the Entity List's licence
    # requirement and review policy), and a tracker's category and risk rating.
    licence_requirement: str | None = None
    licence_policy: str | None = None
    # The sanctions programmes the entry names (SDN: "NPWMD; IFSR").
    programmes: str | None = None
    category: str | None = None
    risk: str | None = None
    # Further sources of the listing (a rating folded into it, later notices), numbered.
    citations: tuple[int, ...] = ()
    # Why the period ended when no end date is published ("not in the edition of ...").
    end_note: str | None = None
    reason_source: int | None = None  # the edition that states the reason
    end_reason: str | None = None  # why removed, as the list says ("No apparent U.S. nexus")
    end_source: int | None = None  # the edition that states the end
    effect_short: str | None = None  # ``effect`` in a few words (the catalogue's)
    # A list of fiscal years (DoD 1286): the years as the list states them, "FY2022–FY2025";
    # ``start`` and ``end`` are then the years' bounds, which no publisher stated.
    years: str | None = None

    @property
    def active(self) -> bool:
        return self.end is None

    @property
    def label(self) -> str:
        return self.short_name or self.list_name


def _status(
    d: Designation,
    relisted: bool,
    legal: bool = True,
    today: dt.date | None = None,
    years: str | None = None,
) -> str:
    """The period in words. No citation marks: the layout numbers what it shows (the
    end's source is ``DesignationView.end_source``)."""
    if years:
        # A fiscal-year list: the years it names, never a day no publisher stated.
        when = f"on the {years_lists(years)}"
        if d.end is not None and d.end_note:
            return f"{when}; {d.end_note}"
        return f"{when}; not on the later lists" if d.end is not None else when
    if d.start is None:
        # A research tracker records no listing date; a list that should have one says so.
        return "on the tracker (no date given)" if not legal else "listed (date not stated)"
    start = d.start.isoformat()
    if d.start > (today or dt.date.today()):
        # A statute naming it with a later effective date (NDAA s.154: 2027-10-01).
        return f"from {start} (not yet in force)"
    if d.end is not None and d.end_note:
        # No removal date is published: say only what the edition shows.
        return f"listed {start}; {d.end_note}"
    if d.end is not None:
        # The list's own reason for a removal is no reason for the listing.
        why = f" (reason given for the removal: {d.end_reason})" if d.end_reason else ""
        return f"listed {start}, removed on {d.end.isoformat()}{why}"
    return f"relisted on {start}" if relisted else f"listed since {start}"


# Further documents a card cites per listing, beside the one that states the start. A
# party the Entity List amended many times (Huawei: 16 notices) would otherwise fill a
# short card with citations; the list editions read come first, then the newest notices.
MAX_CITATIONS = 3


def _cited(citations: Sequence[Source]) -> list[Source]:
    editions = [c for c in citations if c.published]
    notices = [c for c in citations if not c.published]
    return (editions + notices[::-1])[:MAX_CITATIONS]


# The restrictions an Entity List review policy can state, strongest first.
RESTRICTIONS = (
    ("policy of denial", re.compile(r"\bpolicy of denial\b", re.IGNORECASE)),
    ("presumption of denial", re.compile(r"\bpresumption (?:of|for) denial\b", re.IGNORECASE)),
    ("case-by-case review", re.compile(r"\bcase[- ]by[- ]case\b", re.IGNORECASE)),
    ("presumption of approval", re.compile(r"\bpresumption of approval\b", re.IGNORECASE)),
)


def strongest_restriction(policy: str | None) -> str | None:
    """The strongest restriction a licence review policy states, in its usual words."""
    for words, pattern in RESTRICTIONS:
        if policy and pattern.search(policy):
            return words
    return None


def _category(d: Designation) -> str | None:
    # The ASPI importer names the category in the list name: "... (category: Military)".
    own = getattr(d, "category", None)
    if own:
        return str(own)
    marker = "(category: "
    if marker in d.list_name and d.list_name.endswith(")"):
        return d.list_name.split(marker, 1)[1][:-1]
    return None


def _attr(obj: Any, *names: str) -> str | None:
    """A field another change may add to the model (tolerated while it is absent)."""
    for name in names:
        value = getattr(obj, name, None)
        if value:
            return str(value)
    return None


# A rating list is shown on the line of the list it rates: ASPI's risk rating beside the
# tracker's category, citing both sources.
def _ratings() -> dict[str, str]:
    return {i.id: i.rates for i in catalog().values() if i.rates}


RATINGS = _ratings()
_RATING = re.compile(r"risk rating: ([a-z][a-z -]*?)(?: \(|$)", re.IGNORECASE)


def _fold_ratings(views: list[DesignationView]) -> list[DesignationView]:
    out = list(views)
    for rating in [v for v in views if v.list_id in RATINGS and v.active]:
        rated = next(
            (i for i, v in enumerate(out) if v.list_id == RATINGS[rating.list_id] and v.active),
            None,
        )
        if rated is None:
            continue
        target = out[rated]
        out[rated] = replace(
            target,
            risk=rating.risk or target.risk,
            citations=(*target.citations, rating.source, *rating.citations),
        )
        out.remove(rating)
    return out


def _risk(d: Designation) -> str | None:
    own = _attr(d, "risk", "risk_rating")
    if own:
        return own
    found = _RATING.search(d.list_name)
    return found.group(1) if found else None


def designation_views(
    session: Session, entity: Entity, numbering: Numbering
) -> list[DesignationView]:
    """``entity``'s listings, current ones first, then the ended ones; each list's periods
    in order; sources numbered as they are cited."""
    editions = list_editions(session)

    designations = []
    seen_lists: set[str] = set()
    # Current listings first, then the ended ones; each list's periods in order.
    for d in sorted(
        entity.designations,
        key=lambda d: (d.end is not None, d.list_id, d.start or d.end or dt.date.min),
    ):
        info = describe(d.list_id)
        legal = info.legal if info else True
        start_source = numbering.number(d.source)
        reason_source = numbering.number(d.reason_source) if d.reason_source else None
        end_source = numbering.number(d.end_source) if d.end and d.end_source else None
        years = fiscal_years(d.list_name, info)
        designations.append(
            DesignationView(
                list_id=d.list_id,
                list_name=d.list_name,
                start=d.start.isoformat() if d.start else None,
                end=d.end.isoformat() if d.end else None,
                status=_status(d, d.list_id in seen_lists, legal, years=years),
                reason=d.reason,
                source=start_source,
                source_url=d.source.url,
                short_name=list_short_name(info, d.list_name),
                effect=info.effect if info else None,
                edition=editions.get(d.list_id),
                legal=legal,
                next_step=info.next_step.title if info and info.next_step else None,
                next_step_url=info.next_step.url if info and info.next_step else None,
                licence_requirement=d.licence_requirement,
                licence_policy=d.licence_policy,
                programmes=d.programmes,
                category=_category(d),
                risk=_risk(d),
                citations=tuple(numbering.number(c) for c in _cited(d.citations)),
                end_note=d.end_note,
                reason_source=reason_source,
                end_reason=d.end_reason,
                end_source=end_source,
                effect_short=info.brief_effect if info else None,
                years=years,
            )
        )
        seen_lists.add(d.list_id)
    return _fold_ratings(designations)
