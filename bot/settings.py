"""One frozen settings object, read from the environment once at start-up.

| variable | default | meaning |
|---|---|---|
| MCF_DATABASE_URL | SQLite file in the user data dir | the registry (``postgresql://...`` works) |
| MCF_PORT | 3000 | HTTP port of ``mcf-bot serve`` |
| SLACK_BOT_TOKEN | (required for Slack) | bot token, ``xoxb-...`` |
| SLACK_SIGNING_SECRET | (``serve`` in HTTP mode) | verifies that requests come from Slack |
| SLACK_APP_TOKEN | unset | ``xapp-...``: use Socket Mode instead of HTTP |
| SLACK_API_URL | https://slack.com/api/ | Web API base URL (tests point it at a local fake) |
| CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID | (required for Teams) | bot's app id |
| CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET | (with CLIENTID) | its secret |
| CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID | (with CLIENTID) | its Entra tenant |
| CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED | false | ``true``: no JWT (local) |
| MCF_TEAMS_APP_ID | the CLIENTID | ``teams-package``: the Teams app id in the manifest |
| MCF_TEAMS_WEBSITE_URL | https://mcf.example.org | ``teams-package``: website/privacy/terms links |
| MCF_SYNC_INTERVAL | 21600 | seconds between ``serve``'s syncs of the lists; 0: never |
| MCF_SYNC_URL_<ID> | the catalogue's URL | a source file's URL (mirror, air-gapped copy, test) |
| MCF_SYNC_CA_BUNDLE | the system store | PEM file of CAs to trust for downloads (TLS stays on) |
| MCF_SYNC_CONNECT_TIMEOUT | 15 | seconds to connect to a publisher |
| MCF_SYNC_READ_TIMEOUT | 60 | seconds a download may stall before it is abandoned |
| MCF_SYNC_RETRIES | 3 | further attempts on 5xx, dropped connections and timeouts |
| MCF_SYNC_BACKOFF | 2 | seconds before the first retry, doubling each time |
| MCF_SYNC_MAX_BYTES | 268435456 | largest download accepted |
| MCF_SYNC_DEADLINE | 1800 | seconds all of one source's downloads may take, retries included |
| MCF_SYNC_HTTP_MIRRORS | (none) | mirror hosts (``host`` or ``host:port``) allowed over http |
| MCF_GUARD_MAX_ENDED | 0.2 | hold an edition ending more than this share of a list's listings |
| MCF_GUARD_MIN_ROWS | 0.5 | hold an edition with fewer rows than this share of the last one |
| HTTPS_PROXY, NO_PROXY | unset | proxy for downloads (``HTTP_PROXY`` for http:// URLs) |
| MCF_TEAMS_SERVICE_HOSTS | Microsoft's hosts | hosts a Teams ``serviceUrl`` may name |
| MCF_ALERT_ADMINS | (anyone) | users or Slack user groups who may change alerts |
| MCF_ALERT_LEASE | 180 | seconds a worker holds a channel's messages (renewed before each send) |
| MCF_ALERT_CHANNEL_BUDGET | 120 | seconds one channel may take per alert pass; the rest waits |
| MCF_ADMIN_CHANNEL | unset | ``slack:C0123``: told once of each edition the import guard holds |
| MCF_SHARE_SECRETS | the platform secrets | keys signing share buttons (first signs) |
| MCF_INDEX_DIR | beside a SQLite registry | where the name index is saved (needed for PostgreSQL) |
| MCF_RECORD_ADMINS | the alert admins | users who may read every screening record |
| MCF_RECORD_RETENTION_DAYS | 1827 (5 years) | ``records purge`` deletes records older than this |
| MCF_CHECK_MAX_ROWS | 20000 | rows of a partner file screened at once (more: refused) |

``MCF_ALERT_ADMINS`` and ``MCF_SHARE_SECRETS`` take several values separated by commas or
spaces. To rotate the share key, put the new one first and keep the old one after it until
the buttons signed with it (chat history) no longer matter.

Slack is enabled by its ``SLACK_*`` variables and Teams by the Agents SDK's
``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*`` ones (the SDK's own convention; other
SDK keys such as ``AUTHTYPE`` pass through to it); ``serve`` runs whichever are set.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from handlers.context import DEFAULT_CHECK_MAX_ROWS
from registry.catalog import SYNC_URL_PREFIX, sync_sources
from registry.guard import GuardOptions
from registry.sync.options import FetchOptions, SyncOptions

# 15 CFR 762.6: export records are kept five years (OFAC asks ten: set the setting).
DEFAULT_RETENTION_DAYS = 5 * 365 + 1


class SettingsError(Exception):
    """A required setting or argument is missing or malformed; the message names it and
    says what to change (``mcf-bot`` prints it on one line and exits 2)."""


class UnavailableError(Exception):
    """What the settings point at cannot be used right now: a port in use, a database
    that does not answer. The message names the setting (``mcf-bot`` exits 1)."""


# The database engines mcf-bot runs on (``MCF_DATABASE_URL``'s scheme).
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")


def database_url(text: str) -> str:
    """``MCF_DATABASE_URL`` checked before anything connects: a plain path or a typo
    otherwise surfaces as SQLAlchemy's traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "sqlite:////var/lib/mcf/registry.sqlite3 or postgresql://user:password@host/mcf"
    try:
        scheme = make_url(text).get_backend_name()
    except ArgumentError:
        schemed = ":" in text.split("/", 1)[0]  # "postgresql:/host": a broken URL
        looks_like_path = "/" in text or text.endswith((".sqlite3", ".sqlite", ".db"))
        if not schemed and looks_like_path:
            path = Path(text).expanduser().absolute()
            raise SettingsError(
                f"MCF_DATABASE_URL must be a URL, not a path: for a SQLite file set it to "
                f"sqlite:///{path}"
            ) from None
        raise SettingsError(
            f"MCF_DATABASE_URL is not a database URL ({text[:80]!r}): e.g. {example}"
        ) from None
    if scheme not in DATABASE_SCHEMES:
        raise SettingsError(
            f"MCF_DATABASE_URL names an unsupported database {scheme!r}: use {example}"
        )
    return text


