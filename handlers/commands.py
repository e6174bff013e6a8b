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


Command = Lookup | Help | Show


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
    if words[0].lower() in {"lookup", "ask", "find"} and len(words) == 2:
        return Lookup(words[1])
    return Lookup(text)
