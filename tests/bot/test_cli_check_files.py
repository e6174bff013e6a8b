"""``mcf-bot check FILE`` with the files partners actually send: CSV in cp1252 with a
header, XLSX, UTF-16, plain lists; results written with the input's columns kept."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot import partner_files
from bot.cli import main
from registry.db import unit_of_work
from registry.records import since
from registry.service import Registry

ROWS = [
    ("Hangzhou Hikvision Digital Technology Co., Ltd.", "CN", "company", "Société mère"),
    ("Baidu", "CN", "company", "Zürich office"),
    ("Zzyzx Widgets Unknown Partner", "US", "company", "Café"),
]


@pytest.fixture
def db_env(bundled_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setenv("MCF_DATABASE_URL", str(bundled_registry.engine.url))
    return bundled_registry


def _csv(delimiter: str = ";") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["Organisation", "Country", "Type", "Notes"])
    writer.writerows(ROWS)
    return out.getvalue()


def test_a_cp1252_csv_with_a_header_gives_one_result_row_per_input_row(
    db_env: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "partners.csv"
    source.write_bytes(_csv().encode("cp1252"))
    out = tmp_path / "results.csv"
    assert main(["check", str(source), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 names: 2 listed, 0 formerly listed, 0 tied, 0 did you mean, 1 no match" in printed
    assert str(out) in printed
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0][:4] == ["Organisation", "Country", "Type", "Notes"]
    assert rows[0][4:] == list(partner_files.RESULT_COLUMNS)
    assert [r[:4] for r in rows[1:]] == [list(r) for r in ROWS]  # accents intact
    hik = rows[1]
    assert hik[4] == "listed" and "1260H" in hik[5] and hik[9].startswith("http")
    assert rows[3][4] == "no match"
    with unit_of_work(db_env.sessions) as session:
        kept = list(since(session))
    assert [r.query for r in kept] == [r[0] for r in ROWS]
    assert {r.kind for r in kept} == {"file"} and len({r.batch for r in kept}) == 1
    assert kept[0].platform == "cli" and kept[0].user_id


def test_fail_on_sets_the_exit_status(
    db_env: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "partners.csv"
    source.write_text(_csv(","), encoding="utf-8")
    assert main(["check", str(source), "--fail-on", "listed,tied"]) == 1
    assert main(["check", str(source), "--fail-on", "formerly_listed"]) == 0
    assert main(["check", str(source), "--fail-on", "nonsense"]) == 2
    assert "--fail-on does not know 'nonsense'" in capsys.readouterr().err


def test_an_xlsx_in_and_an_xlsx_out(
    db_env: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID", "Partner name", "Country"])
    for i, (name, country, _, _) in enumerate(ROWS, 1):
        sheet.append([i, name, country])
    source = tmp_path / "partners.xlsx"
    book.save(source)
    out = tmp_path / "results.xlsx"
    assert main(["check", str(source), "-o", str(out)]) == 0
    sheet_out = load_workbook(out).worksheets[0]
    got = [list(row) for row in sheet_out.iter_rows(values_only=True)]
    assert got[0][:4] == ["ID", "Partner name", "Country", "verdict"]
    assert [row[1] for row in got[1:]] == [r[0] for r in ROWS]
    assert got[1][3] == "listed" and got[3][3] == "no match"
    assert len(got) == len(ROWS) + 1


def test_column_chooses_the_names_and_a_wrong_column_is_named(
    db_env: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "p.csv"
    source.write_text("id,country,who\n1,CN,Baidu\n2,CN,Hikvision\n", encoding="utf-8")
    assert main(["check", str(source), "--column", "who", "--json"]) == 0
    captured = capsys.readouterr()
    assert [line.split('"query": ')[1][:7] for line in captured.out.splitlines()] == [
        '"Baidu"',
        '"Hikvis',
    ]
    assert main(["check", str(source), "--column", "partner"]) == 2
    assert "There is no column 'partner'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (_csv().encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + _csv().encode("utf-8"), "utf-8-sig"),
        (_csv().encode("utf-16"), "utf-16"),  # with its BOM, as Excel writes it
        (_csv().encode("utf-16-le"), "utf-16-le"),
        (_csv().encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected(data: bytes, encoding: str) -> None:
    table = partner_files.parse(data, "p.csv", max_rows=100)
    assert table.encoding == encoding and table.has_header
    assert table.names() == [r[0] for r in ROWS]
    assert table.rows[0][3] == "Société mère"


def test_an_encoding_we_cannot_tell_is_a_clear_error(
    db_env: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "gbk.csv"
    source.write_bytes("名称,国家\n北京航空航天大学,中国\n百度,中国\n".encode("gbk"))
    assert main(["check", str(source)]) == 2
    err = capsys.readouterr().err
    assert "cannot tell the text encoding" in err and "CSV UTF-8" in err
    assert "Traceback" not in err


def test_a_plain_list_with_commas_inside_names_stays_a_list() -> None:
    table = partner_files.parse(b"Baidu, Inc.\nBGI\n# a comment\nHikvision\n", "p.txt", max_rows=9)
    assert table.kind == "list" and table.names() == ["Baidu, Inc.", "BGI", "Hikvision"]


def test_past_the_row_limit_the_file_is_refused_with_the_reason(
    db_env: Registry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MCF_CHECK_MAX_ROWS", "2")
    source = tmp_path / "p.csv"
    source.write_text(_csv(), encoding="utf-8")
    assert main(["check", str(source)]) == 2
    assert "The file has 3 rows; I screen at most 2 at a time." in capsys.readouterr().err


def test_a_formula_in_a_name_is_never_written_as_a_formula(tmp_path: Path) -> None:
    data = partner_files.write_csv(["name"], [[partner_files._safe_cell("=HYPERLINK(1)")]])
    assert b"'=HYPERLINK" in data
