"""serve's event loop: uvloop's where it is installed, asyncio's otherwise. (Every test
that starts the real server, tests/bot/test_serve_process.py and the rest, runs on it.)"""

from __future__ import annotations

import sys

import pytest

from bot.server import event_loop


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")
def test_serve_runs_on_uvloop_off_windows() -> None:
    import uvloop  # a dependency everywhere else (pyproject.toml): missing is a failure

    loop = event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        assert loop is not None
        loop.close()


def test_without_uvloop_serve_keeps_asyncios_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as on Windows: the import fails
    assert event_loop() is None
