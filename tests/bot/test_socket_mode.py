"""`mcf-bot serve` in Socket Mode, as a real process: it asks the (fake) Web API for a
WebSocket URL with SLACK_APP_TOKEN, connects, and answers a `/mcf` envelope over it."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.service import Registry
from tests.fake_slack import FakeSlack, form, slash_body

# Loading the bundled registry and its index in a fresh process takes a few seconds (a
# few minutes on a shared, loaded CI machine).
CONNECT_TIMEOUT_S = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def socket_mode_serve(
    bundled_registry: Registry, fake_slack: FakeSlack, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MCF_"))}
    env.update(
        MCF_DATABASE_URL=str(bundled_registry.engine.url),
        MCF_PORT=str(_free_port()),
        MCF_SYNC_INTERVAL="0",  # no downloads from the publishers in this test
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-1-test",  # and no signing secret: Socket Mode needs none
        SLACK_API_URL=fake_slack.api_url,
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:  # a file, not a pipe nobody reads while it runs
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"], env=env, stdout=output, stderr=output
        )
    proc.log = log  # type: ignore[attr-defined]
    yield proc
    proc.terminate()
    try:
        assert proc.wait(timeout=20) == 0, log.read_text(errors="replace")[-3000:]
    finally:
        proc.kill()


async def test_serve_in_socket_mode_answers_mcf_baidu_over_the_websocket(
    socket_mode_serve: subprocess.Popen[bytes], fake_slack: FakeSlack
) -> None:
    try:
        await asyncio.wait_for(fake_slack.socket_connected.wait(), CONNECT_TIMEOUT_S)
    except TimeoutError:
        output = socket_mode_serve.log.read_text(errors="replace")  # type: ignore[attr-defined]
        raise AssertionError(f"serve never connected over Socket Mode:\n{output}") from None
    assert "apps.connections.open" in [method for method, _ in fake_slack.calls]
    payload = form(slash_body("Baidu", fake_slack.response_url))
    ack = await asyncio.wait_for(fake_slack.send_envelope("slash_commands", payload), 30)
    assert "Baidu, Inc." in str(ack["payload"]["blocks"])


async def test_a_refused_app_token_is_one_line(
    bundled_registry: Registry, fake_slack: FakeSlack
) -> None:
    fake_slack.refuse_app_token = True
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MCF_"))}
    env.update(
        MCF_DATABASE_URL=str(bundled_registry.engine.url),
        MCF_PORT=str(_free_port()),
        MCF_SYNC_INTERVAL="0",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-1-revoked",
        SLACK_API_URL=fake_slack.api_url,
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), CONNECT_TIMEOUT_S)
    assert proc.returncode == 2
    last = err.decode().strip().splitlines()[-1]
    assert "Traceback" not in err.decode()
    assert last.startswith("mcf-bot: Slack refused SLACK_APP_TOKEN (invalid_auth)")


def test_the_socket_mode_manifest_is_the_http_one_without_urls() -> None:
    """Two manifests, one app: they may differ only where Socket Mode needs them to."""
    import yaml

    from tests.conftest import ROOT

    def load(name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
        return loaded

    http, socket_mode = load("manifest.yml"), load("manifest.socket-mode.yml")
    assert socket_mode["settings"].pop("socket_mode_enabled") is True
    assert http["settings"].pop("socket_mode_enabled") is False
    for command in http["features"]["slash_commands"]:
        assert command.pop("url").endswith("/slack/events")
    for setting in ("event_subscriptions", "interactivity"):
        assert http["settings"][setting].pop("request_url").endswith("/slack/events")
    assert socket_mode == http
