"""Imports beside chat on SQLite: while an ``mcf-bot import`` process holds the write
lock, lookups answer (before the import commits) and commands that write answer too —
done, or "the registry is being updated — try again in a minute" — never "Something
went wrong". Timings are the bench's business (bench/import_beside_chat.py)."""

from __future__ import annotations

from pathlib import Path

from handlers.context import Services
from tests.bot.busy_import import burst, start_import, summary, wait_for_lock, write_companies
from tests.fake_slack import FakeSlack

# Enough for the import to hold the lock for several seconds on a slow machine.
NAMES = 30_000


async def test_lookups_and_watches_answer_while_an_import_writes(
    server: str, fake_slack: FakeSlack, services: Services, tmp_path: Path
) -> None:
    database = Path(str(services.registry.engine.url.database))
    data = write_companies(tmp_path / "many.ftm.json", NAMES)
    proc = start_import(database, data)
    try:
        await wait_for_lock(database, proc)
        answers = await burst(server, fake_slack, proc, lookups=40, watches=9)
        figures = summary(answers)
        assert all(a.status == 200 for a in answers)
        assert figures["went_wrong"] == 0, [a.text for a in answers if "wrong" in a.text]
        # Lookups never waited for the import: every one answered while it still ran.
        lookups = [a for a in answers if not a.command.startswith("watch ")]
        assert all(a.before_commit for a in lookups), figures
        for a in answers:
            if a.command.startswith("watch "):
                assert "being updated" in a.text or "atch" in a.text, a.text
    finally:
        _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
