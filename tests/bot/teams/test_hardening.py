"""Teams hardening: ``serve`` refuses credentials with ANONYMOUS_ALLOWED=true, and an
activity whose ``serviceUrl`` is not one of Microsoft's hosts is refused before any
conversation reference is stored or anything is sent (the bot's token goes there)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.alerts.notifier import PermanentDeliveryError
from bot.alerts.teams_notifier import TeamsNotifier
from bot.cli import main
from bot.settings import DEFAULT_TEAMS_SERVICE_HOSTS, TEAMS_PREFIX, Settings, SettingsError
from bot.teams.conversation import service_url_allowed
from handlers.context import Services
from registry import subscriptions
from registry.db import unit_of_work
from registry.models import Subscription
from registry.subscriptions import Topic
from tests.bot.app_server import serve
from tests.bot.teams.conftest import SECURED_ENV, teams_settings
from tests.bot.teams.fake_connector import FakeConnector, activity
from tests.bot.teams.test_http import post

ANONYMOUS_WITH_CREDENTIALS = {**SECURED_ENV, f"{TEAMS_PREFIX}ANONYMOUS_ALLOWED": "true"}


def test_serve_refuses_credentials_with_anonymous_allowed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(__import__("os").environ):
        if name.startswith(("SLACK_", "CONNECTIONS__")):
            monkeypatch.delenv(name)
    for name, value in ANONYMOUS_WITH_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MCF_DATABASE_URL", "sqlite:///:memory:")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "ANONYMOUS_ALLOWED=true" in err and "CLIENTID" in err


async def test_the_app_refuses_them_too(services: Services) -> None:
    settings = teams_settings(services.registry, ANONYMOUS_WITH_CREDENTIALS)
    with pytest.raises(SettingsError, match="ANONYMOUS_ALLOWED"):
        async for _ in serve(settings, services):
            pass


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://smba.trafficmanager.net/emea/", True),
        ("https://smba.trafficmanager.net/amer/v3/", True),
        ("https://europe.webchat.botframework.com/", True),
        ("https://smba.infra.gcc.teams.microsoft.com/", True),
        ("http://smba.trafficmanager.net/emea/", False),  # not https
        ("https://smba.trafficmanager.net.evil.example/", False),
        ("https://evilbotframework.com/", False),
        ("https://evil.example/?x=smba.trafficmanager.net", False),
        ("https://user@evil.example/", False),
        ("http://127.0.0.1:3978/", False),  # loopback only without credentials
        (None, False),
        (42, False),
        ("https://[::1", False),
    ],
)
def test_service_url_allow_list(url: object, allowed: bool) -> None:
    assert service_url_allowed(url, DEFAULT_TEAMS_SERVICE_HOSTS) is allowed


def test_the_allow_list_is_a_setting() -> None:
    env = {**SECURED_ENV, "MCF_TEAMS_SERVICE_HOSTS": "Teams.Example.ORG, other.example"}
    teams = Settings.from_env(env).require_teams()
    assert teams.service_hosts == ("teams.example.org", "other.example")
    assert service_url_allowed("https://eu.teams.example.org/", teams.service_hosts)
    assert not service_url_allowed("https://smba.trafficmanager.net/", teams.service_hosts)
    assert Settings.from_env(SECURED_ENV).require_teams().service_hosts == (
        DEFAULT_TEAMS_SERVICE_HOSTS
    )


async def test_an_activity_naming_another_host_is_refused_and_nothing_stored(
    teams_server: str, connector: FakeConnector, services: Services
) -> None:
    body = activity("subscribe", "https://evil.example/api/", "19:c@thread.tacv2")
    assert await post(f"{teams_server}/api/messages", body) == 403
    with unit_of_work(services.registry.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 0
    # The local connector (loopback, anonymous mode) still works.
    ok = activity("subscribe", connector.url, "19:c@thread.tacv2")
    assert await post(f"{teams_server}/api/messages", ok) in (200, 202)
    with unit_of_work(services.registry.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 1


async def test_alerts_never_go_to_a_stored_reference_on_another_host(
    services: Services, connector: FakeConnector
) -> None:
    with unit_of_work(services.registry.sessions) as session:
        subscriptions.subscribe(
            session,
            platform="teams",
            channel_id="19:old@thread",
            topic=Topic.everything(),
            conversation={"serviceUrl": "https://evil.example/", "conversation": {"id": "x"}},
        )
    teams = Settings.from_env(SECURED_ENV).require_teams()
    notifier = TeamsNotifier(teams, services.registry)
    with pytest.raises(PermanentDeliveryError, match="serviceUrl"):
        await asyncio.to_thread(notifier.send, "19:old@thread", {"card": {}, "text": "x"}, "n")
    assert connector.attempts == 0
    assert notifier.find_sent("19:old@thread", "n", dt.datetime.now()) is None
