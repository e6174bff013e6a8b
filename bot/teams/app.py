"""Build the Agents SDK app: settings and services are passed in, never read globally."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from microsoft_agents.activity import RoleTypes, load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    ApplicationOptions,
    ClaimsIdentity,
    MemoryStorage,
    OutboundHostValidator,
    RestChannelServiceClientFactory,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import AuthenticationConstants
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.connector.client import UserTokenClient

from bot.settings import TEAMS_PREFIX, SettingsError, TeamsSettings
from bot.teams import listeners
from bot.teams.clients import ClientPool
from bot.teams.conversation import loopback_allowed, service_url_allowed
from handlers.context import Services


@dataclass(frozen=True)
class TeamsConnection:
    """The SDK's adapter (inbound turns and proactive sends) and its JWT settings."""

    adapter: CloudAdapter
    auth: AgentAuthConfiguration
    connections: MsalConnectionManager


@dataclass(frozen=True)
class TeamsBot:
    agent: AgentApplication[TurnState]
    connection: TeamsConnection
    clients: ClientPool  # connector clients the turns borrow; closed with the server


# Where the SDK sends user-token (OAuth) calls, and the audience of their token: its own
# defaults, named here because the pooled path asks for that token itself.
TOKEN_SERVICE_URL = AuthenticationConstants.AGENTS_SDK_OAUTH_URL
TOKEN_SERVICE_AUDIENCE = AuthenticationConstants.AGENTS_SDK_SCOPE


class ServiceUrlRefused(PermissionError):
    """A connector client was asked for a host outside MCF_TEAMS_SERVICE_HOSTS."""


class GuardedClientFactory(RestChannelServiceClientFactory):
    """The one place every outgoing Teams call gets its connector client, and with it the
    bot's token: replies, proactive alerts, whatever key (``serviceUrl``,
    ``service_url``) or stored reference the address came from. A host outside the
    allow-list is refused before a token is asked for, so none is ever sent there.

    With ``clients`` (``serve``), turns borrow clients kept open across turns
    (``bot.teams.clients``) instead of making two new ones each; the token is asked for
    as the SDK asks for it, every time."""

    def __init__(
        self,
        connections: MsalConnectionManager,
        teams: TeamsSettings,
        clients: ClientPool | None = None,
    ) -> None:
        super().__init__(connections, TOKEN_SERVICE_URL, TOKEN_SERVICE_AUDIENCE)
        self.connections = connections
        self.hosts = teams.service_hosts
        self.loopback = loopback_allowed(teams)
        self.clients = clients

    def _lends(self, context: TurnContext | None) -> ClientPool | None:
        """The pool, when this call may borrow from it. Agent-to-agent ("agentic")
        requests and Copilot Studio's connector users get other tokens and other client
        types: the SDK makes those."""
        if self.clients is None or not self.clients.serves_this_loop():
            return None
        recipient = context.activity.recipient if context else None
        if context is not None and context.activity.is_agentic_request():
            return None
        if recipient is not None and recipient.role == RoleTypes.connector_user:
            return None
        return self.clients

    async def _token(
        self, identity: ClaimsIdentity, url: str, audience: str, scopes: list[str], anonymous: bool
    ) -> str:
        if anonymous:  # the local Playground: no token is asked for or sent
            return ""
        provider = self.connections.get_token_provider(identity, url)
        return await provider.get_access_token(audience, scopes)

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        if not service_url_allowed(service_url, self.hosts, loopback=self.loopback):
            raise ServiceUrlRefused(f"serviceUrl host not allowed: {str(service_url)[:100]!r}")
        pool = self._lends(context)
        if pool is None or not audience:
            return await super().create_connector_client(
                context, claims_identity, service_url, audience, scopes, use_anonymous
            )
        wanted = scopes or claims_identity.get_token_scope()
        token = await self._token(claims_identity, service_url, audience, wanted, use_anonymous)
        return pool.connector(service_url, token)

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        pool = self._lends(context)
        if pool is None:
            return await super().create_user_token_client(context, claims_identity, use_anonymous)
        scopes = claims_identity.get_token_scope()
        token = await self._token(
            claims_identity, TOKEN_SERVICE_URL, TOKEN_SERVICE_AUDIENCE, scopes, use_anonymous
        )
        if not token and not use_anonymous:
            raise ValueError("no token for the user token service")  # as the SDK refuses
        return pool.user_token(TOKEN_SERVICE_URL, claims_identity.get_app_id(), token)


def sdk_configuration(teams: TeamsSettings) -> dict[str, str]:
    """The SDK's settings, with its issuer allow-list switched on (the SDK leaves it off
    for compatibility: a token from another issuer signed with a trusted key passes)."""
    return {**teams.sdk_env, f"{TEAMS_PREFIX}VALIDATE_ISSUER": "true"}


def connect(teams: TeamsSettings, clients: ClientPool | None = None) -> TeamsConnection:
    """The adapter; with ``clients``, its turns borrow clients kept open across turns
    (one event loop only: ``serve``'s), else the SDK makes and closes them per turn."""
    config = load_configuration_from_env(sdk_configuration(teams))
    connections = MsalConnectionManager(**config)
    auth = connections.get_default_connection_configuration()
    if auth is None:  # settings guarantee SERVICE_CONNECTION; the SDK must agree
        raise SettingsError("the Agents SDK found no SERVICE_CONNECTION settings")
    # The SDK's own inbound check too (it also compares the token's serviceurl claim with
    # the activity's); off in anonymous mode, where the Playground is on loopback.
    validator = OutboundHostValidator(
        list(teams.service_hosts),
        enabled=not loopback_allowed(teams),
        include_default_microsoft_hosts=False,
    )
    adapter = CloudAdapter(
        connection_manager=connections,
        channel_service_client_factory=GuardedClientFactory(connections, teams, clients),
        host_validator=validator,
    )
    # The SDK's default turn-error handler posts "Exception caught : <the error>" into the
    # conversation and swallows the error: internals shown to users, and a failed alert
    # send that looks delivered. Errors propagate instead: inbound turns have the app's
    # own error handler (listeners.on_error); the alert notifier classifies its failures.
    adapter.on_turn_error = None
    return TeamsConnection(adapter, auth, connections)


def create_teams_app(teams: TeamsSettings, services: Services, executor: Executor) -> TeamsBot:
    clients = ClientPool()
    connection = connect(teams, clients)
    agent = AgentApplication[TurnState](
        # Turn state is unused (subscriptions live in our database); answers are quick,
        # so no typing indicator either.
        ApplicationOptions(storage=MemoryStorage(), start_typing_timer=False),
        connection_manager=connection.connections,
    )
    listeners.register(agent, services, executor)
    return TeamsBot(agent, connection, clients)
