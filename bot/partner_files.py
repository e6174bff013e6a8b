"""Partner files in and out: the spreadsheets institutions keep of their partners.

In: CSV (delimiter sniffed, header detected, ``--column``), XLSX, or a plain list of
names, in UTF-8 (with or without BOM), UTF-16 or cp1252 (Excel's "CSV" on Western
Windows). An encoding we cannot tell is a clear error naming the one to save as: a
silently garbled name would be screened as "no match".
Out: the input's columns kept, plus the verdict and why, as CSV or XLSX.

openpyxl reads and writes XLSX (one maintained, pure-Python library for both
directions); it is imported only when an XLSX is read or written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Header cells that name the organisation column, compared case-folded.
NAME_HEADERS = (
    "name",
    "organisation",
    "organization",
    "organisation name",
    "organization name",
    "company",
    "company name",
    "institution",
    "partner",
    "partner name",
    "entity",
    "entity name",
    "collaborator",
    "university",
    "名称",
    "单位",
    "机构",
)
_SNIFF_BYTES = 64_000
_DELIMITERS = ",;\t|"
# cp1252 text is mostly letters beyond ASCII (é, ü, ñ); a GBK or Shift-JIS file read as
# cp1252 is mostly symbols (±, ¾, ©). Past this share of non-letters we refuse to guess.
MAX_CP1252_SYMBOL_SHARE = 0.3
XLSX_MAGIC = b"PK\x03\x04"
RESULT_COLUMNS = ("verdict", "lists", "matched name", "match note", "score", "source")


class PartnerFileError(Exception):
    """A file we cannot read as a partner list; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint

    def __str__(self) -> str:
        return self.message + (f" {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class PartnerTable:
    header: tuple[str, ...]  # the input's column names (made up when it has none)
    rows: tuple[tuple[str, ...], ...]
    name_column: int
    has_header: bool
    kind: str  # csv | xlsx | list
    encoding: str | None = None

    def names(self) -> list[str]:
        return [row[self.name_column] if self.name_column < len(row) else "" for row in self.rows]


def decode(data: bytes, filename: str = "the file") -> tuple[str, str]:
    """The text of ``data`` and the encoding it was in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    head = data[:_SNIFF_BYTES]
    if len(head) >= 4 and head.count(0) >= len(head) // 3:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        codec = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    save_as = PartnerFileError(
        f"I cannot tell the text encoding of {filename}.",
        "Save it as “CSV UTF-8” (Excel: File → Save As → CSV UTF-8) or as XLSX and send it again.",
    )
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise save_as from None
    beyond = [ch for ch in text if ord(ch) > 127]
    symbols = sum(not ch.isalpha() for ch in beyond)
    if beyond and symbols / len(beyond) > MAX_CP1252_SYMBOL_SHARE:
        raise save_as
    return text, "cp1252"


def _is_name_header(cell: str) -> bool:
    return cell.strip().casefold() in NAME_HEADERS


def _column(header: Sequence[str], column: str | None, has_header: bool) -> int:
    if column is None:
        if has_header:
            for i, cell in enumerate(header):
                if _is_name_header(cell):
                    return i
        return 0
    if column.isdigit() and 1 <= int(column) <= max(len(header), 1):
        return int(column) - 1
    for i, cell in enumerate(header):
        if cell.strip().casefold() == column.strip().casefold():
            return i
    raise PartnerFileError(
        f"There is no column {column!r}.",
        "Columns: " + ", ".join(repr(c) for c in header) + " (or give its number, from 1).",
    )


def _table(
    rows: list[list[str]], column: str | None, kind: str, encoding: str | None, max_rows: int
) -> PartnerTable:
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise PartnerFileError("The file has no names in it.")
    first = [cell.strip() for cell in rows[0]]
    has_header = any(_is_name_header(c) for c in first) or (
        column is not None
        and not column.isdigit()
        and column.casefold() in map(str.casefold, first)
    )
    body = rows[1:] if has_header else rows
    if len(body) > max_rows:
        raise PartnerFileError(
            f"The file has {len(body):,} rows; I screen at most {max_rows:,} at a time.",
            "Split it into smaller files (or raise MCF_CHECK_MAX_ROWS).",
        )
    width = max(len(r) for r in rows)
    header = (
        tuple(first) + tuple(f"column {i + 1}" for i in range(len(first), width))
        if has_header
        else tuple("name" if width == 1 else f"column {i + 1}" for i in range(width))
    )
    index = _column(header, column, has_header)
    padded = tuple(tuple(c.strip() for c in r) + ("",) * (width - len(r)) for r in body)
    return PartnerTable(header, padded, index, has_header, kind, encoding)


def _plain_list(text: str) -> list[list[str]]:
    return [[line.strip()] for line in text.splitlines() if not line.lstrip().startswith("#")]


def parse_text(
    text: str, column: str | None = None, *, encoding: str | None = None, max_rows: int
) -> PartnerTable:
    """CSV or a plain list of names: the delimiter is sniffed, and a "delimiter" that
    does not give every line the same number of cells ("Baidu, Inc." on one line, "BGI"
    on the next) means the file is a list of names, one per line."""
    sample = text[:_SNIFF_BYTES]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        dialect = None
    if dialect is not None:
        rows = [r for r in csv.reader(io.StringIO(text), dialect) if r]
        widths = {len(r) for r in rows[:200] if any(c.strip() for c in r)}
        if len(widths) == 1 and widths != {1}:
            return _table(rows, column, "csv", encoding, max_rows)
    return _table(_plain_list(text), column, "list", encoding, max_rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_xlsx(data: bytes, column: str | None = None, *, max_rows: int) -> PartnerTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise PartnerFileError(
            f"I could not open that workbook ({type(exc).__name__}).",
            "Save it again as XLSX, or as CSV UTF-8.",
        ) from exc
    try:
        sheet = book.worksheets[0]
        rows: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > max_rows + 1:
                break
    finally:
        book.close()
    return _table(rows, column, "xlsx", None, max_rows)


def parse(data: bytes, filename: str, column: str | None = None, *, max_rows: int) -> PartnerTable:
    """A partner file's bytes, whatever its kind (told by its content, not its name)."""
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return parse_xlsx(data, column, max_rows=max_rows)
    if filename.lower().endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise PartnerFileError(
            "That is an old Excel (.xls) workbook.", "Save it as XLSX or CSV UTF-8."
        )
    text, encoding = decode(data, filename)
    return parse_text(text, column, encoding=encoding, max_rows=max_rows)


def read(path: Path, column: str | None = None, *, max_rows: int) -> PartnerTable:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PartnerFileError(f"I cannot read {path}: {exc.strerror or exc}.") from exc
    return parse(data, path.name, column, max_rows=max_rows)


def result_rows(
    table: PartnerTable, results: Sequence[Sequence[str]]
) -> tuple[list[str], list[list[str]]]:
    """The output: the input's columns, then ``RESULT_COLUMNS``, one row per input row."""
    header = [*table.header, *RESULT_COLUMNS]
    return header, [[*row, *result] for row, result in zip(table.rows, results, strict=True)]


def write_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """UTF-8 with a BOM: Excel opens it with its accents and Chinese names intact."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe_cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet program: a name from a
    # file or the registry must never run as one (CSV/formula injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_xlsx(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("screening")
    sheet.append(list(header))
    for row in rows:
        sheet.append([_safe_cell(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write(path_or_name: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """The results as CSV or XLSX, chosen by the file name's extension."""
    if path_or_name.lower().endswith(".xlsx"):
        return write_xlsx(header, rows)
    if path_or_name.lower().endswith((".csv", ".txt")):
        return write_csv(header, [[_safe_cell(c) for c in row] for row in rows])
    raise PartnerFileError(
        f"I write results as .csv or .xlsx, not {Path(path_or_name).suffix or 'no extension'}.",
        "Name the output file results.csv or results.xlsx.",
    )
