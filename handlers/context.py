"""What every handler is given: the registry and its live name index."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from handlers.cache import ReplyCache
from registry.lookup.live import LiveIndex
from registry.lookup.mentions import LiveMentions
from registry.record_writer import RecordWriter
from registry.service import Registry
from registry.sync.options import SyncOptions


@dataclass(frozen=True)
class ChatContext:
    """Where a command was typed: alerts are per channel (or Teams conversation)."""

    platform: str
    channel_id: str
    team_id: str | None = None
    user_id: str | None = None
    conversation: dict[str, object] | None = None
    # The user groups (Slack ``S...``) the user belongs to, of those named as alert admins.
    groups: frozenset[str] = frozenset()
    # How replies name the channel: "this channel" in chat; the terminal names it
    # (``mcf-bot subscriptions --channel C0123``: "slack channel C0123").
    where: str = "this channel"


# A partner file past this many rows is refused with the reason (split it): a screening
# of 20,000 names takes minutes and keeps 20,000 records.
DEFAULT_CHECK_MAX_ROWS = 20_000


@dataclass
class Services:
    registry: Registry
    index: LiveIndex = field(default_factory=LiveIndex)
    # Organisations named in running text; follows ``index``.
    mentions: LiveMentions = field(default_factory=LiveMentions)
    # Where each list is fetched from (``/mcf sources`` shows the URL in use).
    sync: SyncOptions = field(default_factory=SyncOptions)
    # Cards (and other replies) built once per change-log position.
    replies: ReplyCache = field(default_factory=ReplyCache)
    # Who may change a channel's alerts (user ids and user groups); empty: anyone.
    alert_admins: frozenset[str] = frozenset()
    # Who may read every screening record (``MCF_RECORD_ADMINS``); empty: the alert admins.
    record_admins: frozenset[str] = frozenset()
    # Rows of a partner file screened at once (``MCF_CHECK_MAX_ROWS``).
    check_max_rows: int = DEFAULT_CHECK_MAX_ROWS
    # Keys that sign share buttons: the first signs, every one verifies (rotation). A
    # random key when none is configured: buttons then last as long as the process.
    share_keys: tuple[bytes, ...] = field(default_factory=lambda: (secrets.token_bytes(32),))
    # Writes the screening records of concurrent answers together (group commit).
    records: RecordWriter = field(init=False)

    def __post_init__(self) -> None:
        self.records = RecordWriter(self.registry.engine)
