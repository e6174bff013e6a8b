"""Quick checks: a list of names (``/mcf check``, ``mcf-bot check``) or every organisation
named in a message, answered one compact line each.

A line's verdict is the card's (``handlers.verdict``): listed, formerly listed, tied,
tracked, not listed, did you mean, no match. The chat list and the terminal's
``mcf-bot check`` share ``line_for``, so both say the same of the same name.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from handlers import verdict
from handlers.cards import build_card
from handlers.context import Services
from handlers.errors import BadInput, NotFound
from handlers.lookup import check
from handlers.replies import (
    CandidateView,
    CheckLine,
    CheckListReply,
    EntityCard,
    ErrorReply,
    GraphReply,
    HelpReply,
    Level,
    NoticeReply,
    Reply,
    SourcesReply,
)
from registry.db import unit_of_work
from registry.lookup import MatchStatus, NameIndex
from registry.lookup.types import EXACT_NAME, Explanation, MatchKind, NameField

# A message is at most 40,000 characters in Slack; a list shows at most this many lines.
MAX_SCAN_CHARS = 40_000
MAX_LINES = 50
# Chat buttons carry at most 2,000 characters (Slack's limit on a button's value).
MAX_SHARE_KEY = 2000
_SHARE_NAME_CHARS = 120


def card_line(
    query: str, card: EntityCard, how: Explanation | None = None, matched_on: str | None = None
) -> CheckLine:
    """The verdict on one organisation, from its card: the level and the words of
    ``handlers.verdict`` (a check line says what the card's verdict says)."""
    finding = verdict.of_card(card)
    return CheckLine(
        query,
        finding.level,
        finding.detail,
        entity_id=card.id,
        name=card.name,
        how=how,
        country=card.country,
        matched_on=matched_on,
        finding=finding,
    )


def line_for(query: str, reply: Reply) -> CheckLine:
    """One name's answer as a check line (``mcf-bot check`` prints the same verdict)."""
    body = reply.body
    finding = verdict.of_reply(reply)
    if isinstance(body, ErrorReply):
        return CheckLine(query, Level.ERROR, body.message, finding=finding)
    if isinstance(body, HelpReply | NoticeReply | CheckListReply | SourcesReply | GraphReply):
        return CheckLine(query, Level.ERROR, "not an organisation name", finding=finding)
    if body.status is MatchStatus.AMBIGUOUS and body.candidates:
        # Names only: no candidate's verdict, country or card stands in for an answer.
        return CheckLine(
            query,
            Level.AMBIGUOUS,
            finding.detail,
            candidates=body.candidates,
            how=body.how,
            finding=finding,
        )
    if body.status is not MatchStatus.MATCH or body.card is None:
        return CheckLine(query, Level.NO_MATCH, finding.detail, finding=finding)
    how = body.how if body.how != EXACT_NAME else None
    return card_line(query, body.card, how, body.matched_on)


# -- the two ways in --------------------------------------------------------------------


def check_list(
    services: Services, names: Sequence[str], as_of: dt.date | None = None
) -> CheckListReply:
    """``/mcf check A; B; C``: the same answers as ``mcf-bot check``, in order."""
    lines = tuple(line_for(name, reply) for name, reply in check(services, names, as_of))
    key = _pack(services, {"c": [n[:_SHARE_NAME_CHARS] for n in names]})
    return CheckListReply(lines, share_key=key)


def scan_message(services: Services, text: str) -> CheckListReply:
    """Every registry organisation named in ``text``, in order of appearance."""
    with unit_of_work(services.registry.sessions) as session:
        index = services.index.current(session)
        mentions = services.mentions.current(index).scan(text[:MAX_SCAN_CHARS])
        shown = [(m.text, m.entity_ids, NameField(m.how)) for m in mentions[:MAX_LINES]]
        lines = _mention_lines(session, index, shown)
    key = _pack(services, {"m": [[t[:_SHARE_NAME_CHARS], list(ids), how] for t, ids, how in shown]})
    return CheckListReply(
        lines,
        found_in_message=True,
        share_key=key if lines else None,
        omitted=max(0, len(mentions) - MAX_LINES),
    )


def _mention_lines(
    session: Session, index: NameIndex, found: Iterable[tuple[str, Sequence[int], NameField]]
) -> tuple[CheckLine, ...]:
    lines = []
    for text, ids, how in found:
        if len(ids) == 1:
            try:
                card = build_card(session, ids[0])
            except NotFound:
                gone = verdict.gone()
                lines.append(CheckLine(text, Level.NO_MATCH, gone.detail, finding=gone))
                continue
            found_as = Explanation(MatchKind.FOUND, how) if how is not NameField.NAME else None
            lines.append(card_line(text, card, found_as))
            continue
        candidates = tuple(
            CandidateView(i, index.entity_name(i), 100.0, text, Explanation(MatchKind.SAME, how))
            for i in ids
        )
        finding = verdict.ambiguous(text, [c.name for c in candidates])
        lines.append(
            CheckLine(
                text,
                Level.AMBIGUOUS,
                finding.detail,
                candidates=candidates,
                how=Explanation(MatchKind.FOUND, how),
                finding=finding,
            )
        )
    return tuple(lines)


def reshare(services: Services, key: str) -> CheckListReply:
    """The list a share button was made for, answered again from today's registry."""
    data = _unpack(services, key)
    if isinstance(data.get("c"), list):
        return check_list(services, [str(n) for n in data["c"]][:MAX_LINES])
    found = data.get("m")
    if not isinstance(found, list):
        raise BadInput("That button is not one of mine.")
    try:
        # (A name field we no longer know is a button of an older version.)
        items = [(str(t), [int(i) for i in ids], NameField(str(how))) for t, ids, how in found]
    except (TypeError, ValueError):
        raise BadInput("That button is not one of mine.") from None
    with unit_of_work(services.registry.sessions) as session:
        index = services.index.current(session)
        lines = _mention_lines(session, index, items[:MAX_LINES])
    return CheckListReply(lines, found_in_message=True, share_key=key)


# -- share keys: the list itself, compressed and signed (a chat button has no
# server-side state, and its value comes back from the client: a value we did not make
# must not post "Harvard University → listed" in a channel) -------------------------

SHARE_KEY_VERSION = "2"
_TAG_BYTES = 16  # HMAC-SHA256 cut to 128 bits: unforgeable, and short in a 2,000-char value
_TAG_CHARS = 22  # its length in unpadded base64


def _tag(key: bytes, data: bytes) -> str:
    digest = hmac.new(key, data, hashlib.sha256).digest()[:_TAG_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _pack(services: Services, data: dict[str, Any]) -> str | None:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    packed = zlib.compress(raw, 9)
    body = base64.urlsafe_b64encode(packed).decode("ascii")
    key = SHARE_KEY_VERSION + _tag(services.share_keys[0], packed) + body
    return key if len(key) <= MAX_SHARE_KEY else None


def _unpack(services: Services, key: str) -> dict[str, Any]:
    not_mine = BadInput("That button is not one of mine.", "Run the check again to share it.")
    if not key.startswith(SHARE_KEY_VERSION) or len(key) > MAX_SHARE_KEY:
        raise not_mine
    tag, body = key[1 : 1 + _TAG_CHARS], key[1 + _TAG_CHARS :]
    try:
        packed = base64.urlsafe_b64decode(body)
    except (ValueError, binascii.Error):
        raise not_mine from None
    # Every configured key verifies (the first one signs): keys can be rotated.
    if not any(hmac.compare_digest(_tag(k, packed), tag) for k in services.share_keys):
        raise not_mine
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(packed, 65536)
        if inflate.unconsumed_tail:
            raise ValueError("too large")
        data = json.loads(raw)
    except (ValueError, zlib.error, UnicodeDecodeError):
        raise not_mine from None
    if not isinstance(data, dict):
        raise not_mine
    return data
