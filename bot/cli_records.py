"""``mcf-bot records``: the screening records, for the operator and an auditor.

``show ID``, ``decide ID --cleared|--escalate|--do-not-proceed --note TEXT``, ``export
--since DATE --format csv|json`` and ``purge`` (records older than
``MCF_RECORD_RETENTION_DAYS``). The terminal reads the database itself: whoever runs these
holds the registry, so the maker-or-admin rule of chat does not apply here.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from typing import TextIO

from bot import wiring
from bot.settings import Settings, SettingsError
from registry.service import Registry

EXPORT_COLUMNS = (
    "id",
    "at",
    "platform",
    "user",
    "team",
    "channel",
    "kind",
    "batch",
    "query",
    "as_of",
    "verdict",
    "entity_ids",
    "editions",
    "answer_sha256",
    "decisions",
)


def _registry(settings: Settings) -> Registry:

    return wiring.open_registry(settings)


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    from bot.render import text as text_render
    from handlers.dispatch import guarded
    from handlers.records import notice, read
    from handlers.replies import Reply

    services = wiring.build_services(settings, _registry(settings))
    reply = guarded(lambda: Reply(notice(read(services, None, args.record_id))), what="record")
    print(text_render.render(reply))
    return 0 if reply.body.__class__.__name__ == "NoticeReply" else 1


def cmd_decide(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli_check import asker
    from handlers.errors import CommandError
    from handlers.records import admins, decide

    services = wiring.build_services(settings, _registry(settings))
    who = asker()
    # The operator's terminal holds the database: its user is an admin of the records.
    services.record_admins = admins(services) | {who.user_id}
    try:
        view = decide(services, who, args.record_id, args.decision, args.note)
    except CommandError as exc:
        raise SettingsError(exc.message) from exc
    last = view.decisions[-1]
    print(
        f"Record #{view.id}: {last.decision} by {last.user_id} ({last.platform}) "
        f"at {last.at:%Y-%m-%d %H:%M} UTC"
    )
    return 0


def _since(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"--since must be a date (YYYY-MM-DD), not {text!r}") from None


def export(settings: Settings, since: dt.datetime | None, fmt: str, out: TextIO) -> int:
    from registry import records
    from registry.db import unit_of_work

    count = 0
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(EXPORT_COLUMNS)
    with unit_of_work(_registry(settings).sessions) as session:
        for view in records.since(session, since):
            data = view.as_dict()
            if writer is None:
                out.write(json.dumps(data, ensure_ascii=False) + "\n")
            else:
                writer.writerow(
                    [
                        json.dumps(data[c], ensure_ascii=False)
                        if isinstance(data[c], list | dict)
                        else ("" if data[c] is None else data[c])
                        for c in EXPORT_COLUMNS
                    ]
                )
            count += 1
    return count


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    since = _since(args.since)
    if args.output == "-":
        count = export(settings, since, args.format, sys.stdout)
    else:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            count = export(settings, since, args.format, out)
    print(f"Exported {count} records.", file=sys.stderr)
    return 0


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    from registry import records
    from registry.db import unit_of_work

    with unit_of_work(_registry(settings).sessions) as session:
        gone = records.purge(session, settings.record_retention_days)
    print(
        f"Purged {gone} records older than {settings.record_retention_days} days.",
        file=sys.stderr,
    )
    return 0


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """One organisation screened and its evidence written as a PDF."""
    from pathlib import Path

    from bot import report_pdf
    from bot.cli import _services
    from bot.cli_check import asker
    from bot.render import text as text_render
    from handlers.dispatch import handle
    from handlers.records import read
    from handlers.replies import LookupReply

    services = _services(settings)
    text = " ".join(args.query) + (f" as of {args.as_of}" if args.as_of else "")
    reply = handle(services, text, who=asker())
    body = reply.body
    if not isinstance(body, LookupReply) or body.card is None:
        print(text_render.render(reply))
        print("mcf-bot: a report is made for one organisation: name it exactly.", file=sys.stderr)
        return 1
    record = read(services, None, reply.records[0]) if reply.records else None
    Path(args.output).write_bytes(report_pdf.render(reply, record))
    kept = f" (record #{record.id})" if record else ""
    print(f"Wrote {args.output}: {body.card.name}{kept}.", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report", help="screen one organisation and write a PDF of the evidence"
    )
    report.add_argument("query", nargs="+", help="the organisation")
    report.add_argument("-o", "--output", default="report.pdf", help="the PDF to write")
    report.add_argument("--as-of", metavar="DATE", help="answer as of this date (YYYY-MM-DD)")
    report.set_defaults(func=cmd_report)

    rec = sub.add_parser("records", help="screening records: show, decide, export, purge")
    rec_sub = rec.add_subparsers(dest="records_command", required=True)

    show = rec_sub.add_parser("show", help="one record, with its decisions")
    show.add_argument("record_id", type=int)
    show.set_defaults(func=cmd_show)

    decide = rec_sub.add_parser("decide", help="record a decision on a record")
    decide.add_argument("record_id", type=int)
    which = decide.add_mutually_exclusive_group(required=True)
    which.add_argument("--cleared", dest="decision", action="store_const", const="cleared")
    which.add_argument("--escalate", dest="decision", action="store_const", const="escalate")
    which.add_argument(
        "--do-not-proceed", dest="decision", action="store_const", const="do_not_proceed"
    )
    decide.add_argument("--note", help="why (kept with the decision)")
    decide.set_defaults(func=cmd_decide)

    exp = rec_sub.add_parser("export", help="every record since a date, for an auditor")
    exp.add_argument("--since", metavar="DATE", help="from this date (YYYY-MM-DD) on")
    exp.add_argument("--format", choices=["csv", "json"], default="json", help="json: JSON Lines")
    exp.add_argument("-o", "--output", default="-", help="file to write, or - for stdout")
    exp.set_defaults(func=cmd_export)

    purge = rec_sub.add_parser(
        "purge", help="delete records older than MCF_RECORD_RETENTION_DAYS (5 years)"
    )
    purge.set_defaults(func=cmd_purge)
