"""Currency: on the bundled data, a no-finding answer names the stale copies (MEU and
NS-CMIC among them, with their dates) and `sources` says so per list; after a sync from a
local mirror with newer files, the warning goes."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from pathlib import Path

import pytest

from handlers.context import Services
from handlers.dispatch import handle
from handlers.sources import sources
from handlers.verdict import of_reply
from registry.currency import bundled_note, stale_lists
from registry.db import unit_of_work
from registry.service import Registry
from registry.sync.options import FetchOptions, SyncOptions
from registry.sync.run import resolve_sources, sync
from registry.views import list_editions
from tests.conftest import DATA

UNKNOWN = "Quietwater Ceramics Trading Company of Nowhere"


def _no_finding(registry: Registry) -> str:
    return of_reply(handle(Services(registry), UNKNOWN)).text


def _newer_meu_csv(tmp_path: Path) -> Path:
    """The snapshot's MEU rows, one of them dated this week: a newer (partial) CSL file."""
    with gzip.open(DATA / "lists/csl/consolidated-2022-04.csv.gz", "rt", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r["source"].startswith("Military End User")]
        header = list(reader.fieldnames or [])
    rows[0] = {**rows[0], "start_date": (dt.date.today() - dt.timedelta(days=3)).isoformat()}
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "consolidated.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_stale_copies_are_named_until_a_sync_from_a_mirror(
    bundled_registry: Registry, tmp_path: Path
) -> None:
    text = _no_finding(bundled_registry)
    assert text.startswith("No match")
    stale = text.partition("Stale: ")[2]
    assert "MEU List" in stale and "copies of 2022-04-21" in stale
    assert "NS-CMIC copy of 2021-12-16" in stale
    assert stale.endswith("run `mcf-bot sync`.")
    views = {v.id: v for v in sources(Services(bundled_registry)).lists}
    assert views["us-meu"].stale and "copy of 2022-04-21" in views["us-meu"].stale
    assert views["us-ndaa-889"].stale is None  # a statute has no rhythm
    with unit_of_work(bundled_registry.sessions) as session:
        note = bundled_note(session, list_editions(session))
    assert note is not None and "never synced" in note and "mcf-bot sync" in note

    mirror = SyncOptions(
        fetch=FetchOptions(retries=0),
        urls={
            "ofac-cons": (DATA / "lists/ofac/cons_prim.csv").as_uri(),
            "ofac-cons-alt": (DATA / "lists/ofac/cons_alt.csv").as_uri(),
            "csl": _newer_meu_csv(tmp_path).as_uri(),
        },
    )
    outcomes = sync(bundled_registry, resolve_sources(["ofac-cons", "csl"]), mirror)
    assert [o.status for o in outcomes] == ["changed", "changed"], outcomes
    text = _no_finding(bundled_registry)
    stale = text.partition("Stale: ")[2]
    assert "MEU List" not in stale and "NS-CMIC" not in stale and "2022-04-21" not in stale
    assert "MIEU List copy of 2022-03-02" in stale  # not synced: still stale
    with unit_of_work(bundled_registry.sessions) as session:
        still = {s.list_id for s in stale_lists(session, list_editions(session))}
        assert bundled_note(session, list_editions(session)) is None
    assert not still & {"us-meu", "us-ns-cmic", "us-sdn", "us-entity-list"}


def test_the_first_ask_on_a_never_synced_registry_says_how_old_the_data_is(
    bundled_registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.cli import main
    from bot.schedule import log_stale_lists

    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))
    assert main(["ask", UNKNOWN]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("Note:")]
    assert len(notes) == 1 and "never synced" in notes[0]
    assert "editions of 2021-12-16 (NS-CMIC)" in notes[0]
    assert main(["ask", UNKNOWN]) == 0
    assert "Note:" not in capsys.readouterr().err  # once
    # `serve` logs the stale lists (daily).
    line = log_stale_lists(bundled_registry)
    assert line is not None and "MEU List" in line and "2022-04-21" in line
    assert any("older than their publishers' rhythm" in r.message for r in caplog.records)
