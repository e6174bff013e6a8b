"""The layouts of replies that are not a lookup: digests and watch alerts, the App Home,
help, errors and notices, the lists loaded (``sources``) and the network picture."""

from __future__ import annotations

from bot.render.layout_parts import (
    Layout,
    Line,
    Mark,
    Run,
    Section,
    Style,
    one_line,
    plural,
)
from handlers.digests import Digest
from handlers.home import HomeReply
from handlers.replies import (
    ErrorReply,
    GraphReply,
    HelpReply,
    NoticeReply,
    SourcesReply,
    edition_words,
)

# -- digests and watch alerts -----------------------------------------------------------


def digest_layout(digest: Digest) -> Layout:
    sections = []
    for section in digest.sections:
        lines = []
        for entry in section.entries:
            runs = [Run(one_line(entry.name), Style.STRONG), Run(f": {one_line(entry.detail)}")]
            if entry.url:
                runs += [Run(" · "), Run("source", link=entry.url)]
            lines.append(Line(tuple(runs), mark=Mark.BULLET, keys=entry.change_ids))
        sections.append(Section(one_line(section.heading), tuple(lines)))
    headings = "; ".join(s.heading for s in digest.sections)
    return Layout(
        "digest",
        one_line(digest.title),
        tuple(sections),
        summary=one_line(f"{digest.title}: {headings}"),
    )


# -- App Home ---------------------------------------------------------------------------

MAX_CHANNEL_LINES = 20


def home_layout(home: HomeReply) -> Layout:
    how = Section(
        "Quick checks", tuple(Line((Run(h, Style.CODE),), mark=Mark.BULLET) for h in home.how_to)
    )
    changes = []
    for c in home.changes:
        runs = [
            Run(c.date, Style.SUBTLE),
            Run(" "),
            Run(one_line(c.name), Style.STRONG),
            Run(f": {one_line(c.what)}"),
        ]
        if c.source_url:
            runs += [Run(" · "), Run(one_line(c.source_title or "source"), link=c.source_url)]
        elif c.source_title:
            runs += [Run(" · "), Run(one_line(c.source_title), Style.EMPHASIS)]
        changes.append(Line(tuple(runs), mark=Mark.BULLET))
    recent = Section(
        "Recent registry changes, last 20, newest first",
        tuple(changes),
        empty="Nothing recorded yet.",
    )
    alerts: list[Line] = []
    if not home.channels_known:
        note = one_line(home.channels_note) or "I could not list your channels."
        alerts.append(Line((Run(note),)))
    for ch in home.channels:
        alerts.append(Line((Run(one_line(ch.channel_id), Style.CHANNEL),)))
        alerts += [
            Line((Run(one_line(x)),), mark=Mark.BULLET, indent=1)
            for x in ch.lines[:MAX_CHANNEL_LINES]
        ]
    empty = "None of your channels has alerts. In a channel, try `/mcf subscribe`."
    channels = Section("Alerts in your channels", tuple(alerts), empty=empty)
    sections = [how, recent, channels]
    if home.sync_failures:
        # For the operator who opens the Home tab; never posted to channels.
        failing = tuple(
            Line((Run(one_line(x)),), mark=Mark.WARNING) for x in home.sync_failures[:10]
        )
        sections.insert(
            1, Section("List updates are failing (the registry may be out of date)", failing)
        )
    return Layout("home", None, tuple(sections), summary="mcf-bot home")


# -- help, errors, notices --------------------------------------------------------------


def help_layout(reply: HelpReply) -> Layout:
    lines = [Line((Run(one_line(reply.hint)),))] if reply.hint else []
    lines += [Line((Run(x, Style.CODE),)) for x in reply.lines]
    return Layout("help", None, (Section(None, tuple(lines)),), summary="mcf-bot help")


def error_layout(reply: ErrorReply) -> Layout:
    lines = [Line((Run(one_line(reply.message), Style.STRONG),), mark=Mark.WARNING)]
    if reply.hint:
        lines.append(Line((Run(one_line(reply.hint)),)))
    return Layout("error", None, (Section(None, tuple(lines)),), summary=one_line(reply.message))


