"""The verdict on one organisation, in one sentence: the first thing every answer says.

One type (``handlers.replies.Level``), decided here and nowhere else; the terminal,
Slack, Teams, JSON and ``check`` all show the ``Finding`` made here:

- ``listed``: on at least one list with legal effect today (the catalogue says which);
- ``formerly_listed``: was on such a list, is on none today; its end dates are kept even
  when a tie applies too ("Formerly listed: DoD 1260H 2021-01-14 to 2025-01-07; now tied:
  is a subsidiary of X (listed: ...)");
- ``tied``: on no such list, with a recorded tie to a body that is (``Tie``);
- ``tracked``: only in a research tracker, which has no legal effect ("ASPI tracker rates
  it very high risk"): never the word "listed";
- ``not_listed``: found in the registry and on none of the lists loaded, naming those
  lists with their own editions and the well-known lists not held;
- ``no_match``: nothing in the registry matches the text. That says nothing about the
  organisation: the answer says so, shows the nearest names and the forms that find
  more, and never says "on none of the lists".
"""

from __future__ import annotations

import dataclasses

from handlers import as_of
from handlers.replies import (
    DesignationView,
    EntityCard,
    ErrorReply,
    Finding,
    Level,
    ListsLoaded,
    LookupReply,
    RelationshipView,
    Reply,
    Tie,
)
from registry.catalog import years_lists
from registry.currency import SYNC_HINT
from registry.lookup import MatchStatus

# Names a "did you mean" or "no match" answer offers.
NEAREST_SHOWN = 3
# What to try when no name matches: the forms the registry holds most.
TRY_INSTEAD = "try its full legal name or its Chinese name"
NOT_EVIDENCE = (
    "this is not evidence that it is unlisted: it may be listed under another name, "
    "spelling or script"
)


def _when(d: DesignationView) -> str:
    """A current listing's date, as the list states it."""
    if d.years:
        return f"on the {years_lists(d.years)}"
    if d.start and d.status.startswith("from "):  # a later effective date
        return d.status
    return f"since {d.start}" if d.start else "(date not stated)"


def listing_words(d: DesignationView) -> str:
    """ "DoD 1260H since 2021-06-03", "DoD 1286 on the FY2022–FY2025 lists"."""
    return f"{d.label} {_when(d)}"


def ended_words(d: DesignationView) -> str:
    """An ended listing with its dates and the reason the list gives for the removal."""
    if d.years:
        text = f"{d.label} ({years_lists(d.years)}"
        text += f"; {d.end_note})" if d.end_note else "; not on the later lists)"
        return text
    if d.end_note:
        return f"{d.label} {d.start or '(start not stated)'}; {d.end_note}"
    why = f" (removed: {d.end_reason})" if d.end_reason else ""
    return f"{d.label} {d.start or '(start not stated)'} to {d.end}{why}"


def tracked_words(d: DesignationView) -> str:
    """ "ASPI tracker rates it very high risk (category: Defence Seven Sons)"."""
    category = f" (category: {d.category})" if d.category else ""
    if d.risk:
        return f"{d.label} rates it {d.risk} risk{category}"
    return f"{d.label} names it{category}"


def tie_words(tie: RelationshipView) -> str:
    listed = f" (listed: {', '.join(tie.other_lists)})" if tie.other_lists else ""
    return f"{tie.sentence} {tie.other_name}{listed}"


def edition_list(checked: ListsLoaded) -> str:
    """ "Entity List 2025-11-08, MEU List 2022-04-21, DoD 1286 FY2025, ..."."""
    return ", ".join(f"{c.short_name} {c.edition or '(edition not dated)'}" for c in checked.lists)


def checked_text(checked: ListsLoaded | None) -> str:
    """What an answer with no listing was checked against: each list with its own edition,
    the lists held only in part, and the well-known lists not held."""
    if checked is None or not checked.count:
        return "no list is loaded in the registry"
    n = checked.count
    text = f"the {n} list{'s' if n != 1 else ''} checked ({edition_list(checked)})"
    if checked.samples:
        held = " and ".join(checked.samples)
        text += f"; the {held} {'are' if len(checked.samples) > 1 else 'is'} held in part only"
    if checked.not_held:
        text += f"; not held: {', '.join(checked.not_held)}"
    if checked.stale:  # registry.currency: copies older than their publisher's rhythm
        text += f"; {'; '.join(checked.stale)}: {SYNC_HINT}"
    return text


def _finding(level: Level, label: str, detail: str, **parts: object) -> Finding:
    return Finding(level, f"{label}: {detail}", detail=detail, **parts)  # type: ignore[arg-type]


def why_held(card: EntityCard) -> str | None:
    """Why an organisation on no list is in the registry: the document its summary
    cites (an article naming it), by title, so the sentence needs no citation number."""
    if card.designations or not card.summary or not card.summary_sources:
        return None
    by_number = {s.number: s for s in card.sources}
    source = by_number.get(card.summary_sources[0])
    if source is None:
        return None
    when = f", {source.date}" if source.date else ""
    return f"“{source.title}” ({source.publisher}{when}) names it, as the summary says"


