"""``mcf-bot watchlist import FILE --channel C…``: every partner of a file watched by a
channel; the alert worker then reports each list change that touches one of them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import Settings


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot import partner_files
    from bot.cli import _services
    from bot.cli_check import asker
    from handlers.context import ChatContext
    from handlers.watchlist import import_watchlist

    try:
        table = partner_files.read(Path(args.file), args.column, max_rows=settings.check_max_rows)
    except partner_files.PartnerFileError as exc:
        print(f"mcf-bot: {exc}", file=sys.stderr)
        return 2
    services = _services(settings)
    chat = ChatContext(args.platform, args.channel, team_id=args.team, user_id=asker().user_id)
    done = import_watchlist(services, chat, table.names())
    for name, why in done.unclear:
        print(f"left out: {name}: {why}")
    print(done.summary())
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    wl = sub.add_parser("watchlist", help="watch a file of partners from a channel")
    wl_sub = wl.add_subparsers(dest="watchlist_command", required=True)
    imp = wl_sub.add_parser("import", help="every partner in FILE watched by --channel")
    imp.add_argument("file", help="CSV, XLSX or a list of names")
    imp.add_argument("--channel", required=True, help="the channel (Slack C…) to tell")
    imp.add_argument("--platform", default="slack", choices=["slack", "teams"])
    imp.add_argument("--team", help="the workspace (Slack T…)")
    imp.add_argument("--column", help="the column of names (its header or number from 1)")
    imp.set_defaults(func=cmd_import)
