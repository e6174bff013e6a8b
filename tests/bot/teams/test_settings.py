"""Teams settings follow the Agents SDK's variables and fail fast with the name."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.settings import TEAMS_PREFIX, Settings, SettingsError
from tests.bot.teams.conftest import SECURED_ENV


def test_teams_is_enabled_by_its_own_variables() -> None:
    settings = Settings.from_env(SECURED_ENV)
    assert settings.slack is None
    teams = settings.require_teams()
    assert teams.client_id == SECURED_ENV[f"{TEAMS_PREFIX}CLIENTID"]
    assert teams.anonymous_allowed is False  # JWT validation on by default
    assert teams.app_id == teams.client_id
    assert "not-a-real-secret" not in repr(settings)
    settings.require_platform()  # a Teams-only deployment is a deployment


def test_neither_platform_is_not_a_deployment() -> None:
    settings = Settings.from_env({})
    assert settings.teams is None and settings.slack is None
    with pytest.raises(SettingsError, match="no chat platform is configured"):
        settings.require_platform()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({f"{TEAMS_PREFIX}TENANTID": "t"}, "CLIENTID is missing"),
        ({f"{TEAMS_PREFIX}CLIENTID": "c", f"{TEAMS_PREFIX}TENANTID": "t"}, "CLIENTSECRET"),
        ({f"{TEAMS_PREFIX}CLIENTID": "c", f"{TEAMS_PREFIX}CLIENTSECRET": "s"}, "TENANTID"),
        ({f"{TEAMS_PREFIX}ANONYMOUS_ALLOWED": "maybe"}, "must be true or false"),
        ({f"{TEAMS_PREFIX}ANONYMOUS_ALLOWED": "false"}, "CLIENTID is missing"),
        ({**SECURED_ENV, "MCF_TEAMS_WEBSITE_URL": "http://x"}, "MCF_TEAMS_WEBSITE_URL"),
    ],
)
def test_incomplete_teams_settings_name_what_is_missing(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


def test_anonymous_only_when_set_explicitly() -> None:
    teams = Settings.from_env({f"{TEAMS_PREFIX}ANONYMOUS_ALLOWED": "true"}).require_teams()
    assert teams.anonymous_allowed and teams.client_id is None


def test_serve_without_any_platform_exits_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(__import__("os").environ):
        if name.startswith(("SLACK_", "CONNECTIONS__")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MCF_DATABASE_URL", "sqlite:///:memory:")
    assert main(["serve"]) == 2
    assert "no chat platform is configured" in capsys.readouterr().err
