"""Where a Teams message came from, and how to reach that conversation again later.

Alert subscriptions keep a conversation reference (JSON, in the database) so the alert
worker, in any process, can post to the conversation proactively.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from microsoft_agents.activity import Activity, ConversationReference

from bot.edge import Refused
from bot.settings import TeamsSettings
from handlers.context import ChatContext

PLATFORM = "teams"
# "@mcf Baidu" in a channel arrives with the mention already removed by the SDK; in a
# chat "mcf Baidu" and "/mcf Baidu" read as "Baidu", like Slack's "/mcf Baidu".
_PREFIX = re.compile(r"^\s*/?mcf\b[\s:,]*", re.IGNORECASE)


# The Playground (ANONYMOUS_ALLOWED, no credentials) answers on the local machine.
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def service_url_allowed(url: object, hosts: Sequence[str], *, loopback: bool = False) -> bool:
    """Is ``url`` (an activity's ``serviceUrl``) one of Microsoft's services? The bot
    sends replies, and alerts later, to that address with its real token. ``hosts`` are
    domain names matched whole-label (``smba.trafficmanager.net`` and its subdomains);
    ``loopback`` also admits the local machine (anonymous mode only: no token is sent)."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if loopback and host in LOOPBACK:
        return parts.scheme in ("http", "https")
    return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in hosts)


# The keys the SDK reads an activity's service address from (its model accepts the alias
# and the field name alike): every one is checked, never only the documented one.
SERVICE_URL_KEYS = ("serviceUrl", "service_url")


def activity_service_urls(activity: object) -> list[object]:
    """Every service address an incoming activity names, under any key the SDK reads."""
    if not isinstance(activity, dict):
        return []
    return [activity[key] for key in SERVICE_URL_KEYS if key in activity]


def loopback_allowed(teams: TeamsSettings) -> bool:
    """The local Playground (anonymous, no credentials) answers on this machine; with
    credentials the bot's token must never go to a local or private address."""
    return teams.anonymous_allowed and not teams.client_id


def refuse_foreign_service_urls(activity: object, teams: TeamsSettings) -> None:
    """An incoming activity must name a service to answer through, and only allowed
    ones (checked again where every connector client is made: ``GuardedClientFactory``)."""
    urls = activity_service_urls(activity)
    if isinstance(activity, dict) and not urls:
        raise Refused(400, "activity has no serviceUrl")
    loopback = loopback_allowed(teams)
    for url in urls:
        if not service_url_allowed(url, teams.service_hosts, loopback=loopback):
            raise Refused(403, f"serviceUrl host not allowed: {str(url)[:100]!r}")


def command_text(text: str | None) -> str:
    return _PREFIX.sub("", (text or "").replace("\u00a0", " ").strip(), count=1)


def channel_key(conversation_id: str) -> str:
    """A channel thread's id ends in ";messageid=...": alerts go to the channel itself."""
    return conversation_id.split(";messageid=", 1)[0]


def reference_dict(activity: Activity) -> dict[str, Any]:
    """The JSON-safe conversation reference for proactive messages to this conversation."""
    reference = activity.get_conversation_reference()
    data: dict[str, Any] = reference.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("activityId", None)  # alerts start new posts, not replies to this message
    if isinstance(data.get("conversation"), dict) and data["conversation"].get("id"):
        data["conversation"]["id"] = channel_key(data["conversation"]["id"])
    return data


def continuation(reference: dict[str, Any]) -> Activity:
    return ConversationReference.model_validate(reference).get_continuation_activity()


def chat_context(activity: Activity) -> ChatContext:
    conversation = activity.conversation
    sender = activity.from_property
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = channel_data.get("team") if isinstance(channel_data.get("team"), dict) else None
    return ChatContext(
        platform=PLATFORM,
        channel_id=channel_key(conversation.id if conversation else ""),
        team_id=(team or {}).get("id") or (conversation.tenant_id if conversation else None),
        user_id=(sender.aad_object_id or sender.id) if sender else None,
        conversation=reference_dict(activity),
    )


# -- the message a message action was taken on -------------------------------------------

# Tags that end a line: names on either side of them are never read as one.
_BREAKS = frozenset(
    {"p", "div", "br", "hr", "li", "ul", "ol", "table", "tr", "td", "th", "blockquote", "pre"}
) | {f"h{n}" for n in range(1, 7)}
_HIDDEN = frozenset({"script", "style"})


class _HtmlText(HTMLParser):
    """The text a person reads in a Teams HTML message: tags dropped, entities decoded,
    a line break wherever a block ends (``<at>`` mentions keep their display name)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def payload_text(payload: Any) -> str:
    """The text of a message action's ``messagePayload``: its subject (channel posts may
    have one) and its body, which Teams sends as HTML or as plain text."""
    if not isinstance(payload, dict):
        return ""
    body = payload.get("body")
    body = body if isinstance(body, dict) else {}
    content = body.get("content")
    content = content if isinstance(content, str) else ""
    if str(body.get("contentType") or "").lower() == "html":
        content = html_text(content)
    subject = payload.get("subject")
    subject = subject if isinstance(subject, str) else ""
    return "\n".join(part for part in (subject, content) if part).replace("\u00a0", " ")
