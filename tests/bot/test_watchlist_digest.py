"""A watchlist of 50 partners re-screened when a list changes: a new 1260H edition that
adds one of them yields one digest in the channel naming that partner with its old and
new verdict, once, whether the first worker was stopped after planning or killed after
Slack took the message; the second worker is a real `mcf-bot alerts run` process on
the same database."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.alerts.notifier import SlackNotifier
from bot.alerts.worker import AlertWorker
from bot.cli import main
from bot.render.slack import escape
from handlers.context import Services
from handlers.replies import Level
from handlers.watch_digest import verdict_now
from registry.db import unit_of_work
from registry.importers import run_import
from registry.lookup import MatchStatus
from registry.models import Entity, Subscription
from registry.service import Registry
from tests.editions import FULL_1260H
from tests.fake_slack import FakeSlack

PARTNERS = 50
CHANNEL = "CPARTNERS"
ENTRY = re.compile(r"^• \*(.+?)\*: (.*)$")


def _partners(registry: Registry) -> tuple[list[str], str]:
    """50 organisations of the registry that a lookup of their own name finds, and among
    them the first whose verdict today is "not listed" (the one the edition adds)."""
    services = Services(registry)
    names: list[str] = []
    target = None
    with unit_of_work(registry.sessions) as session:
        for entity_id, name in session.execute(select(Entity.id, Entity.name).order_by(Entity.id)):
            if target is not None and len(names) >= PARTNERS:
                break
            found = services.index.lookup(session, name)
            if found.status is not MatchStatus.MATCH or found.best is None:
                continue
            if found.best.entity_id != entity_id:
                continue
            if target is None:
                verdict = verdict_now(session, entity_id)
                if verdict is not None and verdict.level is Level.NOT_LISTED:
                    target = name
                    names.append(name)
                    continue
            if len(names) < PARTNERS - (target is None):
                names.append(name)
    assert target is not None and len(names) == PARTNERS
    return names, target


def _edition_adding(tmp_path: Path, name: str) -> Path:
    """The bundled 1260H file with one more row: ``name``, listed three days ago."""
    with FULL_1260H.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    start = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    url = "https://example.org/1260h-next-edition.pdf"
    rows.append([name, name, "", "", "", "", start, "", url])
    path = tmp_path / "us_dod_1260h_next.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


class Killed(BaseException):
    """Stands for SIGKILL between Slack accepting the message and the worker recording it."""


class DiesAfterSending(SlackNotifier):
    def send(self, channel_id: str, payload: dict[str, Any], nonce: str, **kw: Any) -> str:
        super().send(channel_id, payload, nonce, **kw)
        raise Killed


def _second_worker(registry: Registry, fake: FakeSlack) -> str:
    env = dict(
        os.environ,
        MCF_DATABASE_URL=str(registry.engine.url),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=fake.api_url,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "alerts", "run", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("stop", ["after-planning", "killed-after-sending"])
async def test_fifty_partners_one_newly_listed_one_digest_once_across_a_restart(
    bundled_registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_slack: FakeSlack,
    tmp_path: Path,
    stop: str,
) -> None:
    registry = bundled_registry
    names, target = await asyncio.to_thread(_partners, registry)
    monkeypatch.setenv("MCF_DATABASE_URL", str(registry.engine.url))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    partners = tmp_path / "partners.csv"
    with partners.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Partner"], *([n] for n in names)])
    assert main(["watchlist", "import", str(partners), "--channel", CHANNEL]) == 0
    assert f"{PARTNERS} partners watched." in capsys.readouterr().out
    with unit_of_work(registry.sessions) as session:
        heard = dict(
            session.execute(
                select(Entity.name, Subscription.verdict)
                .join(Subscription.entity)
                .where(Subscription.channel_id == CHANNEL)
            ).all()
        )
    assert len(heard) == PARTNERS and heard[target] == Level.NOT_LISTED.value

    edition = _edition_adding(tmp_path, target)
    with unit_of_work(registry.sessions) as session:
        run_import(session, "us-1260h", [edition])

    first = AlertWorker(
        registry,
        {"slack": DiesAfterSending("xoxb-test", fake_slack.api_url, resend_pause_s=0.0)},
        pace_s=0.0,
        lease=dt.timedelta(milliseconds=200),
    )
    if stop == "after-planning":
        assert await asyncio.to_thread(first.plan) == 1
        assert fake_slack.channels.get(CHANNEL, []) == []
    else:
        with pytest.raises(Killed):
            await asyncio.to_thread(first.run_once)
        assert len(fake_slack.channels[CHANNEL]) == 1
        await asyncio.sleep(0.3)  # the dead worker's lease runs out

    out = await asyncio.to_thread(_second_worker, registry, fake_slack)
    if stop == "after-planning":
        assert "planned 0, sent 1, recovered 0" in out
    else:
        assert "planned 0, sent 0, recovered 1" in out  # found by its nonce, not re-sent
    again = await asyncio.to_thread(_second_worker, registry, fake_slack)
    assert "planned 0, sent 0, recovered 0" in again

    posted = fake_slack.channels[CHANNEL]
    assert len(posted) == 1
    text = "\n".join(b["text"]["text"] for b in posted[0]["blocks"] if b["type"] == "section")
    entries = [m.groups() for line in text.splitlines() if (m := ENTRY.match(line))]
    # One entry, the partner, with the verdict the channel had and the one it has now.
    assert [name for name, _ in entries] == [escape(target, 300)]
    assert entries[0][1].startswith("verdict was not listed, now listed: DoD 1260H")
    assert "1 watched organisation's verdict changed" in text
    with unit_of_work(registry.sessions) as session:
        now = session.scalars(
            select(Subscription.verdict)
            .join(Subscription.entity)
            .where(Subscription.channel_id == CHANNEL, Entity.name == target)
        ).one()
    assert now == Level.LISTED.value
