"""``mcf-bot ask`` records, ``records show|decide|export|purge`` and ``report`` (a PDF
whose text, read back by pypdf, holds the verdict, the Chinese name and every source)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from registry.db import unit_of_work
from registry.records import canonical_json, since
from registry.service import Registry


@pytest.fixture
def db_env(bundled_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))
    return bundled_registry


def test_ask_records_show_decide_export_and_purge(
    db_env: Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["ask", "Hikvision"]) == 0
    assert main(["ask", "--as-of", "2020-01-01", "Hikvision"]) == 0
    with unit_of_work(db_env.sessions) as session:
        first, second = list(since(session))
    assert first.platform == "cli" and first.user_id and first.channel_id is None
    assert second.as_of is not None and second.as_of.isoformat() == "2020-01-01"
    assert second.answer["verdict"]["text"].startswith("As of 2020-01-01: ")
    assert hashlib.sha256(canonical_json(first.answer)).hexdigest() == first.answer_sha256
    capsys.readouterr()

    assert main(["records", "decide", str(first.id), "--cleared", "--note", "vendor only"]) == 0
    assert main(["records", "show", str(first.id)]) == 0
    shown = capsys.readouterr().out
    assert f"Screening record #{first.id}" in shown and first.answer_sha256 in shown
    assert "Decision: cleared by" in shown and "vendor only" in shown

    assert main(["records", "export", "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [first.id, second.id]
    assert rows[0]["decisions"][0]["decision"] == "cleared"
    out = tmp_path / "audit.csv"
    assert (
        main(["records", "export", "--since", "2000-01-01", "--format", "csv", "-o", str(out)]) == 0
    )
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["answer_sha256"] for r in table] == [first.answer_sha256, second.answer_sha256]
    assert main(["records", "export", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""

    monkeypatch.setenv("MCF_RECORD_RETENTION_DAYS", "0")
    assert main(["records", "purge"]) == 0
    assert "Purged 2 records" in capsys.readouterr().err


def test_report_pdf_holds_the_verdict_the_chinese_name_and_every_source(
    db_env: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pypdf import PdfReader

    assert main(["ask", "--json", "Baidu"]) == 0
    answer = json.loads(capsys.readouterr().out)
    match = answer["match"]
    assert match["native_name"]
    out = tmp_path / "report.pdf"
    assert main(["report", "Baidu", "-o", str(out)]) == 0
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = text.replace("\n", "")
    assert answer["verdict"]["text"].replace(" ", "")[:60] in flat.replace(" ", "")
    assert match["native_name"] in text
    links = {
        a.get_object()["/A"]["/URI"]
        for page in reader.pages
        for a in page.get("/Annots") or []
        if "/A" in a.get_object()
    }
    for source in match["sources"]:
        assert source["url"] in flat, source["url"]  # long URLs wrap across lines
        assert source["url"] in links
    with unit_of_work(db_env.sessions) as session:
        record = list(since(session))[-1]
    assert f"Record #{record.id}" in text and record.answer_sha256 in flat
