"""The sync pass against a local publisher: content hashes without validators, a source of
two files, the size cap, a new mirror URL, proxies, a CA bundle, and two syncers at once
on PostgreSQL importing one edition once."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.settings import Settings, SettingsError
from registry.catalog import sync_sources
from registry.db import unit_of_work
from registry.models import Change, ImportRun
from registry.service import Registry
from registry.sync.options import FetchOptions, SyncOptions
from registry.sync.run import SyncOutcome, resolve_sources, sync
from tests.conftest import DATA
from tests.editions import edition_1260h
from tests.publisher import LOCAL_HTTP, Publisher

FAST = FetchOptions(
    retries=1,
    backoff_s=0.01,
    read_timeout_s=2.0,
    connect_timeout_s=2.0,
    http_hosts=LOCAL_HTTP | {"mirror.invalid"},
)
PRIM = (DATA / "lists" / "ofac" / "cons_prim.csv").read_bytes()
ALT = (DATA / "lists" / "ofac" / "cons_alt.csv").read_bytes()


@pytest.fixture
async def publisher() -> AsyncIterator[Publisher]:
    pub = await Publisher().start()
    yield pub
    await pub.stop()


def _options(publisher: Publisher, **urls: str) -> SyncOptions:
    return SyncOptions(fetch=FAST, urls={k: publisher.url(v) for k, v in urls.items()})


async def _sync(registry: Registry, source: str, options: SyncOptions) -> SyncOutcome:
    [outcome] = await asyncio.to_thread(sync, registry, resolve_sources([source]), options)
    return outcome


def _count(registry: Registry, model: type) -> int:
    with unit_of_work(registry.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


async def test_a_body_served_without_validators_is_compared_by_hash(
    empty_registry: Registry, publisher: Publisher
) -> None:
    publisher.mode = "no-validators"
    publisher.publish("1260h.csv", edition_1260h("2022-10-05"))
    options = _options(publisher, **{"us-1260h": "1260h.csv"})
    assert (await _sync(empty_registry, "us-1260h", options)).status == "changed"
    runs, changes = _count(empty_registry, ImportRun), _count(empty_registry, Change)
    again = await _sync(empty_registry, "us-1260h", options)
    assert (again.status, again.message) == ("unchanged", "same content as last import")
    assert "If-None-Match" not in publisher.asked("1260h.csv")[-1]
    assert (_count(empty_registry, ImportRun), _count(empty_registry, Change)) == (runs, changes)


async def test_a_source_of_two_files_imports_when_either_changes(
    empty_registry: Registry, publisher: Publisher
) -> None:
    publisher.publish("cons_prim.csv", PRIM)
    publisher.publish("cons_alt.csv", ALT)
    options = _options(publisher, **{"ofac-cons": "cons_prim.csv", "ofac-cons-alt": "cons_alt.csv"})
    first = await _sync(empty_registry, "us-ns-cmic", options)  # a list id names its source
    assert first.status == "changed" and first.changes > 0
    # Only the alternate names change: a new name for an NS-CMIC party (entity 30902).
    # (OFAC's files end with a DOS end-of-file mark, kept last.)
    line = b'30902,99999,"aka","EXAMPLE ENGINE WORKS",-0- \r\n'
    publisher.publish("cons_alt.csv", ALT.replace(b"\x1a", b"") + line + b"\x1a")
    before = len(publisher.requests)
    second = await _sync(empty_registry, "ofac-cons", options)
    assert second.status == "changed" and second.changes >= 1, second
    asked = publisher.requests[before:]
    # The primary file answered 304, then was fetched whole for the importer to read.
    assert [p for p, _ in asked] == ["cons_prim.csv", "cons_alt.csv", "cons_prim.csv"]
    assert "If-None-Match" in asked[0][1] and "If-None-Match" not in asked[2][1]
    third = await _sync(empty_registry, "ofac-cons", options)
    assert third.message == "not modified (304)"


async def test_over_the_size_cap_writes_nothing(
    empty_registry: Registry, publisher: Publisher
) -> None:
    publisher.publish("1260h.csv", edition_1260h("2021-06-03"))
    options = SyncOptions(
        fetch=FetchOptions(max_bytes=1000, retries=0, http_hosts=LOCAL_HTTP),
        urls={"us-1260h": publisher.url("1260h.csv")},
    )
    outcome = await _sync(empty_registry, "us-1260h", options)
    assert outcome.status == "failed" and "over the cap of 1000" in outcome.message
    assert _count(empty_registry, ImportRun) == 0


async def test_a_new_mirror_url_is_asked_unconditionally(
    empty_registry: Registry, publisher: Publisher
) -> None:
    body = edition_1260h("2021-06-03")
    publisher.publish("a/1260h.csv", body)
    publisher.publish("b/1260h.csv", body)
    await _sync(empty_registry, "us-1260h", _options(publisher, **{"us-1260h": "a/1260h.csv"}))
    outcome = await _sync(
        empty_registry, "us-1260h", _options(publisher, **{"us-1260h": "b/1260h.csv"})
    )
    # The other mirror's validators mean nothing here; the same body imports nothing.
    assert "If-None-Match" not in publisher.asked("b/1260h.csv")[0]
    assert outcome.message == "same content as last import"


async def test_http_proxy_and_no_proxy_are_honoured(
    empty_registry: Registry, publisher: Publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The publisher doubles as a forward proxy: the host below exists nowhere else.
    publisher.publish("lists/1260h.csv", edition_1260h("2021-06-03"))
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{publisher.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    options = SyncOptions(fetch=FAST, urls={"us-1260h": "http://mirror.invalid/lists/1260h.csv"})
    assert (await _sync(empty_registry, "us-1260h", options)).status == "changed"
    monkeypatch.setenv("NO_PROXY", "mirror.invalid")
    outcome = await _sync(empty_registry, "us-1260h", options)
    assert outcome.status == "failed" and "connection failed" in outcome.message


async def test_tls_is_verified_and_a_ca_bundle_adds_trust(
    empty_registry: Registry, tls_cert: tuple[Path, Path]
) -> None:
    cert, key = tls_cert
    body = edition_1260h("2021-06-03")
    app = web.Application()

    async def serve_csv(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/csv")

    app.router.add_get("/1260h.csv", serve_csv)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    urls = {"us-1260h": f"https://127.0.0.1:{port}/1260h.csv"}
    try:
        refused = await _sync(empty_registry, "us-1260h", SyncOptions(fetch=FAST, urls=urls))
        assert refused.status == "failed" and "TLS verification failed" in refused.message
        trusted = SyncOptions(fetch=FetchOptions(retries=0, ca_bundle=str(cert)), urls=urls)
        assert (await _sync(empty_registry, "us-1260h", trusted)).status == "changed"
    finally:
        await runner.cleanup()


def test_sync_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "MCF_SYNC_INTERVAL": "0",
            "MCF_SYNC_URL_US_1260H": "https://mirror.example.org/1260h.csv",
            "MCF_SYNC_URL_OFAC_CONS_ALT": "https://mirror.example.org/alt.csv",
            "MCF_SYNC_RETRIES": "5",
        }
    )
    assert settings.sync.interval_s == 0
    assert settings.sync.options.fetch.retries == 5
    assert settings.sync.options.urls == {
        "us-1260h": "https://mirror.example.org/1260h.csv",
        "ofac-cons-alt": "https://mirror.example.org/alt.csv",
    }
    for env, named in [
        ({"MCF_SYNC_INTERVAL": "often"}, "MCF_SYNC_INTERVAL"),
        ({"MCF_SYNC_RETRIES": "-1"}, "MCF_SYNC_RETRIES"),
        ({"MCF_SYNC_URL_CSL": "ftp://x"}, "MCF_SYNC_URL_CSL"),
        ({"MCF_SYNC_CA_BUNDLE": "/no/such.pem"}, "MCF_SYNC_CA_BUNDLE"),
        ({"MCF_SYNC_URL_US_MEU": "https://x/csl.csv"}, "MCF_SYNC_URL_US_MEU names no sync file"),
    ]:
        with pytest.raises(SettingsError, match=named):
            Settings.from_env(env)


# -- PostgreSQL: two syncers at once ----------------------------------------------------


@pytest.mark.postgres
async def test_two_syncers_at_once_on_postgres_import_once(
    pg_empty_registry: Registry, publisher: Publisher
) -> None:
    publisher.publish("1260h.csv", edition_1260h("2025-01-07"))
    publisher.mode = "slow"  # both are mid-download together
    publisher.stall_s = 0.5
    options = _options(publisher, **{"us-1260h": "1260h.csv"})
    start = threading.Barrier(2)

    def run() -> list[SyncOutcome]:
        start.wait()
        return sync(pg_empty_registry, resolve_sources(["us-1260h"]), options)

    results = await asyncio.gather(asyncio.to_thread(run), asyncio.to_thread(run))
    statuses = sorted(o.status for [o] in results)
    assert statuses == ["changed", "skipped"], results
    with unit_of_work(pg_empty_registry.sessions) as session:
        runs = session.scalar(
            select(func.count()).select_from(ImportRun).where(ImportRun.source == "us-1260h")
        )
    assert runs == 1
    # Afterwards either replica's next pass asks conditionally and writes nothing.
    publisher.mode = "ok"
    again = await _sync(pg_empty_registry, "us-1260h", options)
    assert again.message == "not modified (304)"


def _bundled_copy(name: str) -> Path:
    """The copy of a publisher's file that the project ships (or keeps as a test fixture)."""
    found = sorted({*DATA.rglob(name), *(DATA.parent / "tests" / "fixtures").rglob(name)})
    assert found, f"no bundled copy of {name}"
    return found[0]


