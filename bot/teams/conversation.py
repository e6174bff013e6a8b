"""Where a Teams message came from, and how to reach that conversation again later.

Alert subscriptions keep a conversation reference (JSON, in the database) so the alert
worker, in any process, can post to the conversation proactively.
"""

from __future__ import annotations

import re
from typing import Any

from microsoft_agents.activity import Activity, ConversationReference

from handlers.context import ChatContext

PLATFORM = "teams"
# "@mcf Baidu" in a channel arrives with the mention already removed by the SDK; in a
# chat "mcf Baidu" and "/mcf Baidu" read as "Baidu", like Slack's "/mcf Baidu".
_PREFIX = re.compile(r"^\s*/?mcf\b[\s:,]*", re.IGNORECASE)


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
