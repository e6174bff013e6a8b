"""Imports beside chat on SQLite: while a writer holds the write lock, lookups answer and
commands that write answer too — done, or "the registry is being updated — try again in
a minute" — never "Something went wrong". Timings are the bench's business
(bench/import_beside_chat.py)."""

from __future__ import annotations

from pathlib import Path

from handlers.context import Services
from tests.bot.busy_import import (
    Answer,
    burst,
    start_import,
    summary,
    wait_for_lock,
    write_companies,
    write_lock_held,
)
from tests.extras import require
from tests.fake_slack import FakeSlack

require("followthemoney", "ftm")  # the import is `mcf-bot import ftm`

# Enough for the import to hold the lock for several seconds on a slow machine.
NAMES = 30_000


def _all_answered(answers: list[Answer]) -> None:
    figures = summary(answers)
    assert all(a.status == 200 for a in answers)
    assert figures["went_wrong"] == 0, [a.text for a in answers if "wrong" in a.text]
    for a in answers:
        if a.command.startswith("watch "):
            assert "being updated" in a.text or "atch" in a.text, a.text


async def test_lookups_answer_while_the_write_lock_is_held(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    """Lookups never need the write lock: with a write left open for as long as the
    burst lasts, every lookup still gets its card (not an apology)."""
    database = Path(str(services.registry.engine.url.database))
    held = True
    with write_lock_held(database):
        answers = await burst(server, fake_slack, lambda: held, lookups=20, watches=4)
        held = False
    _all_answered(answers)
    lookups = [a for a in answers if not a.command.startswith("watch ")]
    assert all(a.before_commit for a in lookups)
    assert all("being updated" not in a.text for a in lookups)
    baidu = next(a for a in lookups if a.command == "Baidu")
    assert "Baidu, Inc." in baidu.text and "Entity List" in baidu.text


async def test_lookups_and_watches_answer_while_an_import_writes(
    server: str, fake_slack: FakeSlack, services: Services, tmp_path: Path
) -> None:
    database = Path(str(services.registry.engine.url.database))
    data = write_companies(tmp_path / "many.ftm.json", NAMES)
    proc = start_import(database, data)
    try:
        await wait_for_lock(database, proc)
        answers = await burst(
            server, fake_slack, lambda: proc.poll() is None, lookups=40, watches=9
        )
        _all_answered(answers)
    finally:
        _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
