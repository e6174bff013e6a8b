"""The import guard: an edition that ends half a list, a file cut between two rows (also
as a chunked download with no Content-Length), and an older edition are held with nothing
written and no change to alert on; ``--accept`` then imports them, and ``sources`` shows
a held edition until then."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from handlers.context import Services
from handlers.sources import sources
from registry.db import unit_of_work
from registry.guard import EditionHeld, GuardOptions, open_holds
from registry.importers import run_import
from registry.models import Change, Designation, HeldEdition, ImportRun
from registry.service import Registry
from registry.sync.options import FetchOptions, SyncOptions
from registry.sync.run import resolve_sources, sync
from tests.conftest import DATA
from tests.editions import edition_1260h_file
from tests.publisher import LOCAL_HTTP, Publisher

CSL_2022 = DATA / "lists" / "csl" / "consolidated-2022-04.csv.gz"
GUARD = GuardOptions()


def _entity_list_rows() -> tuple[list[str], list[dict[str, str]]]:
    with gzip.open(CSL_2022, "rt", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r["source"].startswith("Entity List")]
        return list(reader.fieldnames or []), rows


def _csv(header: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The 2022 Entity List whole; without half of its China and Hong Kong parties (still
    a whole edition: over 1,000 rows); and cut between two rows after 40% of them."""
    header, rows = _entity_list_rows()
    china = [r for r in rows if r["addresses"].rstrip().endswith((", CN", ", HK"))]
    dropped = {id(r) for r in china[::2]}
    root = tmp_path_factory.mktemp("editions")
    files = {
        "whole": _csv(header, rows),
        "half": _csv(header, [r for r in rows if id(r) not in dropped]),
        "cut": _csv(header, rows[: len(rows) * 2 // 5]),
    }
    out = {}
    for name, body in files.items():
        out[name] = root / f"consolidated-{name}.csv"
        out[name].write_bytes(body)
    return out


def _counts(registry: Registry) -> tuple[int, int, int]:
    with unit_of_work(registry.sessions) as session:
        return (
            session.scalar(select(func.count()).select_from(ImportRun)) or 0,
            session.scalar(select(func.count()).select_from(Change)) or 0,
            session.scalar(select(func.count()).where(Designation.end.is_not(None))) or 0,
        )


def _import(registry: Registry, source: str, path: Path, guard: GuardOptions | None) -> None:
    with unit_of_work(registry.sessions) as session:
        run_import(session, source, [path], guard=guard)


@pytest.fixture(scope="module")
def loaded(editions: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding the whole 2022 Entity List (built once, copied per test)."""
    path = tmp_path_factory.mktemp("guard") / "registry.sqlite3"
    registry = Registry.connect(f"sqlite:///{path}")
    registry.init(empty=True)
    _import(registry, "csl", editions["whole"], GUARD)
    registry.engine.dispose()
    return path


@pytest.fixture
def registry(loaded: Path, tmp_path: Path) -> Registry:
    copy = tmp_path / "registry.sqlite3"
    copy.write_bytes(loaded.read_bytes())
    return Registry.connect(f"sqlite:///{copy}")


@pytest.mark.parametrize(
    ("edition", "why"),
    [
        ("half", r"would end 2\d\d of the 5\d\d current Entity List listings \([45]\d%"),
        ("cut", r"Entity List has 800 rows where the last edition had 2001"),
    ],
)
def test_a_bad_csl_edition_is_held_with_nothing_written(
    registry: Registry, editions: dict[str, Path], edition: str, why: str
) -> None:
    before = _counts(registry)
    with pytest.raises(EditionHeld, match=why) as held:
        _import(registry, "csl", editions[edition], GUARD)
    assert _counts(registry) == before  # no run, no change to alert on, nothing ended
    from registry.guard import record_hold

    assert record_hold(registry.sessions, held.value)
    assert not record_hold(registry.sessions, held.value)  # the same edition: once
    view = {v.id: v for v in sources(Services(registry)).lists}["us-entity-list"]
    assert view.held is not None and "held" in view.held and "--accept csl" in view.held
    # Accepted, it is imported; the hold is settled and leaves `sources`.
    _import(registry, "csl", editions[edition], None)
    runs, changes, ended = _counts(registry)
    assert runs == before[0] + 1
    if edition == "half":
        assert ended >= before[2] + 200 and changes > before[1]
    with unit_of_work(registry.sessions) as session:
        assert open_holds(session) == []
        assert session.scalar(select(HeldEdition.resolution)) == "accepted"
    view = {v.id: v for v in sources(Services(registry)).lists}["us-entity-list"]
    assert view.held is None


def test_an_older_edition_is_held_and_accept_imports_it(
    empty_registry: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    newer = edition_1260h_file(tmp_path, "2024-01-31")
    older = edition_1260h_file(tmp_path, "2022-10-05")
    monkeypatch.setenv("MCF_DATABASE_URL", str(empty_registry.engine.url))
    assert main(["import", "us-1260h", str(newer)]) == 0
    before = _counts(empty_registry)
    assert main(["import", "us-1260h", str(older)]) == 3
    err = capsys.readouterr().err
    assert (
        "held, nothing imported" in err and "older than the DoD 1260H edition of 2024-01-31" in err
    )
    assert "Traceback" not in err and err.count("\n") == 1
    assert _counts(empty_registry) == before
    view = {v.id: v for v in sources(Services(empty_registry)).lists}["us-1260h"]
    assert view.held is not None and "2022-10-05" in view.held
    assert main(["import", "--accept", "us-1260h", str(older)]) == 0
    assert _counts(empty_registry)[0] == before[0] + 1
    view = {v.id: v for v in sources(Services(empty_registry)).lists}["us-1260h"]
    assert view.held is None


@pytest.fixture
async def publisher() -> AsyncIterator[Publisher]:
    pub = await Publisher().start()
    yield pub
    await pub.stop()


async def test_a_download_cut_between_rows_without_content_length_is_held_by_sync(
    registry: Registry, editions: dict[str, Path], publisher: Publisher
) -> None:
    """A chunked response that simply ends early is a well-formed CSV: only the guard
    can tell; `sync --accept` imports it."""
    publisher.mode = "chunked"
    publisher.publish("consolidated.csv", editions["cut"].read_bytes())
    options = SyncOptions(
        fetch=FetchOptions(retries=0, read_timeout_s=5, connect_timeout_s=5, http_hosts=LOCAL_HTTP),
        urls={"csl": publisher.url("consolidated.csv")},
    )
    before = _counts(registry)
    [outcome] = await asyncio.to_thread(sync, registry, resolve_sources(["csl"]), options)
    assert outcome.status == "held", outcome
    assert "800 rows where the last edition had 2001" in outcome.message
    assert "--accept csl" in outcome.message
    assert _counts(registry) == before
    [again] = await asyncio.to_thread(
        sync, registry, resolve_sources(["csl"]), options, accept=["csl"]
    )
    assert again.status == "changed", again
    assert _counts(registry)[0] == before[0] + 1


async def test_a_held_edition_is_announced_once_to_the_admins_channel(
    empty_registry: Registry, tmp_path: Path
) -> None:
    from bot.alerts.notifier import SlackNotifier
    from bot.alerts.worker import AlertWorker
    from registry.guard import record_hold
    from tests.fake_slack import FakeSlack

    _import(empty_registry, "us-1260h", edition_1260h_file(tmp_path, "2024-01-31"), GUARD)
    with pytest.raises(EditionHeld) as held:
        _import(empty_registry, "us-1260h", edition_1260h_file(tmp_path, "2022-10-05"), GUARD)
    record_hold(empty_registry.sessions, held.value)
    fake = await FakeSlack().start()
    try:
        notifier = SlackNotifier("xoxb-test", fake.api_url, resend_pause_s=0.0)
        worker = AlertWorker(
            empty_registry, {"slack": notifier}, pace_s=0.0, admin_channel=("slack", "CADMIN")
        )
        await asyncio.to_thread(worker.run_once)
        await asyncio.to_thread(worker.run_once)
        posted = fake.channels.get("CADMIN", [])
        assert len(posted) == 1
        assert "held an edition of us-1260h (2022-10-05)" in posted[0]["text"]
        assert "--accept us-1260h" in posted[0]["text"]
        assert set(fake.channels) == {"CADMIN"}  # no alert anywhere else
    finally:
        await fake.stop()
