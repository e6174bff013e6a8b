"""``mcf-bot watchlist import``: a partner file becomes watches of one channel, and a
later import that names a partner is told to that channel once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from registry.db import unit_of_work
from registry.models import Subscription
from registry.service import Registry
from tests.fake_slack import FakeSlack


async def test_a_partner_file_is_watched_and_a_change_to_a_partner_told_once(
    bundled_registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    from registry.importers import run_import

    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    partners = tmp_path / "partners.csv"
    partners.write_text(
        "Partner,Country\nHikvision,CN\nBaidu,CN\nZzyzx Partner Widgets Ltd.,US\n"
        "China Electronics Technology,CN\n",
        encoding="utf-8",
    )
    assert main(["watchlist", "import", str(partners), "--channel", "CPARTNERS"]) == 0
    out = capsys.readouterr().out
    assert "3 partners watched; 1 left out" in out
    assert "left out: China Electronics Technology" in out
    with unit_of_work(bundled_registry.sessions) as session:
        subs = session.scalars(
            select(Subscription).where(Subscription.channel_id == "CPARTNERS")
        ).all()
    assert len(subs) == 3 and {s.kind for s in subs} == {"watch"}

    assert await asyncio.to_thread(main, ["alerts", "run", "--once"]) == 0
    assert "sent 0" in capsys.readouterr().out
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "sources:\n  s:\n    title: T\n    publisher: P\n    url: https://example.org/t\n"
        "entities:\n  - key: zzyzx-partner\n    kind: company\n"
        '    name: "Zzyzx Partner Widgets Ltd."\n',
        encoding="utf-8",
    )
    with unit_of_work(bundled_registry.sessions) as session:
        run_import(session, "curated", [extra])
    assert await asyncio.to_thread(main, ["alerts", "run", "--once"]) == 0
    assert "sent 1" in capsys.readouterr().out
    assert "Zzyzx Partner Widgets Ltd." in str(fake_slack.channels["CPARTNERS"])
    assert await asyncio.to_thread(main, ["alerts", "run", "--once"]) == 0
    assert "sent 0" in capsys.readouterr().out
