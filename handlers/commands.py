"""The ``/mcf`` grammar, shared by Slack, Teams and the terminal."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from handlers.as_of import split_as_of
from handlers.errors import BadInput
from registry.names.normalize import clean, is_legal_form

MAX_QUERY_CHARS = 300
# ``/mcf check``: a meeting's worth of names in one go; longer lists belong in a file.
MAX_CHECK_NAMES = 50
MAX_CHECK_CHARS = 8000
MAX_RECORD_DIGITS = 12  # record ids are row ids

USAGE = (
    "`/mcf <organisation>`: who it is, which public lists name it, its military-civil "
    "fusion ties, with numbered sources. Names in English, Chinese characters or pinyin; "
    "acronyms and typos are fine.",
    "`/mcf subscribe` (everything new) or `/mcf subscribe <list>` (e.g. `us-1260h`): "
    "this channel is told when new entries land.",
    "`/mcf watch <organisation>` / `/mcf unwatch <organisation>`: changes touching one "
    "organisation, its parents and subsidiaries.",
    "`/mcf check <names>`: up to 50 names separated by `;`, commas or new lines, one "
    "line each: listed, tied, not found or did you mean.",
    "`/mcf subscriptions`: what this channel gets; `/mcf unsubscribe`: stop everything.",
    "`/mcf graph <organisation>`: a picture of its network: owners above, subsidiaries, "
    "labs and suppliers below, listed organisations in red.",
    "`/mcf sources`: the lists the registry holds, each with its edition, whether the copy "
    "is complete, and what a listing means.",
    "`/mcf NAME as of 2023-03-01`: the answer from the listings in force on that day.",
    "`/mcf record 42`: one of your screening records (every answer is kept as evidence).",
    "`/mcf report <organisation>`: the answer as a PDF of evidence (sources, list "
    "editions, record and hash), posted here.",
    "`/mcf help`: this message.",
    "Examples: `/mcf Baidu`, `/mcf 北京航空航天大学`, `/mcf Hikvision`",
)


@dataclass(frozen=True, slots=True)
class Lookup:
    query: str
    as_of: dt.date | None = None  # "Acme as of 2023-03-01": the answer on that day


@dataclass(frozen=True, slots=True)
class Check:
    """Many names at once; each is answered as ``mcf-bot check`` answers it."""

    names: tuple[str, ...]
    as_of: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """A lookup whose answer also comes as the evidence PDF (``/mcf report NAME``)."""

    query: str
    as_of: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """One screening record, for its maker or an admin (``/mcf record 42``)."""

    record_id: int


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


@dataclass(frozen=True, slots=True)
class Graph:
    """A picture of one organisation's network (``/mcf graph NAME``)."""

    query: str


@dataclass(frozen=True, slots=True)
class Sources:
    """The lists the registry loads, with their editions and what a listing means."""


Command = (
    Lookup
    | Check
    | Help
    | Show
    | Subscribe
    | Unsubscribe
    | Watch
    | Unwatch
    | ListSubscriptions
    | Sources
    | Record
    | Graph
    | Report
)

_CHECK = re.compile(r"\s*check(?:\s+|$)", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,3}[.)])\s+")


def split_names(text: str) -> list[str]:
    """Names separated by new lines or ``;`` (then commas stay inside names: "Baidu,
    Inc."), else by commas; bullets of a pasted list are dropped, and a piece that is
    only a legal form ("Inc.") goes back to the name before it."""
    if "\n" in text or ";" in text:
        return [name for piece in re.split(r"[;\n]", text) if (name := _name(piece))]
    names: list[str] = []
    for piece in text.split(","):
        name = _name(piece)
        if not name:
            continue
        if names and is_legal_form(name):
            names[-1] = f"{names[-1]}, {name}"
        else:
            names.append(name)
    return names


def _name(piece: str) -> str:
    return clean(_BULLET.sub("", piece))


def parse_check(rest: str) -> Command:
    rest, as_of = split_as_of(rest)
    if len(rest) > MAX_CHECK_CHARS:
        raise BadInput(
            f"That list is {len(rest):,} characters; `/mcf check` takes at most "
            f"{MAX_CHECK_CHARS:,}.",
            f"Check up to {MAX_CHECK_NAMES} names at a time, or run `mcf-bot check FILE`.",
        )
    names = split_names(rest)
    if not names:
        return Help(hint="`check` needs names, e.g. `/mcf check Baidu; Tsinghua University`.")
    if len(names) > MAX_CHECK_NAMES:
        raise BadInput(
            f"That is {len(names)} names; `/mcf check` takes up to {MAX_CHECK_NAMES} at a time.",
            "Split the list, or run `mcf-bot check FILE` in a terminal for any number.",
        )
    return Check(tuple(names), as_of)


def _too_long(text: str) -> BadInput:
    return BadInput(
        f"That is {len(text):,} characters; an organisation name is at most {MAX_QUERY_CHARS}.",
        "Send one name, e.g. `/mcf Baidu`. To check many names use `/mcf check A; B; C` "
        "or `mcf-bot check FILE`.",
    )


def parse_name(text: str) -> Lookup:
    """One name of a list (``/mcf check``, ``mcf-bot check``): never a command."""
    text = clean(text)
    if len(text) > MAX_QUERY_CHARS:
        raise _too_long(text)
    if not any(ch.isalnum() for ch in text):
        raise BadInput(f"I could not read an organisation name in {text!r}.")
    return Lookup(text)


def parse(text: str | None) -> Command:
    raw = text or ""
    check = _CHECK.match(raw)
    if check:  # before clean(): the list's new lines separate names
        return parse_check(raw[check.end() :])
    text = clean(raw)
    if not text or text.lower() in {"help", "-h", "--help", "?"}:
        return Help()
    if len(text) > MAX_QUERY_CHARS:
        raise _too_long(text)
    if not any(ch.isalnum() for ch in text):
        return Help(hint=f"I could not read an organisation name in {text!r}.")
    words = text.split(maxsplit=1)
    verb, rest = words[0].lower(), (words[1] if len(words) == 2 else "")
    if verb in {"lookup", "ask", "find"} and rest:
        return Lookup(*split_as_of(rest))
    if verb == "record" and rest:
        number = rest.strip().lstrip("#")
        if not number.isdigit() or len(number) > MAX_RECORD_DIGITS:
            raise BadInput(f"{rest[:40]!r} is not a record number.", "e.g. `/mcf record 42`.")
        return Record(int(number))
    if verb == "subscribe":
        return Subscribe(rest.strip() or None)
    if verb == "unsubscribe":
        return Unsubscribe(rest.strip() or None)
    if verb in {"subscriptions", "alerts"} and not rest:
        return ListSubscriptions()
    if verb in {"sources", "lists"} and not rest:
        return Sources()
    if verb == "report":
        if not rest:
            return Help(hint="`report` needs an organisation, e.g. `/mcf report Baidu`.")
        return Report(*split_as_of(rest))
    if verb in {"graph", "network"}:
        if not rest:
            return Help(hint=f"`{verb}` needs an organisation, e.g. `/mcf {verb} AVIC`.")
        return Graph(rest)
    if verb in {"watch", "unwatch"}:
        if not rest:
            return Help(hint=f"`{verb}` needs an organisation, e.g. `/mcf {verb} Baidu`.")
        return Watch(rest) if verb == "watch" else Unwatch(rest)
    return Lookup(*split_as_of(text))