def default_database_url() -> str:
    path = Path(user_data_dir("mcf-bot", appauthor=False)) / "registry.sqlite3"
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str
    app_token: str | None
    api_url: str


TEAMS_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
_SDK_PREFIXES = ("CONNECTIONS__", "CONNECTIONSMAP__", "AGENTAPPLICATION__")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


# Where Microsoft's Bot Framework and Teams services live. An incoming activity names the
# service to answer through (``serviceUrl``); the bot sends its real token there, so a
# host outside this list is refused. Suffixes match whole domain labels.
DEFAULT_TEAMS_SERVICE_HOSTS = (
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "botframework.com",
    "botframework.azure.us",
    "teams.microsoft.com",
)


def _values(text: str | None) -> tuple[str, ...]:
    return tuple(v for v in (text or "").replace(",", " ").split() if v)


@dataclass(frozen=True)
class TeamsSettings:
    """Teams through the Microsoft 365 Agents SDK. ``sdk_env`` holds the SDK's own
    variables, handed to ``load_configuration_from_env`` unchanged."""

    client_id: str | None
    tenant_id: str | None
    anonymous_allowed: bool
    app_id: str | None = None
    website_url: str = "https://mcf.example.org"
    sdk_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    service_hosts: tuple[str, ...] = DEFAULT_TEAMS_SERVICE_HOSTS

    def require_safe(self) -> None:
        """``serve`` with real credentials never accepts unauthenticated requests."""
        if self.anonymous_allowed and self.client_id:
            raise SettingsError(
                f"{TEAMS_PREFIX}ANONYMOUS_ALLOWED=true turns off token checks, and the bot's "
                f"credentials ({TEAMS_PREFIX}CLIENTID) are set: anyone could then make the bot "
                "act with them. Unset ANONYMOUS_ALLOWED (it is for the local Playground only, "
                "without credentials)."
            )

    def require_app_id(self) -> str:
        if not self.app_id:
            raise SettingsError(
                f"the Teams app package needs the bot's app id: set {TEAMS_PREFIX}CLIENTID "
                "(and MCF_TEAMS_APP_ID if the Teams app id differs)"
            )
        return self.app_id


# Six hours: the publishers change their files at most daily, and a conditional request
# that answers 304 costs them almost nothing.
DEFAULT_SYNC_INTERVAL_S = 21600


@dataclass(frozen=True)
class SyncSettings:
    interval_s: float = DEFAULT_SYNC_INTERVAL_S  # 0: ``serve`` never syncs
    options: SyncOptions = field(default_factory=SyncOptions)


@dataclass(frozen=True)
class AlertSettings:
    lease_s: float = 180.0
    channel_budget_s: float = 120.0


