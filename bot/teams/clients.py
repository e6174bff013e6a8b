"""HTTP clients to the Teams connector that outlive a turn.

The Agents SDK makes two clients for every turn (a connector client for the reply, a
user-token client for OAuth sign-ins) and closes both when the turn ends. Each is a new
aiohttp session, so each reply opens a new connection to the connector, and each client
looks the SDK's version up in the installed packages' metadata for its User-Agent (a
scan of ``sys.path``): together about a fifth of the CPU a cached answer costs.

Here a client is made once per (kind, address, token) and lent to every turn; the SDK's
``close()`` at the end of a turn gives it back. The token is still asked for on every
turn (the token provider caches it and renews it before it expires), so a renewed token
gets a new client, and the one it replaces is closed once no turn holds it. The sessions
keep no cookies, as the SDK's one-request sessions never reused any.

A turn the SDK abandons between making its two clients (the connector client refused
for its address) never gives the first one back: that client, when retired, is closed at
shutdown instead.

A pool belongs to one event loop (aiohttp sessions do): ``serve``'s. Calls from another
loop (the alert notifier runs each send on its own) get the SDK's clients, made and
closed per call.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import ClientSession, DummyCookieJar, TCPConnector
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

# Addresses (connector service URLs, the token service) with a client kept open. Teams
# uses a handful of service URLs (one per region); past this many, the least recently
# used client is closed once no turn holds it.
MAX_ADDRESSES = 32
# Open connections per client (aiohttp's default): replies beyond this many at once to
# one address wait for a connection rather than open more.
CONNECTIONS_PER_CLIENT = 100


class _Lent:
    """A client lent to turns: ``close()`` (which the SDK calls at the end of every
    turn) gives it back; its pool closes it once retired and held by no turn."""

    _pool: ClientPool
    _held: int = 0
    _retired: bool = False

    async def close(self) -> None:
        self._held -= 1
        if self._retired and self._held <= 0:
            await self._pool.shut(self)

    async def really_close(self) -> None:
        await super().close()  # type: ignore[misc]  # the SDK client's own close


class LentConnectorClient(_Lent, TeamsConnectorClient):
    pass


class LentUserTokenClient(_Lent, UserTokenClient):
    pass


@dataclass
class _Slot:
    token: str
    client: _Lent


class ClientPool:
    def __init__(self, max_addresses: int = MAX_ADDRESSES) -> None:
        self.max_addresses = max_addresses
        self._slots: OrderedDict[tuple[str, str, str], _Slot] = OrderedDict()
        self._retired: set[_Lent] = set()
        self._closing: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def serves_this_loop(self) -> bool:
        """Clients are kept for the first event loop that asks, and only for it."""
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        return self._loop is loop

    def connector(self, service_url: str, token: str) -> LentConnectorClient:
        client = self._lend("connector", service_url, "", token)
        assert isinstance(client, LentConnectorClient)
        return client

    def user_token(self, endpoint: str, app_id: str | None, token: str) -> LentUserTokenClient:
        client = self._lend("user-token", endpoint, app_id or "", token)
        assert isinstance(client, LentUserTokenClient)
        return client

    def _lend(self, kind: str, address: str, app_id: str, token: str) -> _Lent:
        key = (kind, address, app_id)
        slot = self._slots.get(key)
        if slot is not None and slot.token != token:  # renewed: the old one retires
            self._retire(self._slots.pop(key).client)
            slot = None
        if slot is None:
            slot = self._slots[key] = _Slot(token, self._make(kind, address, app_id, token))
            while len(self._slots) > self.max_addresses:
                self._retire(self._slots.popitem(last=False)[1].client)
        self._slots.move_to_end(key)
        slot.client._held += 1
        return slot.client

    def _make(self, kind: str, address: str, app_id: str, token: str) -> _Lent:
        base = address if address.endswith("/") else address + "/"
        session = ClientSession(
            base_url=base,
            connector=TCPConnector(limit=CONNECTIONS_PER_CLIENT),
            cookie_jar=DummyCookieJar(),
        )
        client: _Lent
        if kind == "connector":
            client = LentConnectorClient(base, token, session=session)
        else:
            client = LentUserTokenClient(base, token, app_id=app_id or None, session=session)
        client._pool = self
        return client

    def _retire(self, client: _Lent) -> None:
        """Replaced or evicted: closed as soon as no turn holds it."""
        client._retired = True
        self._retired.add(client)
        if client._held <= 0:
            task = asyncio.get_running_loop().create_task(self.shut(client))
            self._closing.add(task)  # the loop keeps only a weak reference to a task
            task.add_done_callback(self._closing.discard)

    async def shut(self, client: _Lent) -> None:
        if client in self._retired:
            self._retired.discard(client)
            await client.really_close()

    async def close(self) -> None:
        """Close every client, held or not (the server is shutting down)."""
        clients = [slot.client for slot in self._slots.values()] + list(self._retired)
        self._slots.clear()
        self._retired.clear()
        for client in clients:
            await client.really_close()
