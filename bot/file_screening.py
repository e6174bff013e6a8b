"""A partner file sent in chat (Slack DM, Teams personal chat): screened, and the results
file made to send back, with the summary as its message. Runs in the handler pool."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from bot import partner_files
from handlers.context import Services
from handlers.screening import screen
from registry.records import Requester

# Files a chat user may send us: what ``partner_files`` reads.
PARTNER_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
# A partner file larger than this is not downloaded (20,000 rows of XLSX is some 2 MB).
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ScreenedUpload:
    filename: str
    data: bytes
    summary: str


def is_partner_file(name: str) -> bool:
    return PurePath(name).suffix.lower() in PARTNER_SUFFIXES


def results_name(name: str) -> str:
    """``partners.xlsx`` -> ``partners-screened.xlsx``; CSV and lists come back as CSV."""
    path = PurePath(PurePath(name).name or "partners")
    suffix = ".xlsx" if path.suffix.lower() == ".xlsx" else ".csv"
    return f"{path.stem}-screened{suffix}"


def screen_upload(services: Services, data: bytes, name: str, who: Requester) -> ScreenedUpload:
    """Raises ``partner_files.PartnerFileError`` for a file we cannot read (the caller
    says so in the conversation)."""
    table = partner_files.parse(data, name, max_rows=services.check_max_rows)
    done = screen(services, table.names(), who, kind="file")
    header, rows = partner_files.result_rows(table, [r.cells() for r in done.rows])
    out = results_name(name)
    kept = f" Records #{done.records[0]}-#{done.records[-1]}." if done.records else ""
    return ScreenedUpload(out, partner_files.write(out, header, rows), done.summary() + "." + kept)
