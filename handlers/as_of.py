"""Answers as of a past date: "was it listed on the day we signed?"

A card as of a date keeps the designations in force that day (started on or before it,
not ended by it) and the ties already recorded by it; what began later is left out of the
card and named in ``later``, and a period that ended later is shown as in force with its
end named in ``later``. A listing whose start the data does not state is kept as in
force: the registry cannot show it was not, and "not listed" for a listed organisation is
the worst answer there is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from handlers.errors import BadInput
from handlers.replies import DesignationView, EntityCard, LookupReply
from registry.catalog import years_lists

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# "Acme as of 2023-03-01" (chat); the CLI's --as-of takes the same date.
AS_OF_SUFFIX = re.compile(r"\s+as\s+of\s+(\S+)\s*$", re.IGNORECASE)


def parse_date(text: str) -> dt.date:
    """An ISO date (YYYY-MM-DD), not in the future."""
    text = text.strip()
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"{text[:40]!r} is not a date I can read.", "Write it as YYYY-MM-DD, e.g. 2023-03-01."
        ) from None
    if day > dt.datetime.now(dt.UTC).date():
        raise BadInput(f"{day} is in the future: I can answer as of today or earlier.")
    return day


def split_as_of(text: str) -> tuple[str, dt.date | None]:
    """``"Acme as of 2023-03-01"`` -> ``("Acme", 2023-03-01)``; no suffix: no date."""
    found = AS_OF_SUFFIX.search(text)
    if found is None:
        return text, None
    return text[: found.start()], parse_date(found.group(1))


def _on_or_before(value: str | None, day: str) -> bool:
    return value is None or value[:10] <= day


def _later_start(d: DesignationView) -> str:
    # A fiscal-year list's bounds are days no publisher stated: name its years instead.
    return f"{d.label} on the {years_lists(d.years)}" if d.years else f"{d.label} from {d.start}"


def _later_end(d: DesignationView) -> tuple[str, str]:
    """What a period that ended after the day says of its end, and its status that day."""
    if d.years:
        return (
            f"{d.label} not on the lists after the {years_lists(d.years)}",
            f"on the {years_lists(d.years)}",
        )
    since = f"listed since {d.start}" if d.start else "listed (start not stated)"
    return f"{d.label} ended {d.end}", since


def card_as_of(card: EntityCard, day: dt.date) -> tuple[EntityCard, tuple[str, ...]]:
    """The card as it stood on ``day``, and what changed after it, in words. A fiscal-year
    list is compared by the bounds of its years, and named by its years."""
    iso = day.isoformat()
    kept = []
    later = []
    for d in card.designations:
        if not _on_or_before(d.start, iso):
            later.append(_later_start(d))
            continue
        if d.end is not None and d.end[:10] > iso:
            ended, status = _later_end(d)
            later.append(ended)
            d = dataclasses.replace(d, end=None, end_note=None, status=status)
        kept.append(d)
    ties = []
    for tie in card.relationships:
        if tie.start and tie.start[:10] > iso:
            later.append(f"{tie.sentence} {tie.other_name} from {tie.start}")
            continue
        ties.append(tie)
    return (
        dataclasses.replace(card, designations=tuple(kept), relationships=tuple(ties)),
        tuple(later),
    )


def reply_as_of(reply: LookupReply, day: dt.date) -> LookupReply:
    if reply.card is None:
        return dataclasses.replace(reply, as_of=day.isoformat())
    card, later = card_as_of(reply.card, day)
    return dataclasses.replace(reply, card=card, as_of=day.isoformat(), later=later)


def finding_text(text: str, reply: LookupReply) -> str:
    """The verdict's sentence as of the reply's date: "As of 2023-03-01: …; later: …"."""
    if reply.as_of is None:
        return text
    out = f"As of {reply.as_of}: {text}"
    if reply.later:
        out += "; later: " + "; ".join(reply.later)
    return out
