"""The verdict on one organisation, in one sentence: the first thing every answer says.

``listed`` (on which lists, since when), ``tied`` (the strongest tie, ties to listed
bodies first), ``formerly_listed``, or ``no_finding``, which says what was checked ("on
none of the 7 lists loaded, editions as of ...") and never that an organisation is clear:
the registry holds some lists only in part, and ties it has not recorded may exist.
"""

from __future__ import annotations

from handlers.replies import (
    DesignationView,
    EntityCard,
    ErrorReply,
    Finding,
    Level,
    ListsLoaded,
    LookupReply,
    Reply,
)
from registry.currency import SYNC_HINT
from registry.lookup import MatchStatus


def _listing(d: DesignationView) -> str:
    if not d.legal:
        kind = f"research tracker; category: {d.category}" if d.category else "research tracker"
        risk = f", risk {d.risk}" if d.risk else ""
        return f"{d.label} ({kind}{risk})"
    if d.start and d.status.startswith("from "):  # a later effective date
        return f"{d.label} {d.status}"
    return f"{d.label} since {d.start}" if d.start else f"{d.label} (date not stated)"


def _ended(d: DesignationView) -> str:
    return f"{d.label} {d.start or '?'} to {d.end}"


def checked_text(checked: ListsLoaded | None) -> str:
    """What a "no finding" was checked against, in words."""
    if checked is None or not checked.count:
        return "no list is loaded in the registry"
    n = checked.count
    text = f"on none of the {n} list{'s' if n != 1 else ''} loaded"
    if len(checked.editions) == 1:
        text += f" (editions as of {checked.editions[0]})"
    elif checked.editions:
        text += f" (editions {checked.editions[0]} to {checked.editions[-1]})"
    else:
        text += " (edition dates not recorded)"
    if checked.samples:
        held = " and ".join(checked.samples)
        text += f"; the {held} {'are' if len(checked.samples) > 1 else 'is'} held in part only"
    if checked.stale:  # registry.currency: copies older than their publisher's rhythm
        text += f"; {'; '.join(checked.stale)}: {SYNC_HINT}"
    return text


def of_card(card: EntityCard) -> Finding:
    listed = card.listed_on
    if listed:
        return Finding(
            Level.LISTED, "Listed: " + "; ".join(_listing(d) for d in listed), tuple(listed)
        )
    ended = tuple(d for d in card.designations if not d.active)
    former = "formerly on " + "; ".join(_ended(d) for d in ended) if ended else ""
    if card.relationships:
        tie = card.relationships[0]  # the card orders ties strongest first
        text = f"Tied: {tie.sentence} {tie.other_name}"
        if tie.other_lists:
            text += f" (listed: {', '.join(tie.other_lists)})"
        more = len(card.relationships) - 1
        if more:
            text += f", and {more} more tie{'s' if more != 1 else ''}"
        if former:
            text += f"; {former}"
        return Finding(Level.TIED, text, ended, tie)
    if ended:
        return Finding(Level.FORMER, f"Formerly listed: {former[len('formerly on ') :]}", ended)
    return Finding(
        Level.NO_FINDING, f"No finding: {checked_text(card.checked)}, and no tie recorded"
    )


def of_lookup(reply: LookupReply) -> Finding:
    if reply.status is MatchStatus.MATCH and reply.card is not None:
        return of_card(reply.card)
    if reply.status is MatchStatus.AMBIGUOUS:
        return ambiguous(reply.query, [c.name for c in reply.candidates])
    return Finding(
        Level.NO_FINDING,
        f"No finding for “{reply.query}”: no organisation in the registry matches it, "
        f"and it is {checked_text(reply.checked)}",
    )


def ambiguous(query: str, names: list[str]) -> Finding:
    """No verdict on a guess: the closest names, for the reader to choose."""
    names = names[:3]
    which = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
    return Finding(
        Level.AMBIGUOUS, f"Not sure which organisation “{query}” means: did you mean {which}?"
    )


def gone() -> Finding:
    return Finding(Level.NO_FINDING, "No finding: no longer in the registry")


def of_reply(reply: Reply) -> Finding:
    body = reply.body
    if isinstance(body, LookupReply):
        return of_lookup(body)
    if isinstance(body, ErrorReply):
        return Finding(Level.ERROR, body.message)
    return Finding(Level.ERROR, "not an organisation name")
