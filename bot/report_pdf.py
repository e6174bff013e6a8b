"""The evidence report: one screening as a PDF an auditor can file.

The card as every front end lays it out (``bot.render.layout``, every tie), then each
source with its whole URL (as text and as a link), the list editions in force, when and by
whom it was asked, the record's id and SHA-256, and any decisions. Chinese names print in
the bundled Noto Sans CJK SC (``bot.fonts``), embedded and subset by fpdf2. fpdf2 is
imported here only, when a report is made.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.fonts import cjk_font
from bot.render.layout import layout, shown_lines
from bot.render.text import _line
from handlers.replies import LookupReply, Reply
from registry.records import DecisionView, RecordView
from registry.text import clean_text

FONT = "noto"
TITLE_PT, HEADING_PT, BODY_PT, SMALL_PT = 15, 11.5, 9.5, 7.5
LINE_MM, SMALL_LINE_MM = 5.0, 3.8


# The terminal's line marks the font has no glyph for, as marks it has.
_MARKS = str.maketrans({"●": "•", "○": "–", "⚠": "!"})


def _clean(text: str) -> str:
    return clean_text(text, multiline=True).translate(_MARKS)


def _decision(d: DecisionView) -> str:
    note = f": {d.note}" if d.note else ""
    return (
        f"{d.decision.replace('_', ' ')} by {d.user_id} ({d.platform}), "
        f"{d.at:%Y-%m-%d %H:%M} UTC{note}"
    )


def render(reply: Reply, record: RecordView | None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font(FONT, fname=str(cjk_font()))
    pdf.set_title("mcf-bot screening evidence")
    pdf.set_creator("mcf-bot")
    pdf.add_page()

    def text(words: str, size: float = BODY_PT, height: float = LINE_MM, link: str = "") -> None:
        pdf.set_font(FONT, size=size)
        pdf.multi_cell(
            0, height, _clean(words), new_x="LMARGIN", new_y="NEXT", link=link, align="L"
        )

    def heading(words: str) -> None:
        pdf.ln(2)
        text(words, HEADING_PT, LINE_MM + 1)

    text("Screening evidence report", TITLE_PT, 8)
    lay = layout(reply, full=True, shareable=False)
    if lay.finding is not None:
        text(lay.finding.text, HEADING_PT, LINE_MM + 1)
    if lay.full_title:
        heading(lay.full_title)
    for section in lay.sections:
        if section.heading == "Sources":
            continue  # below, each with its whole URL
        if section.heading:
            heading(section.heading)
        for shown in shown_lines(section):
            text(_line(shown, ""))
    body = reply.body
    card = body.card if isinstance(body, LookupReply) else None
    if card is not None and card.sources:
        heading("Sources")
        for source in card.sources:
            dated = f", {source.date}" if source.date else ""
            text(f"[{source.number}] {source.title}, {source.publisher}{dated}")
            text(source.url, SMALL_PT, SMALL_LINE_MM, link=source.url)
    if record is not None:
        heading("Record")
        for words in _record_lines(record):
            text(words)
        heading("List editions in force")
        for list_id, edition in sorted(record.editions.items()):
            text(f"{list_id}: edition of {edition}")
        heading("Decisions")
        for words in [_decision(d) for d in record.decisions] or ["none recorded"]:
            text(words)
    return bytes(pdf.output())


def _record_lines(record: RecordView) -> Sequence[str]:
    where = f" in {record.channel_id}" if record.channel_id else ""
    return (
        f"Record #{record.id}, {record.kind}",
        f"Asked {record.at:%Y-%m-%d %H:%M:%S} UTC by {record.user_id} ({record.platform}){where}",
        f"Query: {record.query}" + (f", as of {record.as_of}" if record.as_of else ""),
        f"Verdict: {record.verdict}",
        f"SHA-256 of the answer's canonical JSON: {record.answer_sha256}",
    )
