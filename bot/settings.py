"""One frozen settings object, read from the environment once at start-up.

| variable | default | meaning |
|---|---|---|
| MCF_DATABASE_URL | SQLite file in the user data dir | the registry (``postgresql://...`` works) |
| MCF_PORT | 3000 | HTTP port of ``mcf-bot serve`` |
| SLACK_BOT_TOKEN | (required for Slack) | bot token, ``xoxb-...`` |
| SLACK_SIGNING_SECRET | (``serve`` in HTTP mode) | verifies that requests come from Slack |
| SLACK_APP_TOKEN | unset | ``xapp-...``: use Socket Mode instead of HTTP |
| SLACK_API_URL | https://slack.com/api/ | Web API base URL (tests point it at a local fake) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir


class SettingsError(Exception):
    """A required setting is missing or malformed; the message names it."""


def default_database_url() -> str:
    path = Path(user_data_dir("mcf-bot", appauthor=False)) / "registry.sqlite3"
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str
    app_token: str | None
    api_url: str


@dataclass(frozen=True)
class Settings:
    database_url: str
    port: int = 3000
    slack: SlackSettings | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        port_text = env.get("MCF_PORT", "3000")
        try:
            port = int(port_text)
        except ValueError:
            raise SettingsError(f"MCF_PORT must be a port number, not {port_text!r}") from None
        return cls(
            database_url=env.get("MCF_DATABASE_URL") or default_database_url(),
            port=port,
            slack=_slack(env),
        )

    def require_slack(self) -> SlackSettings:
        """Slack settings for receiving events: HTTP mode cannot run unsigned."""
        if self.slack is None:
            raise SettingsError(
                "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
                "(or SLACK_APP_TOKEN for Socket Mode). See the README's configuration table."
            )
        if not self.slack.signing_secret and not self.slack.app_token:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is missing: it verifies that requests come from Slack "
                "(Basic Information page of your Slack app)"
            )
        return self.slack


def _slack(env: Mapping[str, str]) -> SlackSettings | None:
    token, secret, app_token = (
        env.get("SLACK_BOT_TOKEN"),
        env.get("SLACK_SIGNING_SECRET"),
        env.get("SLACK_APP_TOKEN"),
    )
    if not (token or secret or app_token):
        return None
    if not token:
        raise SettingsError("SLACK_BOT_TOKEN is missing (the bot token, xoxb-...)")
    api_url = env.get("SLACK_API_URL") or "https://slack.com/api/"
    if not api_url.endswith("/"):
        api_url += "/"
    return SlackSettings(token, secret or "", app_token or None, api_url)
