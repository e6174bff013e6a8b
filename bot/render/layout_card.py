"""The parts of a card (``bot.render.layout.card_layout``): its lists with what each
listing means, its ties, the path to the nearest listed owner, its numbered sources, and
the caps a short card gives up, in order, until it fits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.render.layout_parts import (
    Button,
    Line,
    Mark,
    Run,
    Style,
    fold,
    one_line,
    plural,
)
from handlers.replies import (
    EntityCard,
)
from registry.views import strongest_restriction

# The strongest ties a short card shows (ties to listed bodies first); the rest sit
# behind "N more ties" (a button in chat, ``--full`` in the terminal).
TIES_SHOWN = 5
ALIASES_SHOWN = 3  # on the card's second line, beside kind and country


@dataclass
class CardSources:
    """Sources numbered in the order the layout cites them (JSON keeps the card's own
    numbers), so a short card lists exactly the sources of what it shows."""

    card: EntityCard
    order: dict[tuple[str, ...] | int, int] = field(default_factory=dict)  # -> shown number

    def _number(self, key: tuple[str, ...] | int) -> str:
        return f"[{self.order.setdefault(key, len(self.order) + 1)}]"

    def cite(self, numbers: Iterable[int]) -> str:
        return "".join(self._number(n) for n in dict.fromkeys(numbers))

    def cite_link(self, title: str, url: str, publisher: str) -> str:
        return self._number((title, url, publisher))

    def lines(self, per_line: int = 1) -> list[Line]:
        """One line per source, or ``per_line`` to a line on a card short of room (the
        sources fold before any legal meaning does)."""
        by_number = {s.number: s for s in self.card.sources}
        runs: list[tuple[Run, ...]] = []
        for key, shown in self.order.items():
            if isinstance(key, int):
                s = by_number[key]
                title, url, date, publisher = s.title, s.url, s.date, s.publisher
            else:
                (title, url, publisher), date = key, None
            when = f", {date}" if date else ""
            runs.append(
                (
                    Run(f"[{shown}] "),
                    Run(one_line(title), link=url),
                    Run(f" ({one_line(publisher)}{when})", Style.SUBTLE),
                )
            )
        lines = []
        for i in range(0, len(runs), per_line):
            group = runs[i : i + per_line]
            joined = [
                r for j, source in enumerate(group) for r in ((Run(" · "),) if j else ()) + source
            ]
            lines.append(Line(tuple(joined)))
        return lines


@dataclass(frozen=True)
class Caps:
    """What a card shows. Legal meaning is never capped: every listing with legal effect
    keeps its "Means" line, its entry's terms whole and its stated reason (first sentence
    on a short card); a card short of room gives up the summary, the long form of the
    means, ties, a tracker's means and identifiers, and lists several sources a line."""

    ties: int | None = TIES_SHOWN  # None: all
    tie_summaries: int | None = 1  # the first ties' summaries (what the source says)
    summary: bool = True
    aliases: int | None = ALIASES_SHOWN
    fold: bool = True
    short_effects: bool = False  # the catalogue's short form of what a listing means
    tracker_effects: bool = True  # a research tracker's "Means" (it has no legal effect)
    identifiers: bool = True
    sources_per_line: int = 1


# Tried in order until the card fits MAX_CARD_LINES: what a short card gives up first.
SHORTER = (
    Caps(),
    Caps(summary=False),
    Caps(summary=False, tie_summaries=0),
    Caps(summary=False, tie_summaries=0, short_effects=True),
    Caps(ties=3, tie_summaries=0, summary=False, short_effects=True),
    Caps(ties=1, tie_summaries=0, summary=False, short_effects=True),
    Caps(ties=1, tie_summaries=0, summary=False, short_effects=True, sources_per_line=2),
    Caps(
        ties=1,
        tie_summaries=0,
        summary=False,
        short_effects=True,
        sources_per_line=3,
        tracker_effects=False,
    ),
    Caps(
        ties=1,
        tie_summaries=0,
        summary=False,
        short_effects=True,
        sources_per_line=4,
        tracker_effects=False,
        identifiers=False,
    ),
)
FULL = Caps(ties=None, tie_summaries=None, aliases=None, fold=False)