def of_card(card: EntityCard) -> Finding:
    """The verdict on an organisation found in the registry."""
    legal = [d for d in card.designations if d.legal]
    listed = [d for d in legal if d.active]
    tracked = tuple(d for d in card.designations if d.active and not d.legal)
    tracked_text = "; ".join(tracked_words(d) for d in tracked)
    also = f"; {tracked_text}" if tracked_text else ""
    if listed:
        detail = "; ".join(listing_words(d) for d in listed) + also
        return _finding(Level.LISTED, "Listed", detail, lists=tuple(listed), tracked=tracked)
    ties = [r for r in card.relationships if r.other_listed]  # strongest first
    tie = Tie(ties[0]) if ties else None
    tie_text = tie_words(ties[0]) if ties else ""
    path = card.owner_path
    if path is not None:  # the chain up to the nearest listed owner says more
        up = path.hops[0].to_id
        first = next(r for r in card.relationships if r.direction == "out" and r.other_id == up)
        tie, tie_text = Tie(first, path), path.words()
        ties = [r for r in ties if r.other_id != path.owner_id]
        ties.insert(0, first)
    more = len(ties) - 1
    if more > 0:
        tie_text += f", and {more} more tie{'s' if more != 1 else ''} to listed bodies"
    former = tuple(d for d in legal if not d.active)
    if former:
        detail = "; ".join(ended_words(d) for d in former)
        if tie is not None:
            detail += f"; now tied: {tie_text}"
        detail += also
        return _finding(
            Level.FORMER, "Formerly listed", detail, tie=tie, former=former, tracked=tracked
        )
    if tie is not None:
        return _finding(Level.TIED, "Tied", tie_text + also, tie=tie, tracked=tracked)
    checked = card.checked
    legal_lists = sum(c.legal for c in checked.lists) if checked else 0
    if tracked:
        detail = (
            f"{tracked_text}. A research tracker, with no legal effect; on none of the "
            f"{legal_lists} lists with legal effect checked"
        )
        return _finding(Level.TRACKED, "Tracked, not listed", detail, tracked=tracked)
    detail = f"in the registry, and on none of {checked_text(checked)}"
    n = len(card.relationships)
    if n:
        detail += f"; {n} tie{'s' if n != 1 else ''} recorded, none to a listed body"
    why = why_held(card)
    if why:
        detail += f"; in the registry because {why}"
    return _finding(Level.NOT_LISTED, "Not listed", detail, checked=checked, why=why)


def no_match(query: str, nearest: list[str], checked: ListsLoaded | None) -> Finding:
    """No organisation in the registry matches ``query``: no verdict on the organisation."""
    shown = tuple(nearest[:NEAREST_SHOWN])
    detail = f"no organisation in the registry matches this name; {NOT_EVIDENCE}; {TRY_INSTEAD}"
    text = f"No match for “{query}”: {detail}."
    if shown:
        text += f" Closest names in the registry, none of them the name asked: {'; '.join(shown)}."
    if checked is not None and checked.count:
        text += f" Lists checked: {edition_list(checked)}."
        if checked.not_held:
            text += f" Not held: {', '.join(checked.not_held)}."
        if checked.stale:  # registry.currency: copies older than their publisher's rhythm
            text += f" Stale: {'; '.join(checked.stale)}: {SYNC_HINT}."
    return Finding(Level.NO_MATCH, text, checked=checked, nearest=shown, detail=detail)


def of_lookup(reply: LookupReply) -> Finding:
    return findings(reply)[0]


def findings(reply: LookupReply) -> tuple[Finding, Finding]:
    """A lookup's verdict and its card's own (without the as-of wording; the lookup's
    when there is no card), the card's computed once: ``LookupReply.finding`` and
    ``LookupReply.card_finding``."""
    card = of_card(reply.card) if reply.card is not None else None
    finding = _of_lookup(reply, card)
    if reply.as_of is not None:
        finding = dataclasses.replace(finding, text=as_of.finding_text(finding.text, reply))
    return finding, card or finding


def _of_lookup(reply: LookupReply, card: Finding | None) -> Finding:
    if reply.status is MatchStatus.MATCH and card is not None:
        return card
    names = [c.name for c in reply.candidates]
    if reply.status is MatchStatus.AMBIGUOUS:
        exact = any(c.how.as_written for c in reply.candidates)
        return ambiguous(reply.query, names, exact=exact)
    return no_match(reply.query, names, reply.checked)


def ambiguous(query: str, names: list[str], *, exact: bool = True) -> Finding:
    """No verdict on a guess: the closest names, for the reader to choose. ``exact``:
    the name asked is a name of several of them; else nothing is named so."""
    shown = tuple(names[:NEAREST_SHOWN])
    which = ", ".join(shown[:-1]) + f" or {shown[-1]}" if len(shown) > 1 else "".join(shown)
    if exact:
        text = f"Not sure which organisation “{query}” means: did you mean {which}?"
    else:
        # The question first: a sentence that opens with "nothing is named so" reads as
        # a clearance to someone skimming, and a near name may well be the one meant.
        text = (
            f"Did you mean {which}? “{query}” is not exactly a name the registry holds. "
            f"If none is it, {NOT_EVIDENCE}; {TRY_INSTEAD}."
        )
    return Finding(Level.AMBIGUOUS, text, nearest=shown, detail=which)


def gone() -> Finding:
    detail = "no longer in the registry"
    return Finding(Level.NO_MATCH, f"No match: {detail}", detail=detail)


def of_reply(reply: Reply) -> Finding:
    body = reply.body
    if isinstance(body, LookupReply):
        return body.finding
    if isinstance(body, ErrorReply):
        return body.finding
    return Finding(Level.ERROR, "not an organisation name", detail="not an organisation name")
