"""One entry point for every front end: text in, reply out, every error a reply."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers import commands, quick, records, subscriptions
from handlers.as_of import parse_date
from handlers.context import ChatContext, Services
from handlers.errors import BadInput, CommandError, to_reply
from handlers.graph import graph
from handlers.lookup import help_reply, lookup, show
from handlers.replies import (
    CheckListReply,
    ErrorReply,
    GraphReply,
    HelpReply,
    LookupReply,
    NoticeReply,
    Reply,
    SourcesReply,
)
from handlers.sources import sources
from registry.errors import RegistryBusyError
from registry.memory_only import NeedsDatabase, memory_only
from registry.records import Requester

ReplyBody = (
    LookupReply | HelpReply | ErrorReply | NoticeReply | CheckListReply | SourcesReply | GraphReply
)

log = logging.getLogger(__name__)

REPORT_NEEDS_ONE = "A report is made for one organisation: ask for it by its exact name."


def _needs_channel(chat: ChatContext | None) -> ChatContext:
    if chat is None:
        raise BadInput(
            "Alerts belong to a channel: use this command in Slack or Teams.",
            "Operators can manage them with `mcf-bot subscriptions`.",
        )
    return chat


def _log(exc: Exception, what: str) -> None:
    if isinstance(exc, RegistryBusyError):
        log.warning("%s: %s (answered: try again in a minute)", what, exc)
    elif not isinstance(exc, CommandError):
        log.exception("%s failed", what)


@dataclass(frozen=True)
class Typed:
    """What someone typed, parsed once per request: the front end routes on it (``writes``)
    and ``handle`` answers it. ``parsed`` is the command, or the error that answers it."""

    text: str | None
    parsed: commands.Command | CommandError


def read(text: str | None) -> Typed:
    try:
        return Typed(text, commands.parse(text))
    except CommandError as exc:
        return Typed(text, exc)  # ``handle`` answers it


def writes(typed: Typed | str | None) -> bool:
    """Does this command change the registry (a channel's alerts)? The chat front ends
    run those on their own pool, so lookups never queue behind a write."""
    command = (typed if isinstance(typed, Typed) else read(typed)).parsed
    return isinstance(
        command, commands.Subscribe | commands.Unsubscribe | commands.Watch | commands.Unwatch
    )


def guarded(fn: Callable[..., Reply | ReplyBody], *args: Any, what: str = "") -> Reply:
    """Run a handler that is not a typed command (a button, a shortcut) with the same
    promise as ``handle``: every outcome, error or not, is a reply."""
    try:
        result = fn(*args)
    except Exception as exc:
        _log(exc, what or getattr(fn, "__name__", "handler"))
        return Reply(to_reply(exc))
    return result if isinstance(result, Reply) else Reply(result)


def handle(
    services: Services,
    text: Typed | str | None,
    chat: ChatContext | None = None,
    *,
    who: Requester | None = None,
) -> Reply:
    """Answer ``text`` (as typed, or as ``read`` already parsed it). A lookup or check
    asked by someone (``chat``'s user, or ``who`` in the terminal) leaves a screening
    record (``handlers.records``); the reply comes once it is kept."""
    return respond(services, text, chat, who=who).settled()


def respond(
    services: Services,
    text: Typed | str | None,
    chat: ChatContext | None = None,
    *,
    who: Requester | None = None,
) -> records.Recording:
    """``handle`` with the reply's records still being written: a chat front end awaits
    them on its event loop, and the pool thread that answered is free meanwhile."""
    typed = text if isinstance(text, Typed) else read(text)
    try:
        answered = _answer(services, typed, chat, records.requester(chat, who))
    except NeedsDatabase:
        raise  # asked from memory only (``from_memory``): asked again where I/O may wait
    except Exception as exc:
        _log(exc, f"command {(typed.text or '')[:200]!r}")
        answered = Reply(to_reply(exc))
    return answered if isinstance(answered, records.Recording) else records.Recording(answered)


def from_memory(
    services: Services, typed: Typed, chat: ChatContext | None = None
) -> records.Recording | None:
    """``respond`` for a lookup answered from what the process holds (the index, a built
    card, the editions in force), or None when it needs the database or is not a plain
    lookup: a chat front end answers it on its event loop, and asks ``respond`` in the
    pool otherwise (``registry.memory_only``). Nothing is recorded unless it answers."""
    if not isinstance(typed.parsed, commands.Lookup):
        return None
    try:
        with memory_only():
            return respond(services, typed, chat)
    except NeedsDatabase:
        return None


def _answer(
    services: Services, typed: Typed, chat: ChatContext | None, asker: Requester | None
) -> Reply | records.Recording:
    """What ``respond`` answers (errors raised): a lookup or check with its records."""
    if isinstance(typed.parsed, CommandError):
        raise typed.parsed
    match typed.parsed:
        case commands.Help(hint=hint):
            return Reply(help_reply(hint))
        case commands.Show(entity_id=entity_id):
            return records.recording(services, asker, "pick", Reply(show(services, entity_id)))
        case commands.Lookup(query=query, as_of=as_of):
            reply = Reply(lookup(services, query, as_of))
            return records.recording(services, asker, "lookup", reply, as_of)
        case commands.Report(query=query, as_of=as_of):
            found = lookup(services, query, as_of)
            unclear = () if found.card is not None else (REPORT_NEEDS_ONE,)
            reply = Reply(found, notes=unclear, report=True)
            return records.recording(services, asker, "lookup", reply, as_of)
        case commands.Check(names=names, as_of=as_of):
            reply = Reply(quick.check_list(services, names, as_of))
            return records.recording(services, asker, "check", reply, as_of)
        case commands.Record(record_id=record_id):
            return Reply(records.notice(records.read(services, asker, record_id)))
        case commands.Subscribe(list_id=list_id):
            return Reply(subscriptions.subscribe(services, _needs_channel(chat), list_id))
        case commands.Unsubscribe(list_id=list_id):
            return Reply(subscriptions.unsubscribe(services, _needs_channel(chat), list_id))
        case commands.Watch(name=name):
            return Reply(subscriptions.watch(services, _needs_channel(chat), name))
        case commands.Unwatch(name=name):
            return Reply(subscriptions.unwatch(services, _needs_channel(chat), name))
        case commands.ListSubscriptions():
            return Reply(subscriptions.list_subscriptions(services, _needs_channel(chat)))
        case commands.Sources():
            return Reply(sources(services))
        case commands.Graph(query=query):
            return Reply(graph(services, query))
    raise AssertionError("unreachable: parse returns a Command")


def ask(
    services: Services, text: str, *, as_of: str | None = None, who: Requester | None = None
) -> Reply:
    """A terminal's ``mcf-bot ask``: the whole text is one organisation's name, never a
    command (``ask Check Point Software``, ``ask help``); ``as_of`` a date as typed
    (``--as-of``). Recorded as ``handle`` records a lookup; every outcome is a reply."""
    try:
        day = parse_date(as_of) if as_of else None
        query = commands.parse_name(text).query
        reply = Reply(lookup(services, query, day))
        return records.recorded(services, records.requester(None, who), "lookup", reply, day)
    except Exception as exc:
        _log(exc, f"ask {text[:200]!r}")
        return Reply(to_reply(exc))
