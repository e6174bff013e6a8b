"""The ``/mcf`` grammar, shared by Slack, Teams and the terminal."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.errors import BadInput
from registry.lookup.normalize import clean

MAX_QUERY_CHARS = 300

USAGE = (
    "`/mcf <organisation>`: who it is, which public lists name it, its military-civil "
    "fusion ties, with numbered sources. Names in English, Chinese characters or pinyin; "
    "acronyms and typos are fine.",
    "`/mcf subscribe` (everything new) or `/mcf subscribe <list>` (e.g. `us-1260h`): "
    "this channel is told when new entries land.",
    "`/mcf watch <organisation>` / `/mcf unwatch <organisation>`: changes touching one "
    "organisation, its parents and subsidiaries.",
    "`/mcf subscriptions`: what this channel gets; `/mcf unsubscribe`: stop everything.",
    "`/mcf help`: this message.",
    "Examples: `/mcf Baidu`, `/mcf 北京航空航天大学`, `/mcf Hikvision`",
)


@dataclass(frozen=True, slots=True)
class Lookup:
    query: str


@dataclass(frozen=True, slots=True)
class Help:
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class Show:
    """Open one entity by id: "did you mean" buttons and "Share in channel"."""

    entity_id: int


@dataclass(frozen=True, slots=True)
class Subscribe:
    list_id: str | None = None


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    list_id: str | None = None


@dataclass(frozen=True, slots=True)
class Watch:
    name: str


@dataclass(frozen=True, slots=True)
class Unwatch:
    name: str


@dataclass(frozen=True, slots=True)
class ListSubscriptions:
    pass


Command = (
    Lookup | Help | Show | Subscribe | Unsubscribe | Watch | Unwatch | ListSubscriptions
)


def parse(text: str | None) -> Command:
    text = clean(text or "")
    if not text or text.lower() in {"help", "-h", "--help", "?"}:
        return Help()
    if len(text) > MAX_QUERY_CHARS:
        raise BadInput(
            f"That is {len(text):,} characters; an organisation name is at most {MAX_QUERY_CHARS}.",
            "Send one name, e.g. `/mcf Baidu`. To check many names use `mcf-bot check`.",
        )
    if not any(ch.isalnum() for ch in text):
        return Help(hint=f"I could not read an organisation name in {text!r}.")
    words = text.split(maxsplit=1)
    verb, rest = words[0].lower(), (words[1] if len(words) == 2 else "")
    if verb in {"lookup", "ask", "find"} and rest:
        return Lookup(rest)
    if verb == "subscribe":
        return Subscribe(rest.strip() or None)
    if verb == "unsubscribe":
        return Unsubscribe(rest.strip() or None)
    if verb in {"subscriptions", "alerts"} and not rest:
        return ListSubscriptions()
    if verb in {"watch", "unwatch"}:
        if not rest:
            return Help(hint=f"`{verb}` needs an organisation, e.g. `/mcf {verb} Baidu`.")
        return Watch(rest) if verb == "watch" else Unwatch(rest)
    return Lookup(text)
