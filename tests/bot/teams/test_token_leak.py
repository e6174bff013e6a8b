"""The bot's Teams token never reaches a host outside MCF_TEAMS_SERVICE_HOSTS, whatever
key or stored reference names it, and tokens are checked against their issuer.

Local stand-ins: a JWKS endpoint serving the key that signs the test's Bot Framework
tokens (the SDK's validator is pointed at it), a token service that hands out a marked
bot token (the SDK's token provider is stubbed: MSAL only talks https to Entra), and a
"stranger" server that records every request it gets.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

from bot.teams.app import ServiceUrlRefused, connect
from bot.teams.conversation import continuation
from handlers.context import Services
from tests.bot.app_server import serve
from tests.bot.teams.conftest import SECURED_ENV, teams_settings
from tests.bot.teams.fake_connector import activity
from tests.bot.teams.test_http import post
from tests.local_http import listen

CLIENT_ID = SECURED_ENV["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"]
BOT_TOKEN = "bot-connector-token-" + uuid.uuid4().hex
BOTFRAMEWORK_ISSUER = "https://api.botframework.com"
TEAMS_SERVICE = "https://smba.trafficmanager.net/emea/"


@dataclass
class Stranger:
    """Any host that is not Microsoft's: records what reaches it."""

    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.headers))
        return web.json_response({"id": "1"})

    def tokens_seen(self) -> list[str]:
        return [h.get("Authorization", "") for h in self.requests if BOT_TOKEN in str(h)]


@dataclass
class Keys:
    private: rsa.RSAPrivateKey
    jwks_url: str = ""

    def token(self, issuer: str = BOTFRAMEWORK_ISSUER, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "serviceurl": TEAMS_SERVICE,
            **claims,
        }
        return jwt.encode(body, self.private, algorithm="RS256", headers={"kid": "test-key"})


@pytest.fixture
async def keys(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Keys]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwks = {"keys": [{**jwk, "kid": "test-key", "use": "sig", "alg": "RS256"}]}

    async def serve_keys(_request: web.Request) -> web.Response:
        return web.json_response(jwks)

    app = web.Application()
    app.router.add_get("/keys", serve_keys)
    runner, port = await listen(app)
    found = Keys(private, f"http://127.0.0.1:{port}/keys")
    # Every issuer's keys are looked up at the local JWKS (Microsoft's are https only).
    monkeypatch.setattr(jwt_token_validator, "_build_jwks_uri", lambda *_: found.jwks_url)
    yield found
    await runner.cleanup()


@pytest.fixture
async def stranger() -> AsyncIterator[Stranger]:
    found = Stranger()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", found.handle)
    runner, port = await listen(app)
    found.url = f"http://127.0.0.1:{port}/"
    yield found
    await runner.cleanup()


@pytest.fixture
def token_service(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The token service: every connector token the SDK asks for is the marked one."""
    asked: list[str] = []

    async def get_access_token(self: MsalAuth, resource_url: str, *_: Any, **__: Any) -> str:
        asked.append(resource_url)
        return BOT_TOKEN

    monkeypatch.setattr(MsalAuth, "get_access_token", get_access_token)
    return asked


@pytest.fixture
async def secured(services: Services, keys: Keys, token_service: list[str]) -> AsyncIterator[str]:
    async for url in serve(teams_settings(services.registry, SECURED_ENV), services):
        yield url


def bearer(keys: Keys, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys.token(**claims)}"}


@pytest.mark.parametrize("key", ["service_url", "serviceUrl"])
async def test_an_activity_naming_a_stranger_under_any_key_gets_no_token(
    key: str, secured: str, keys: Keys, stranger: Stranger
) -> None:
    body = activity("help", TEAMS_SERVICE)
    del body["serviceUrl"]
    body[key] = stranger.url
    status = await post(f"{secured}/api/messages", body, bearer(keys))
    # 403, not 401: the signed token was accepted and the address refused.
    assert status == 403
    await asyncio.sleep(0.2)
    assert stranger.tokens_seen() == []
    assert stranger.requests == []


async def test_both_keys_are_checked_when_one_is_microsofts(
    secured: str, keys: Keys, stranger: Stranger
) -> None:
    body = {**activity("help", TEAMS_SERVICE), "service_url": stranger.url}
    assert await post(f"{secured}/api/messages", body, bearer(keys)) == 403
    assert stranger.requests == []


async def test_a_token_from_another_issuer_is_refused(
    secured: str, keys: Keys, stranger: Stranger
) -> None:
    tenant = str(uuid.uuid4())
    other = {"issuer": f"https://sts.windows.net/{tenant}/", "tid": tenant}
    body = activity("help", stranger.url)
    assert await post(f"{secured}/api/messages", body, bearer(keys, **other)) == 401
    # The same body with a Bot Framework token passes the token check (refused later, for
    # its address): the 401 above is the issuer's doing.
    assert await post(f"{secured}/api/messages", body, bearer(keys)) == 403
    assert stranger.requests == []


async def test_a_stored_reference_to_a_stranger_gets_no_token(
    services: Services, stranger: Stranger, token_service: list[str]
) -> None:
    """Whatever path a proactive send takes (the notifier checks first; this goes round
    it, straight to the SDK's adapter), the connector client is refused its token."""
    teams = teams_settings(services.registry, SECURED_ENV).require_teams()
    reference = {
        "serviceUrl": stranger.url,
        "channelId": "msteams",
        "conversation": {"id": "19:old@thread.tacv2"},
        "agent": {"id": "28:mcf-bot"},
    }
    sent: list[str] = []

    async def post_card(context: TurnContext) -> None:
        await context.send_activity("an alert")
        sent.append("sent")

    adapter = connect(teams).adapter
    with pytest.raises(ServiceUrlRefused):
        await adapter.continue_conversation(CLIENT_ID, continuation(reference), post_card)
    assert sent == []
    assert stranger.requests == []