@pytest.mark.parametrize("source", [s.id for s in sync_sources().values()])
async def test_every_source_of_the_catalogue_syncs_its_publishers_format(
    empty_registry: Registry, publisher: Publisher, source: str
) -> None:
    """The catalogue's file names, formats and importers fit: each source, served the
    project's own copy of its publisher's file, imports it, then answers 304."""
    urls = {}
    for file in sync_sources()[source].files:
        publisher.publish(file.name, _bundled_copy(file.name).read_bytes())
        urls[file.id] = file.name
    options = _options(publisher, **urls)
    first = await _sync(empty_registry, source, options)
    assert first.status == "changed" and first.changes > 0, first
    assert (await _sync(empty_registry, source, options)).message == "not modified (304)"


@pytest.mark.parametrize(
    ("body", "fmt", "why"),
    [
        (b"", "csv", "the file is empty"),
        (b'{"results": []}', "csv", "expected a CSV file, got what looks like JSON"),
        (b"<?xml version='1.0'?><sdnList/>", "csv", "got what looks like XML"),
        (b"PK\x03\x04rest", "csv", "got what looks like a zip archive"),
        (b"\x1f\x8b\x08rest", "csv", "got what looks like a gzip archive"),
        (b'a,b\n1,"cut in the mid', "csv", "malformed CSV"),
        (b"just one column\nper line\n", "csv", "lines without a single comma"),
        (b"a,b\n1,2\n", "json", "expected a JSON file"),
        (b'{"results": [', "json", "not a whole JSON document"),
    ],
)
def test_a_body_of_the_wrong_format_is_refused_before_import(
    tmp_path: Path, body: bytes, fmt: str, why: str
) -> None:
    from registry.sync.fetch import SyncError, check_format

    path = tmp_path / "file"
    path.write_bytes(body)
    with pytest.raises(SyncError, match=why):
        check_format(path, fmt, "https://publisher.example/file")


