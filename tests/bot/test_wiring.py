"""The one place that wires the app: the registry opened (and created) for commands, the
services carrying the settings, the background work started and stopped."""

from __future__ import annotations

import threading
from pathlib import Path

from bot import wiring
from bot.settings import Settings
from registry.db import unit_of_work
from registry.service import Registry


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(
        {"MCF_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.sqlite3'}", **env}
    )


def test_a_command_gets_a_ready_registry_and_the_db_command_an_unopened_one(
    tmp_path: Path, empty_registry: Registry
) -> None:
    bare = wiring.open_registry(_settings(tmp_path), ready=False)
    assert bare.is_empty()  # `mcf-bot db init` creates it itself
    bare.engine.dispose()
    said: list[str] = []
    url = str(empty_registry.engine.url)
    registry = wiring.open_registry(Settings.from_env({"MCF_DATABASE_URL": url}), said.append)
    assert str(registry.engine.url) == url and not registry.is_empty()
    assert said == []  # at its schema's head: nothing to create or upgrade, nothing said
    registry.engine.dispose()


def test_services_carry_the_settings(tmp_path: Path, empty_registry: Registry) -> None:
    settings = _settings(
        tmp_path, MCF_RECORD_ADMINS="U1,U2", MCF_ALERT_ADMINS="U3", MCF_CHECK_MAX_ROWS="7"
    )
    services = wiring.build_services(settings, empty_registry)
    assert services.registry is empty_registry
    assert services.record_admins == {"U1", "U2"} and services.alert_admins == {"U3"}
    assert services.check_max_rows == 7
    with unit_of_work(services.registry.sessions) as session:
        assert services.index.current(session) is not None


def test_background_work_starts_and_stops(tmp_path: Path, empty_registry: Registry) -> None:
    # No sync schedule (it would fetch from the publishers); the alert worker off.
    settings = _settings(tmp_path, MCF_SYNC_INTERVAL="0")
    before = set(threading.enumerate())
    stops = wiring.start_background(settings, empty_registry, alerts=False)
    started = set(threading.enumerate()) - before
    assert [t.name for t in started] == ["stale-lists"] and len(stops) == 1
    stops[0].set()
    for thread in started:
        thread.join(timeout=10)
        assert not thread.is_alive()
