"""Chat beside a large import on SQLite: the driver shared by the test
(``test_import_beside_chat.py``, correctness) and the bench script
(``bench/import_beside_chat.py``, the figures).

A real ``mcf-bot import ftm`` runs in its own process, as an operator runs it, on the
same SQLite file the app under test serves from. Once the import holds the write lock,
lookups and watch commands go to the app as signed ``/mcf`` requests, all at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fake_slack import SECRET, FakeSlack, post, signed, slash_body

ROOT = Path(__file__).resolve().parents[2]
LOOKUPS = [
    "Baidu",
    "Huawei",
    "Hikvision",
    "Harvard University",
    "China Aerospace Science and Technology Corporation",
    "Beihang University",
    "Zhejiang Dahua Technology",
    "iFlytek",
    "SenseTime",
    "Megvii",
]
WATCHES = [
    "Baidu",
    "Huawei",
    "Hikvision",
    "SenseTime",
    "Megvii",
    "iFlytek",
    "Beihang University",
    "Some Company Not In The Registry",
    "Another Unknown Works",
]


def write_companies(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            name = f"Generated Trading Company {i:06d} Limited"
            row = {
                "id": f"gen-{i:06d}",
                "schema": "Company",
                "caption": name,
                "properties": {"name": [name], "alias": [f"Generated Trading {i:06d}"]},
                "datasets": ["generated_ds"],
            }
            f.write(json.dumps(row) + "\n")
    return path


def write_locked(database: Path) -> bool:
    """Does another connection hold SQLite's write lock on ``database``?"""
    conn = sqlite3.connect(database, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            return True
        raise
    finally:
        conn.close()


@contextmanager
def write_lock_held(database: Path) -> Iterator[None]:
    """Hold SQLite's write lock on ``database`` with an open, uncommitted write, as an
    import does between its first write and its commit, for as long as the block runs."""
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE held_by_test (x INTEGER)")
        yield
    finally:
        conn.rollback()
        conn.close()


def start_import(database: Path, data: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, MCF_DATABASE_URL=f"sqlite:///{database}")
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "import", "ftm", str(data)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def wait_for_lock(database: Path, proc: subprocess.Popen[bytes]) -> None:
    while not write_locked(database):
        if proc.poll() is not None:
            raise AssertionError(f"the import ended before it wrote: {proc.stderr!r}")
        await asyncio.sleep(0.05)


@dataclass
class Answer:
    command: str
    elapsed_s: float
    status: int
    text: str
    before_commit: bool


async def ask(
    server: str, fake: FakeSlack, command: str, key: str, writing: Callable[[], bool]
) -> Answer:
    body = slash_body(command, fake.response_url_for(key)).replace(
        "channel_id=C1", f"channel_id=CW{key}"
    )
    started = time.monotonic()
    status, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    text = json.dumps(answer, ensure_ascii=False)  # a deferred answer, followed by ``post``
    elapsed = time.monotonic() - started
    return Answer(command, elapsed, status, text, writing())


async def burst(
    server: str, fake: FakeSlack, writing: Callable[[], bool], lookups: int, watches: int
) -> list[Answer]:
    """Lookups and watches all at once; ``writing()`` says whether the writer still holds
    its transaction open when an answer arrives."""
    commands = [LOOKUPS[i % len(LOOKUPS)] for i in range(lookups)]
    commands += [f"watch {WATCHES[i % len(WATCHES)]}" for i in range(watches)]
    return list(
        await asyncio.gather(
            *(ask(server, fake, c, str(i), writing) for i, c in enumerate(commands))
        )
    )


def summary(answers: list[Answer]) -> dict[str, Any]:
    times = sorted(a.elapsed_s for a in answers)
    return {
        "answers": len(answers),
        "max_s": round(times[-1], 2),
        "p50_s": round(times[len(times) // 2], 2),
        "went_wrong": sum("Something went wrong" in a.text for a in answers),
        "busy": sum("being updated" in a.text for a in answers),
        "before_commit": sum(a.before_commit for a in answers),
    }
