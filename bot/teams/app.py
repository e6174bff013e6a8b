"""Build the Agents SDK app: settings and services are passed in, never read globally."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    ApplicationOptions,
    MemoryStorage,
    TurnState,
)

from bot.settings import SettingsError, TeamsSettings
from bot.teams import listeners
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


def connect(teams: TeamsSettings) -> TeamsConnection:
    config = load_configuration_from_env(teams.sdk_env)
    connections = MsalConnectionManager(**config)
    auth = connections.get_default_connection_configuration()
    if auth is None:  # settings guarantee SERVICE_CONNECTION; the SDK must agree
        raise SettingsError("the Agents SDK found no SERVICE_CONNECTION settings")
    adapter = CloudAdapter(connection_manager=connections)
    # The SDK's default turn-error handler posts "Exception caught : <the error>" into the
    # conversation and swallows the error: internals shown to users, and a failed alert
    # send that looks delivered. Errors propagate instead: inbound turns have the app's
    # own error handler (listeners.on_error); the alert notifier classifies its failures.
    adapter.on_turn_error = None
    return TeamsConnection(adapter, auth, connections)


def create_teams_app(teams: TeamsSettings, services: Services, executor: Executor) -> TeamsBot:
    connection = connect(teams)
    agent = AgentApplication[TurnState](
        # Turn state is unused (subscriptions live in our database); answers are quick,
        # so no typing indicator either.
        ApplicationOptions(storage=MemoryStorage(), start_typing_timer=False),
        connection_manager=connection.connections,
    )
    listeners.register(agent, services, executor)
    return TeamsBot(agent, connection)
