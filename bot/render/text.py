"""Readable terminal text for replies (``mcf-bot ask``)."""

from __future__ import annotations

from handlers.quick import line_for
from handlers.replies import (
    CheckLine,
    CheckListReply,
    EntityCard,
    ErrorReply,
    HelpReply,
    LookupReply,
    NoticeReply,
    Reply,
    SourcesReply,
    Verdict,
    edition_words,
)
from registry.lookup import MatchStatus
from registry.text import clean_text

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
        lines.append(f"  - {d.list_name}: {d.status} {_refs([d.source, *d.citations])}")
        if d.reason:
            lines.append(f"      Stated reason: {d.reason}")
        if d.licence_requirement:
            lines.append(f"      Licence required: {d.licence_requirement}")
        if d.licence_policy:
            lines.append(f"      Licence review policy: {d.licence_policy}")
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
    # Registry text is made inert at import; a terminal gets it checked once more.
    return clean_text(_render(reply), multiline=True)


def _render(reply: Reply) -> str:
    body = reply.body
    if isinstance(body, HelpReply):
        usage = [line.replace("/mcf", "mcf-bot ask") for line in body.lines]
        return "\n".join(([body.hint, ""] if body.hint else []) + usage)
    if isinstance(body, ErrorReply):
        return body.message + (f"\n{body.hint}" if body.hint else "")
    if isinstance(body, NoticeReply):
        return "\n".join([body.text, *(f"  - {line}" for line in body.lines)])
    if isinstance(body, CheckListReply):
        return "\n".join([check_heading(body), *(f"  - {check_sentence(x)}" for x in body.lines)])
    if isinstance(body, SourcesReply):
        return "\n".join(sources_lines(body))
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


def check_heading(reply: CheckListReply) -> str:
    """ "4 names checked: 3 listed, 1 not found" / "2 organisations named in the message"."""
    if reply.found_in_message:
        n = len(reply.lines) + reply.omitted
        if not n:
            return "No organisation in the registry is named in this message."
        head = f"{n} organisation{'s' if n != 1 else ''} from the registry named in the message"
    else:
        n = len(reply.lines)
        head = f"{n} name{'s' if n != 1 else ''} checked"
    counts = [f"{reply.count(v)} {v.value}" for v in Verdict if reply.count(v)]
    shown = f" (the first {len(reply.lines)} shown)" if reply.omitted else ""
    return f"{head}{shown}: " + ", ".join(counts)


def check_sentence(line: CheckLine) -> str:
    """One line in words: "Hikvison → Hangzhou Hikvision …: listed on …"."""
    who = line.query
    if line.name and line.name.casefold() != line.query.casefold():
        who += f" → {line.name}"
    return f"{who}: {line.reason(line.detail)}"


def check_line(query: str, reply: Reply) -> str:
    """One line of ``mcf-bot check``, tab-separated: the query, the verdict, the
    organisation and why (the same verdict as ``/mcf check`` gives in chat)."""
    line = line_for(query, reply)
    fields = [query, line.verdict.value]
    if line.name:
        fields.append(line.name)
    if line.detail and line.verdict is not Verdict.NONE:
        fields.append(line.detail)
    # One field each, one line per name, whatever the data holds (tabs, breaks, escapes).
    return "\t".join(clean_text(field) for field in fields)


def sources_lines(reply: SourcesReply) -> list[str]:
    """``mcf-bot sources``: a paragraph per list."""
    lines = [reply.as_notice().text]
    for view in reply.lists:
        edition = edition_words(view.edition, view.parties)
        copy = "complete" if view.completeness == "complete" else "a sample: absence proves nothing"
        lines += [
            "",
            f"{view.name} ({view.id})",
            f"  {view.authority}; {view.legal_basis} <{view.legal_basis_url}>",
            f"  What a listing means: {view.effect}",
            f"  Loaded: {edition}; bundled copy {copy}; {view.listed_now:,} organisations "
            f"listed now, {view.parties:,} ever; last import {view.last_import or 'never'}",
            f"  Data licence: {view.licence}",
        ]
    return lines