def test_each_list_with_a_publisher_url_is_fed_by_the_source_fetching_it() -> None:
    from registry.catalog import catalog

    fed = {list_id: s for s in sync_sources().values() for list_id in s.lists}
    for info in catalog().values():
        source = fed.get(info.id)
        if info.publisher_url is None:
            assert source is None, f"{info.id} is synced but names no publisher URL"
            continue
        assert source is not None, f"{info.id} names a publisher URL no source fetches"
        assert source.importer == info.importer
        assert info.publisher_url == source.files[0].url
        assert all(f.url.startswith("https://") for f in source.files)


async def test_a_file_the_importer_refuses_writes_nothing_and_names_the_url(
    empty_registry: Registry, publisher: Publisher
) -> None:
    good = edition_1260h("2021-06-03")
    publisher.publish("1260h.csv", good)
    options = _options(publisher, **{"us-1260h": "1260h.csv"})
    assert (await _sync(empty_registry, "us-1260h", options)).status == "changed"
    runs, changes = _count(empty_registry, ImportRun), _count(empty_registry, Change)
    # The next edition is a whole CSV, but one row's start date is no date.
    bad = edition_1260h("2022-10-05").replace(b"2022-10-05", b"5 Oct 2022", 1)
    publisher.publish("1260h.csv", bad)
    outcome = await _sync(empty_registry, "us-1260h", options)
    assert outcome.status == "failed", outcome
    assert outcome.message.startswith(publisher.url("1260h.csv") + ", line ")
    assert "mcf-sync-" not in outcome.message  # never the temporary file's path
    assert (_count(empty_registry, ImportRun), _count(empty_registry, Change)) == (runs, changes)
