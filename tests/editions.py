"""The DoD 1260H list as it stood on a given date, cut from the bundled file by its own
start and end dates (independently of the importer), for tests that replay editions."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.conftest import DATA

FULL_1260H = DATA / "lists" / "us_dod_1260h.csv"


def rows_1260h() -> list[dict[str, str]]:
    with FULL_1260H.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def edition_1260h(cutoff: str) -> bytes:
    """The list on ``cutoff``: later rows absent, later end dates not yet known."""
    rows = rows_1260h()
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        if row["Start date"] <= cutoff:
            if row["End date"] > cutoff:
                row = {**row, "End date": ""}
            writer.writerow(row)
    return out.getvalue().encode("utf-8")


def edition_1260h_file(tmp_path: Path, cutoff: str) -> Path:
    path = tmp_path / f"us_dod_1260h_{cutoff}.csv"
    path.write_bytes(edition_1260h(cutoff))
    return path
