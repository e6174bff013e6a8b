"""The HTTP edge: what every request body must pass before an SDK parses it.

A body that is not UTF-8, JSON nested deeper than any real payload, a bad signature or a
replayed one is refused here with a 4xx and one warning line, never a traceback: the
SDKs would otherwise raise while parsing, before their own checks run.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

log = logging.getLogger(__name__)

# Slack and Bot Framework payloads nest a few dozen levels at most (blocks in blocks);
# anything deeper is refused before it is parsed (and before recursive code walks it).
MAX_NESTING = 64
# Slack refuses requests older than five minutes; a replay must be remembered that long.
SLACK_WINDOW_S = 5 * 60
REPLAY_WINDOW_S = SLACK_WINDOW_S + 30
REPLAY_MEMORY = 100_000
# A Unix time in seconds has 10 digits until the year 2286; longer is not a timestamp.
MAX_TIMESTAMP_DIGITS = 12
# Payload types of interactive requests (buttons, menus, shortcuts, modals): each is acted
# on once, whatever the (unsigned) Content-Type says.
INTERACTIVE_TYPES = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
    }
)


class Refused(Exception):
    """A request refused at the edge: the status and the reason for the log line."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason

    def response(self, request: web.Request) -> web.Response:
        log.warning("refused %s %s: %s", request.method, request.path, self.reason)
        return web.json_response({"error": self.reason}, status=self.status)


def slack_signed(secret: str, raw: bytes, timestamp: str, signature: str) -> bool:
    """Slack's v0 signature over the raw bytes, within the five-minute window (the SDK's
    verifier decodes the body first, which raises on bytes that are not UTF-8)."""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > MAX_TIMESTAMP_DIGITS:
        return False
    if abs(time.time() - int(timestamp)) > SLACK_WINDOW_S:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def interactive(payload: object) -> bool:
    """A button press, menu choice, shortcut or modal, however the body was sent."""
    return isinstance(payload, dict) and payload.get("type") in INTERACTIVE_TYPES


def well_formed(payload: object) -> None:
    """Refuse shapes Bolt and the listeners assume away (an array or a string where an
    object is due, actions that are not a list of objects, a view that is not one)."""
    if not isinstance(payload, dict):
        raise Refused(400, f"payload is a JSON {_json_kind(payload)}, not an object")
    if "event" in payload and not isinstance(payload["event"], dict):
        raise Refused(400, "event is not an object")
    kind = payload.get("type")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            raise Refused(400, "block_actions without a list of actions")
        if not all(isinstance(a, dict) for a in actions):
            raise Refused(400, "an action is not an object")
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("type"), str):
            raise Refused(400, f"{kind} without a view object and its type")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "array", str: "string", bool: "boolean"}.get(type(value), "number")


def utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, f"body is not UTF-8 (byte {exc.start})") from None


def nesting(text: str) -> int:
    """The deepest nesting of JSON arrays and objects in ``text`` (strings skipped)."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return 0  # cannot be deeper: skip the scan (nearly every request)
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _brackets(form: str) -> int:
    """Opening brackets in a form body, as written or %-encoded: more than any value of
    it can hold once decoded."""
    upper = form.upper()
    return form.count("[") + form.count("{") + upper.count("%5B") + upper.count("%7B")


def shallow(text: str, content_type: str) -> None:
    """Refuse JSON (or a form's ``payload`` field) nested deeper than MAX_NESTING."""
    parts = [text]
    if content_type == "application/x-www-form-urlencoded":
        if _brackets(text) <= MAX_NESTING:
            return  # too few brackets, plain or %-encoded, to nest that deep (a /mcf)
        parts = [v for values in parse_qs(text).values() for v in values]
    if any(nesting(part) > MAX_NESTING for part in parts):
        raise Refused(400, f"payload nested deeper than {MAX_NESTING} levels")


class ReplayGuard:
    """Each signed interactive request is acted on once: a signature seen within the
    replay window is refused. Slack never sends one twice itself. Per process: replicas
    behind a load balancer each remember their own."""

    def __init__(self, window_s: float = REPLAY_WINDOW_S, memory: int = REPLAY_MEMORY) -> None:
        self.window_s, self.memory = window_s, memory
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                len(self._seen) >= self.memory or next(iter(self._seen.values())) < now
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now + self.window_s
            return True
