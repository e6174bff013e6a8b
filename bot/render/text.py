"""Readable terminal text for replies (``mcf-bot ask``)."""

from __future__ import annotations

from handlers.replies import EntityCard, ErrorReply, HelpReply, LookupReply, NoticeReply, Reply
from registry.lookup import MatchStatus

KINDS = {
    "company": "company",
    "university": "university",
    "research_institute": "research institute",
    "military_unit": "military unit",
    "state_owned_group": "state-owned group",
    "government_body": "government body",
    "programme": "programme",
    "other": "organisation",
}


def _refs(numbers: tuple[int, ...] | list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def card_lines(card: EntityCard) -> list[str]:
    title = card.name + (f" ({card.native_name})" if card.native_name else "")
    meta = KINDS.get(card.kind, card.kind) + (f", {card.country}" if card.country else "")
    lines = [title, f"  {meta}"]
    if card.aliases:
        lines.append("  Also known as: " + "; ".join(card.aliases[:12]))
    if card.summary:
        lines += ["", f"  {card.summary} {_refs(list(card.summary_sources))}"]
    lines += ["", "Lists:"]
    if not card.designations:
        lines.append("  Not named on any list in the registry.")
    for d in card.designations:
        lines.append(f"  - {d.list_name}: {d.status} [{d.source}]")
        if d.reason:
            lines.append(f"      Stated reason: {d.reason}")
    lines += ["", "Ties:"]
    if not card.relationships:
        lines.append("  None recorded.")
    for r in card.relationships:
        when = ""
        if r.start or r.end:
            when = f" ({r.start or '?'}–{r.end or ''})".replace("–)", " onwards)")
        lines.append(f"  - {r.sentence} {r.other_name}{when} {_refs(r.sources)}")
        if r.summary:
            lines.append(f"      {r.summary}")
    lines += ["", "Sources:"]
    for s in card.sources:
        date = f", {s.date}" if s.date else ""
        lines.append(f"  [{s.number}] {s.title} ({s.publisher}{date})\n      {s.url}")
    return lines


def render(reply: Reply) -> str:
    body = reply.body
    if isinstance(body, HelpReply):
        usage = [line.replace("/mcf", "mcf-bot ask") for line in body.lines]
        return "\n".join(([body.hint, ""] if body.hint else []) + usage)
    if isinstance(body, ErrorReply):
        return body.message + (f"\n{body.hint}" if body.hint else "")
    if isinstance(body, NoticeReply):
        return "\n".join([body.text, *(f"  - {line}" for line in body.lines)])
    assert isinstance(body, LookupReply)
    if body.status is MatchStatus.NONE:
        text = f"No organisation in the registry matches {body.query!r}."
        if body.candidates:
            text += "\nClosest names: " + "; ".join(c.name for c in body.candidates[:3])
        return text
    lines: list[str] = []
    if body.status is MatchStatus.AMBIGUOUS:
        lines.append(f"Not sure which organisation {body.query!r} means. Did you mean:")
        lines += [
            f"  - {c.name}  (score {c.score:.0f}, on {c.matched_on!r})" for c in body.candidates
        ]
        lines += ["", "Best guess:", ""]
    elif body.how and body.how != "exact name":
        lines.append(f"(matched {body.matched_on!r}: {body.how})")
    assert body.card is not None
    return "\n".join(lines + card_lines(body.card))


def check_line(query: str, reply: Reply) -> str:
    """One line of ``mcf-bot check``: the query, the verdict, the lists."""
    body = reply.body
    if not isinstance(body, LookupReply):
        return f"{query}\terror\t{render(reply).splitlines()[0]}"
    if body.status is MatchStatus.NONE or body.card is None:
        return f"{query}\tnot found"
    card = body.card
    lists = ", ".join(f"{d.list_id} since {d.start}" for d in card.listed_on) or "no list"
    verdict = "match" if body.status is MatchStatus.MATCH else "did you mean"
    return f"{query}\t{verdict}\t{card.name}\t{lists}"