@dataclass(frozen=True)
class Settings:
    database_url: str
    port: int = 3000
    slack: SlackSettings | None = None
    teams: TeamsSettings | None = None
    sync: SyncSettings = field(default_factory=SyncSettings)
    alert_admins: tuple[str, ...] = ()
    alerts: AlertSettings = field(default_factory=AlertSettings)
    # (platform, channel) told once of each held edition (``MCF_ADMIN_CHANNEL``).
    admin_channel: tuple[str, str] | None = None
    record_admins: tuple[str, ...] = ()
    record_retention_days: int = DEFAULT_RETENTION_DAYS
    check_max_rows: int = DEFAULT_CHECK_MAX_ROWS
    share_secrets: tuple[str, ...] = field(default=(), repr=False)
    # Where the name index is saved for a server database (SQLite: beside the file).
    index_dir: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        port_text = env.get("MCF_PORT", "3000")
        try:
            port = int(port_text)
        except ValueError:
            raise SettingsError(f"MCF_PORT must be a port number, not {port_text!r}") from None
        slack, teams = _slack(env), _teams(env)
        return cls(
            database_url=database_url(env.get("MCF_DATABASE_URL") or default_database_url()),
            port=port,
            slack=slack,
            teams=teams,
            sync=_sync(env),
            alert_admins=_values(env.get("MCF_ALERT_ADMINS")),
            alerts=_alerts(env),
            admin_channel=_admin_channel(env.get("MCF_ADMIN_CHANNEL", "").strip()),
            record_admins=_values(env.get("MCF_RECORD_ADMINS")),
            record_retention_days=int(
                _number(env, "MCF_RECORD_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, integer=True)
            ),
            check_max_rows=int(
                _number(env, "MCF_CHECK_MAX_ROWS", DEFAULT_CHECK_MAX_ROWS, integer=True)
            ),
            index_dir=Path(env["MCF_INDEX_DIR"]) if env.get("MCF_INDEX_DIR") else None,
            share_secrets=_values(env.get("MCF_SHARE_SECRETS"))
            or tuple(
                s for s in (slack and slack.signing_secret, teams and teams.client_secret) if s
            ),
        )

    def share_keys(self) -> tuple[bytes, ...]:
        """The share-button keys, each derived from its secret (never the secret itself)."""
        return tuple(
            hmac.new(secret.encode(), b"mcf share buttons", hashlib.sha256).digest()
            for secret in self.share_secrets
        )

    def require_platform(self) -> None:
        """``serve`` needs at least one chat platform to listen for."""
        if self.slack is None and self.teams is None:
            raise SettingsError(
                "no chat platform is configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
                f"for Slack, or {TEAMS_PREFIX}CLIENTID, CLIENTSECRET and TENANTID for Teams "
                "(see the README's configuration table)"
            )
        if self.slack is not None:
            self.require_slack()
        if self.teams is not None:
            self.teams.require_safe()

    def require_teams(self) -> TeamsSettings:
        if self.teams is None:
            raise SettingsError(
                f"Teams is not configured: set {TEAMS_PREFIX}CLIENTID, CLIENTSECRET and "
                "TENANTID. See the README's configuration table."
            )
        return self.teams

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


def _teams(env: Mapping[str, str]) -> TeamsSettings | None:
    sdk_env = {k: v for k, v in env.items() if k.startswith(_SDK_PREFIXES)}
    if not any(k.startswith(TEAMS_PREFIX) for k in sdk_env):
        return None
    anonymous_text = sdk_env.get(f"{TEAMS_PREFIX}ANONYMOUS_ALLOWED", "").strip().lower()
    if anonymous_text not in _TRUE | _FALSE:
        raise SettingsError(
            f"{TEAMS_PREFIX}ANONYMOUS_ALLOWED must be true or false, not {anonymous_text!r}"
        )
    anonymous = anonymous_text in _TRUE
    client_id = sdk_env.get(f"{TEAMS_PREFIX}CLIENTID") or None
    tenant_id = sdk_env.get(f"{TEAMS_PREFIX}TENANTID") or None
    auth_type = sdk_env.get(f"{TEAMS_PREFIX}AUTHTYPE", "").lower()
    if client_id is None and not anonymous:
        raise SettingsError(
            f"{TEAMS_PREFIX}CLIENTID is missing: the bot's Entra app (client) id, from its "
            "Azure Bot resource (or set ANONYMOUS_ALLOWED=true for the local Playground only)"
        )
    if client_id is not None:
        if auth_type in ("", "clientsecret") and not sdk_env.get(f"{TEAMS_PREFIX}CLIENTSECRET"):
            raise SettingsError(f"{TEAMS_PREFIX}CLIENTSECRET is missing (the app's secret)")
        if tenant_id is None:
            raise SettingsError(f"{TEAMS_PREFIX}TENANTID is missing (the app's tenant id)")
    website = env.get("MCF_TEAMS_WEBSITE_URL") or "https://mcf.example.org"
    if not website.startswith("https://"):
        raise SettingsError(f"MCF_TEAMS_WEBSITE_URL must be an https:// URL, not {website!r}")
    hosts = _values(env.get("MCF_TEAMS_SERVICE_HOSTS")) or DEFAULT_TEAMS_SERVICE_HOSTS
    return TeamsSettings(
        client_id=client_id,
        tenant_id=tenant_id,
        anonymous_allowed=anonymous,
        app_id=env.get("MCF_TEAMS_APP_ID") or client_id,
        website_url=website,
        sdk_env=sdk_env,
        client_secret=sdk_env.get(f"{TEAMS_PREFIX}CLIENTSECRET") or None,
        service_hosts=tuple(h.lower().strip(".") for h in hosts),
    )


def _number(env: Mapping[str, str], name: str, default: float, *, integer: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise SettingsError(f"{name} must be {kind}, not {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative, not {raw!r}")
    return value


def _alerts(env: Mapping[str, str]) -> AlertSettings:
    default = AlertSettings()
    return AlertSettings(
        lease_s=_number(env, "MCF_ALERT_LEASE", default.lease_s),
        channel_budget_s=_number(env, "MCF_ALERT_CHANNEL_BUDGET", default.channel_budget_s),
    )


def _sync(env: Mapping[str, str]) -> SyncSettings:
    default = FetchOptions()
    ca_bundle = env.get("MCF_SYNC_CA_BUNDLE") or None
    if ca_bundle is not None and not Path(ca_bundle).is_file():
        raise SettingsError(f"MCF_SYNC_CA_BUNDLE: no such file {ca_bundle!r}")
    http_hosts = frozenset(
        h.strip().lower() for h in env.get("MCF_SYNC_HTTP_MIRRORS", "").split(",") if h.strip()
    )
    urls = {}
    files = {f.env_name: f for source in sync_sources().values() for f in source.files}
    for name in sorted(k for k in env if k.startswith(SYNC_URL_PREFIX)):
        if name not in files:
            # A typo (or a list id where the source's file id belongs) would otherwise
            # leave the sync fetching the publisher's URL without a word.
            raise SettingsError(f"{name} names no sync file; known: {', '.join(sorted(files))}")
        url = env[name].strip()
        if url:
            urls[files[name].id] = _sync_url(name, url, http_hosts)
    return SyncSettings(
        interval_s=_number(env, "MCF_SYNC_INTERVAL", DEFAULT_SYNC_INTERVAL_S),
        options=SyncOptions(
            fetch=FetchOptions(
                connect_timeout_s=_number(
                    env, "MCF_SYNC_CONNECT_TIMEOUT", default.connect_timeout_s
                ),
                read_timeout_s=_number(env, "MCF_SYNC_READ_TIMEOUT", default.read_timeout_s),
                retries=int(_number(env, "MCF_SYNC_RETRIES", default.retries, integer=True)),
                backoff_s=_number(env, "MCF_SYNC_BACKOFF", default.backoff_s),
                max_bytes=int(_number(env, "MCF_SYNC_MAX_BYTES", default.max_bytes, integer=True)),
                ca_bundle=ca_bundle,
                deadline_s=_number(env, "MCF_SYNC_DEADLINE", default.deadline_s),
                http_hosts=http_hosts,
            ),
            urls=urls,
            guard=GuardOptions(
                max_ended_share=_share(env, "MCF_GUARD_MAX_ENDED", GuardOptions.max_ended_share),
                min_rows_share=_share(env, "MCF_GUARD_MIN_ROWS", GuardOptions.min_rows_share),
            ),
        ),
    )


def _sync_url(name: str, url: str, http_hosts: frozenset[str]) -> str:
    """An https URL (http only to a host of MCF_SYNC_HTTP_MIRRORS), a ``file://`` URL or
    a plain path (an air-gapped copy, which must exist now: a typo should fail at
    start-up, not at the first pass)."""
    if url.startswith("https://"):
        return url
    if url.startswith("http://"):
        from registry.sync.fetch import SyncError, check_scheme

        try:
            check_scheme(url, FetchOptions(http_hosts=http_hosts))
        except SyncError:
            raise SettingsError(
                f"{name}: {url!r} is plain http; use https, or name its host in "
                "MCF_SYNC_HTTP_MIRRORS to allow this mirror over http"
            ) from None
        return url
    from registry.sync.local import local_path

    path = local_path(url)
    if path is None:
        raise SettingsError(f"{name} must be an http(s) URL, a file:// URL or a path, not {url!r}")
    if not path.is_file():
        raise SettingsError(f"{name}: no such file {str(path)!r}")
    return path.resolve().as_uri()


def _admin_channel(value: str) -> tuple[str, str] | None:
    """``slack:C0123`` (or a bare Slack channel id)."""
    if not value:
        return None
    platform, _, channel = value.rpartition(":")
    platform = platform or "slack"
    if platform != "slack" or not channel:
        raise SettingsError(
            f"MCF_ADMIN_CHANNEL must be a Slack channel, slack:C0123, not {value!r}"
        )
    return platform, channel


def _share(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, default)
    if value > 1:
        raise SettingsError(f"{name} is a share between 0 and 1 (0.2 is 20%), not {value:g}")
    return value
