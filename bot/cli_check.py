"""``mcf-bot check FILE``: a partner file screened, with results written beside it.

Reads CSV, XLSX or a plain list (``bot.partner_files``), answers every row as ``/mcf
check`` does, keeps each row as a screening record (one batch), prints one line per name
and a summary, and with ``-o`` writes the input's columns plus the verdict as CSV or XLSX.
``--fail-on listed,tied`` makes the exit status 1 when any row has such a verdict (CI,
scripts).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from bot.settings import Settings
from registry.records import Requester

# Exit status when a row has a verdict named by --fail-on (2 stays a usage error).
EXIT_FAILED_ON = 1
EXIT_USAGE = 2


def asker() -> Requester:
    """The terminal's user, as records name them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container's bare uid)
        user = "unknown"
    return Requester("cli", user)


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    from bot import partner_files
    from bot.cli import _services
    from bot.progress import terminal_bar
    from bot.render import text as text_render
    from bot.render.json import reply_dict
    from handlers.as_of import parse_date
    from handlers.errors import BadInput, CommandError
    from handlers.screening import fail_set, screen

    try:
        as_of = parse_date(args.as_of) if args.as_of else None
        fail_on = fail_set(args.fail_on or "")
        if args.output:
            partner_files.write(args.output, [], [])  # a wrong extension, before any work
        if args.file == "-" and sys.stdin.isatty():
            # Nothing piped in: say how, rather than wait in silence.
            raise BadInput(
                "check needs names, one per line: `mcf-bot check partners.txt`, or pipe "
                "them in (`mcf-bot check < partners.txt`)"
            )
        if args.file == "-":
            # Bytes where stdin has them (the encoding is detected); a text stream given in
            # its place (an embedding program, tests) is already decoded.
            raw = getattr(sys.stdin, "buffer", None)
            data = raw.read() if raw is not None else sys.stdin.read().encode("utf-8")
            table = partner_files.parse(
                data, "stdin", args.column, max_rows=settings.check_max_rows
            )
        else:
            table = partner_files.read(
                Path(args.file), args.column, max_rows=settings.check_max_rows
            )
    except (partner_files.PartnerFileError, CommandError) as exc:
        print(f"mcf-bot: {exc.message}" + (f" {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return EXIT_USAGE
    services = _services(settings)
    names = table.names()
    with terminal_bar("Checking", len(names)) as advance:
        done = screen(services, names, asker(), as_of=as_of, progress=advance)
    for row in done.rows:
        if args.json:
            print(json.dumps(reply_dict(row.reply, query=row.query), ensure_ascii=False))
        elif not args.output:
            print(text_render.check_line(row.query, row.reply))
    if args.output:
        header, rows = partner_files.result_rows(table, [r.cells() for r in done.rows])
        Path(args.output).write_bytes(partner_files.write(args.output, header, rows))
    first = done.records[0] if done.records else None
    kept = f"; records #{first}-#{done.records[-1]}" if first is not None else ""
    written = f"; results in {args.output}" if args.output else ""
    print(done.summary() + kept + written, file=sys.stderr if args.json else sys.stdout)
    return EXIT_FAILED_ON if done.fails(fail_on) else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser("check", help="screen a partner file (CSV, XLSX or one name per line)")
    check.add_argument(
        "file", nargs="?", default="-", help="CSV, XLSX or a list of names; - for stdin"
    )
    check.add_argument("--column", help="the column of names (its header or number from 1)")
    check.add_argument(
        "-o", "--output", help="write the rows with their verdicts to this .csv or .xlsx"
    )
    check.add_argument(
        "--fail-on",
        metavar="VERDICTS",
        help="exit 1 when a row is any of these (e.g. listed,tied)",
    )
    check.add_argument("--as-of", metavar="DATE", help="answer as of this date (YYYY-MM-DD)")
    check.add_argument("--json", action="store_true", help="print JSON Lines")
    check.set_defaults(func=cmd_check)