def notice_layout(reply: NoticeReply) -> Layout:
    lines = [Line((Run(one_line(x)),), mark=Mark.BULLET) for x in reply.lines]
    return Layout(
        "notice",
        None,
        (Section(one_line(reply.text), tuple(lines)),),
        summary=one_line(reply.text),
    )


def sources_layout(reply: SourcesReply) -> Layout:
    """``/mcf sources`` and ``mcf-bot sources``: a section per list, what it means, what
    is loaded of it and under which licence."""
    sections = []
    for view in reply.lists:
        loaded = (
            f"Loaded: {edition_words(view.edition, view.parties)}; {view.copy_words()}; "
            f"{view.listed_now:,} organisations listed now, {view.parties:,} ever; "
            f"last import {view.last_import or 'never'}"
        )
        chinese = (
            f"Chinese names: {view.chinese_names:,} of {view.parties:,} organisations have one "
            "that a source writes"
        )
        lines: tuple[Line, ...] = (
            Line(
                (
                    Run(one_line(view.authority) + "; "),
                    Run(one_line(view.legal_basis), link=view.legal_basis_url),
                )
            ),
            Line((Run("What a listing means: " + one_line(view.effect)),)),
            Line((Run(loaded),)),
            Line((Run(chinese),)),
            Line((Run("Data licence: " + one_line(view.licence)),)),
        )
        if view.out_of_scope:
            lines += (Line((Run(one_line(view.scope_words())),)),)
        if view.rhythm:
            lines += (Line((Run("Publisher's rhythm: " + one_line(view.rhythm)),)),)
        if view.stale:
            lines += (Line((Run("Stale: " + one_line(view.stale), Style.WARNING),)),)
        if view.held:
            lines += (Line((Run("Held: " + one_line(view.held), Style.WARNING),)),)
        if view.sync is not None:
            lines += tuple(
                Line((Run("Synced from the publisher's file:", link=url),))
                for url in view.sync.urls
            )
            sync = f"Sync: {view.sync.words()}; edition {view.sync.edition or '-'}"
            lines += (Line((Run(one_line(sync)),)),)
        sections.append(Section(f"{one_line(view.name)} ({view.id})", lines))
    for rule in reply.rules:
        status = f"Status: {rule.status} since {rule.status_date}"
        if rule.status_note:
            status += f"; {rule.status_note}"
        rule_lines = (
            Line(
                (Run(one_line(rule.authority) + "; "), Run(rule.source.title, link=rule.source.url))
            ),
            Line(
                (
                    Run(
                        f"What it does: {rule.effect}; applies to parties of "
                        + ", ".join(rule.applies_to)
                    ),
                )
            ),
            Line(
                (
                    Run(f"{status} ("),
                    Run(rule.status_source.title, link=rule.status_source.url),
                    Run(")"),
                )
            ),
        )
        sections.append(Section(f"Ownership rule: {rule.name} ({rule.id})", rule_lines))
    title = reply.title
    return Layout("notice", title, tuple(sections), summary=title)


def graph_layout(reply: GraphReply) -> Layout:
    """A network picture's words: its caption and every organisation it shows (the
    picture's alt text, and the answer where no picture can be shown)."""
    net = reply.network
    lines = []
    for node in net.nodes:
        runs = [Run(one_line(node.name), Style.STRONG)]
        if node.native_name:
            runs.append(Run(f" ({one_line(node.native_name)})"))
        if node.lists:
            runs.append(Run(f": listed on {', '.join(node.lists)}", Style.ATTENTION))
        lines.append(Line(tuple(runs), mark=Mark.BULLET))
    title = f"Network of {one_line(reply.name)}"
    return Layout(
        "graph",
        title,
        (
            Section(None, (Line((Run(one_line(net.caption()), Style.SUBTLE),)),), subtle=True),
            Section(f"{plural(len(net.nodes), 'organisation')} shown", tuple(lines)),
        ),
        summary=one_line(net.alt_text()),
    )