def designation_lines(card: EntityCard, caps: Caps, sources: CardSources) -> list[Line]:
    lines: list[Line] = []
    steps: list[tuple[str, str, str]] = []
    for d in card.designations:
        when = d.status
        if d.edition:
            when += f" · {d.edition} edition"
        about = []
        if d.category:
            about.append(f"category: {d.category}")
        if d.risk:
            about.append(f"risk: {d.risk}")
        if about:
            when += " · " + ", ".join(about)
        # Every number is given here, for what this card shows (the start's source, the
        # editions read, the end's source).
        cited = [d.source, *d.citations, *([d.end_source] if d.end_source else [])]
        lines.append(
            Line(
                (
                    Run(one_line(d.list_name.split(" (category: ")[0]), Style.STRONG),
                    Run(f": {when} {sources.cite(cited)}"),
                ),
                mark=Mark.ACTIVE if d.active else Mark.ENDED,
            )
        )
        effect = d.effect_short if caps.short_effects and d.effect_short else d.effect
        if effect and d.active and (d.legal or caps.tracker_effects):
            # Our own one-line words (the catalogue's): never folded.
            lines.append(Line((Run(f"Means: {one_line(effect)}", Style.SUBTLE),), indent=1))
        terms = entry_terms(d.licence_requirement, d.licence_policy)
        if terms and d.active:  # this entry's own legal meaning: whole, on every card
            lines.append(Line(tuple(Run(t, Style.SUBTLE) for t in terms), indent=1))
        if d.programmes and d.active:  # which sanctions programme (SDN codes)
            text = f"Sanctions programme: {one_line(d.programmes)}"
            lines.append(Line((Run(text, Style.SUBTLE),), indent=1))
        if d.reason:
            # The stated reason: its first sentence on a short card, never cut inside it.
            reason = fold(d.reason, limit=len(d.reason) + 1) if caps.fold else one_line(d.reason)
            cite = ""
            if d.reason_source is not None and d.reason_source != d.source:
                cite = " " + sources.cite([d.reason_source])
            lines.append(Line((Run(f"Reason given: {reason}{cite}", Style.EMPHASIS),), indent=1))
        if d.active and d.next_step and d.next_step_url:
            steps.append((d.next_step, d.next_step_url, d.label))
    for title, url, label in dict.fromkeys(steps):
        ref = sources.cite_link(title, url, f"next step for the {label}")
        lines.append(Line((Run("Next step: ", Style.STRONG), Run(f"{title} {ref}"))))
    return lines


def entry_terms(requirement: str | None, policy: str | None) -> tuple[str, ...]:
    """The entry's own terms (the Entity List's licence review policy and licence
    requirement), whole, as the list states them, one run each: a legal rule is never cut
    before its point. The strongest restriction the policy states is named first."""
    parts: list[str] = []
    if policy:
        strongest = strongest_restriction(policy)
        lead = f"{strongest[0].upper()}{strongest[1:]}; " if strongest else ""
        parts += [f"Review policy: {lead}as listed: ", one_line(policy)]
    if requirement:
        parts += [" · " if parts else "", "Licence required: ", one_line(requirement)]
    return tuple(p for p in parts if p)


def tie_dates(start: str | None, end: str | None) -> str:
    """A tie's dates as the source gives them: one date for a one-off event (a notice, a
    contract), never "onwards" for what the source does not say goes on."""
    if not start and not end:
        return ""
    if start == end:
        return f" ({start})"
    if start and end:
        return f" ({start}–{end})"
    return f" (from {start})" if start else f" (until {end})"


def tie_lines(
    card: EntityCard, caps: Caps, sources: CardSources, more: Button | None
) -> list[Line]:
    ties = card.relationships if caps.ties is None else card.relationships[: caps.ties]
    lines: list[Line] = []
    for i, r in enumerate(ties):
        listed = f" (listed: {', '.join(r.other_lists)})" if r.other_lists else ""
        if r.other_tracked:  # a tracker is no listing (``handlers.verdict``)
            listed += f" (tracked: {', '.join(r.other_tracked)})"
        when = tie_dates(r.start, r.end)
        if r.other_english:
            listed = f" ({one_line(r.other_english)}){listed}"
        elif r.other_pinyin:
            listed = f" (pinyin, our transliteration: {r.other_pinyin}){listed}"
        lines.append(
            Line(
                (
                    Run(f"{r.sentence} "),
                    Run(one_line(r.other_name), Style.STRONG),
                    Run(f"{listed}{when} {sources.cite(r.sources)}"),
                ),
                mark=Mark.BULLET,
            )
        )
        if r.summary and (caps.tie_summaries is None or i < caps.tie_summaries):
            lines.append(Line((Run(one_line(r.summary), Style.SUBTLE),), indent=1))
    hidden = len(card.relationships) - len(ties)
    if hidden > 0:
        # On a whole card, ties are left off only where the platform's message size
        # says so (``max_ties``): then no button would show more.
        tail = "" if more else ", too many for one message"
        text = f"{plural(hidden, 'more tie')}{tail}"
        lines.append(Line((Run(text, Style.SUBTLE),), control=more))
    return lines


def path_lines(card: EntityCard, sources: CardSources) -> tuple[Line, ...]:
    """Each hop with its sources, the listings it ends at, and the catalogue's ownership
    rules for an ownership path (kept on every card: a legal rule is never cut)."""
    path = card.owner_path
    assert path is not None
    lines = [
        Line(
            (
                Run(f"{one_line(hop.from_name)} is {hop.words} "),
                Run(one_line(hop.to_name), Style.STRONG),
                Run(f" {sources.cite(hop.sources)}"),
            ),
            mark=Mark.BULLET,
            indent=min(i, 1),
        )
        for i, hop in enumerate(path.hops)
    ]
    lines.append(Line((Run(f"{one_line(path.owner_name)}: {path.listing_words()}"),), indent=1))
    today = dt.date.today().isoformat()
    for rule in path.rules:
        cited = sources.cite_link(rule.source.title, rule.source.url, rule.authority)
        status = sources.cite_link(rule.status_source.title, rule.status_source.url, rule.authority)
        text = (
            f"{rule.name} {cited}: {rule.effect}. Status in our catalogue: {rule.status} "
            f"since {rule.status_date} {status}"
        )
        if rule.status_note:
            text += f"; {rule.status_note}"
        if rule.stale(today):
            text += f". That date ({rule.status_until}) has passed: check the rule's current status"
        text += ". Our data does not state ownership shares."
        lines.append(Line((Run(text, Style.EMPHASIS),), mark=Mark.WARNING))
    return tuple(lines)
