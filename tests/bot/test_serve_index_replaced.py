"""`mcf-bot serve` as a real process while its saved name index is replaced under it
(issue 27, finding 8): the file is renamed over (as ``registry.lookup.saved`` writes
it); the server keeps answering, moves to the new file and lets go of the old one."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.server import INDEX_REFRESH_S
from registry import store
from registry.db import unit_of_work
from registry.lookup.index import NameIndex
from registry.lookup.saved import index_path, save
from registry.service import Registry
from tests.bot.test_serve_process import _ask, _wait_healthy, running_serve
from tests.fake_slack import FakeSlack

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/maps").exists(), reason="reads the server's mappings in /proc"
)


def _index(registry: Registry) -> Path:
    path = index_path(registry.engine.url)
    assert path is not None
    return path


def _save_new(registry: Registry) -> int:
    """Build the index and rename it over the saved one, as another process would;
    the new file's inode."""
    path = _index(registry)
    with unit_of_work(registry.sessions) as session:
        save(NameIndex.build(session), path, session)
    return path.stat().st_ino


def _mapped_inodes(pid: int, path: Path) -> set[int]:
    """The inodes of the files at ``path`` (or unlinked from it) that ``pid`` maps."""
    inodes = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].removesuffix(" (deleted)") == str(path):
            inodes.add(int(fields[4]))
    return inodes


@pytest.fixture
def serve_process(
    bundled_registry: Registry, fake_slack: FakeSlack
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    _save_new(bundled_registry)  # serve opens (maps) a saved index, not one it builds
    with running_serve(bundled_registry, fake_slack) as running:
        yield running


async def test_serve_moves_to_an_index_renamed_over_its_own(
    serve_process: tuple[str, subprocess.Popen[bytes]],
    fake_slack: FakeSlack,
    bundled_registry: Registry,
) -> None:
    url, proc = serve_process
    path = _index(bundled_registry)
    await _wait_healthy(url)
    old = path.stat().st_ino
    assert _mapped_inodes(proc.pid, path) == {old}
    name = "Qorvexa Photonics Research Centre"
    async with aiohttp.ClientSession() as http:
        assert "Baidu, Inc." in await _ask(http, url, "Baidu", fake_slack.response_url)
        with unit_of_work(bundled_registry.sessions) as session:
            baidu = store.entity_by_key(session, "baidu")
            assert baidu is not None
            store.add_alias(session, baidu, name)
        new = _save_new(bundled_registry)
        assert new != old
        # Right after the replacement, from the old mapping or the new: no crash.
        assert "Baidu, Inc." in await _ask(http, url, "Baidu", fake_slack.response_url)
        deadline = time.monotonic() + 30 * INDEX_REFRESH_S
        while new not in _mapped_inodes(proc.pid, path):
            assert proc.poll() is None, f"serve exited with {proc.returncode}"
            assert time.monotonic() < deadline, "serve did not open the new index file"
            await _ask(http, url, "Baidu", fake_slack.response_url)
            await asyncio.sleep(0.2)
        async with http.get(f"{url}/healthz") as r:
            assert r.status == 200 and (await r.json())["status"] == "ok"
        assert "Baidu, Inc." in await _ask(http, url, name, fake_slack.response_url)
        assert "Baidu, Inc." in await _ask(http, url, "Baidu", fake_slack.response_url)
    assert proc.poll() is None, f"serve exited with {proc.returncode}"
    proc.terminate()
    output = proc.communicate(timeout=10)[0].decode()
    assert f"the saved name index {path} was replaced: reopened it" in output
    assert "Traceback" not in output
