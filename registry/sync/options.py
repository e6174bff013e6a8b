"""How ``mcf-bot sync`` downloads: built by ``bot.settings`` from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from registry.catalog import SyncFile
from registry.guard import GuardOptions

# The longest one source's downloads may take, retries included (MCF_SYNC_DEADLINE): the
# read timeout only bounds a pause between bytes, so a server that drips a byte at a time
# would otherwise hold the sync (and its lock) for ever. trade.gov's ~60 MB JSON takes
# about ten minutes at 100 kB/s; three times that is a stalled source.
SOURCE_DEADLINE_S = 30 * 60.0


@dataclass(frozen=True)
class FetchOptions:
    # A publisher that has not accepted the connection in this long is down or blocked.
    connect_timeout_s: float = 15.0
    # Seconds without a byte; trade.gov's CSV (~17 MB) streams steadily, so a pause this
    # long is a stalled transfer, not a slow one.
    read_timeout_s: float = 60.0
    # Attempts after the first, on a 5xx, a dropped or refused connection, or a timeout.
    retries: int = 3
    # The wait before retry n is backoff_s * 2**(n-1): 2, 4, 8 s by default.
    backoff_s: float = 2.0
    # The largest body accepted: the CSL JSON is ~60 MB today; four times that is a
    # wrong URL or a runaway response, and it must not fill the disk.
    max_bytes: int = 256 * 1024 * 1024
    # A PEM file of CAs to trust instead of the system store (TLS interception proxies).
    ca_bundle: str | None = None
    user_agent: str = "mcf-bot-sync/1"
    # Seconds for all of one source's downloads (see SOURCE_DEADLINE_S).
    deadline_s: float = SOURCE_DEADLINE_S
    # Hosts (``host`` or ``host:port``) of mirrors that may be fetched over plain http
    # (MCF_SYNC_HTTP_MIRRORS); everything else is https only.
    http_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SyncOptions:
    fetch: FetchOptions = field(default_factory=FetchOptions)
    # File id -> URL, from MCF_SYNC_URL_<ID>: mirrors, air-gapped copies, tests.
    urls: Mapping[str, str] = field(default_factory=dict)
    # What makes an edition look wrong enough to hold (``registry.guard``).
    guard: GuardOptions = field(default_factory=GuardOptions)

    def url(self, file: SyncFile) -> str:
        return self.urls.get(file.id) or file.url
