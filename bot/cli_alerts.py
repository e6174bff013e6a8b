"""``mcf-bot alerts run`` and ``mcf-bot subscriptions ...``: the operator's side of alerts."""

from __future__ import annotations

import argparse
import logging
import sys

from bot import wiring
from bot.render import text as text_render
from bot.settings import Settings, SettingsError
from handlers.context import ChatContext
from handlers.dispatch import handle
from handlers.replies import ErrorReply
from registry import subscriptions
from registry.db import unit_of_work

log = logging.getLogger(__name__)


def cmd_alerts(settings: Settings, args: argparse.Namespace) -> int:
    # Imported here: the worker brings the Slack and Teams clients, which `ask` never needs.
    from bot.alerts.runtime import worker_for

    registry = wiring.open_registry(settings)
    worker = worker_for(settings, registry)
    if args.once:
        result = worker.run_once()
        print(
            f"planned {result.planned}, sent {result.sent}, recovered {result.recovered}, "
            f"paused {result.paused}, deferred {result.deferred}"
        )
        return 0
    logging.getLogger().setLevel(logging.INFO)
    worker.run_forever(args.interval)
    return 0


def cmd_subscriptions(settings: Settings, args: argparse.Namespace) -> int:
    registry = wiring.open_registry(settings)
    if args.action == "list" and not args.channel:
        with unit_of_work(registry.sessions) as session:
            subs = subscriptions.all_subscriptions(session)
            for sub in subs:
                state = f" (paused: {sub.paused_reason})" if sub.paused_at else ""
                print(f"{sub.platform}\t{sub.channel_id}\t{sub.topic}{state}")
        return 0
    if not args.channel:
        raise SettingsError("--channel is required")
    chat = ChatContext(
        platform=args.platform,
        channel_id=args.channel,
        user_id="cli",
        where=f"{args.platform} channel {args.channel}",
    )
    if args.action == "list":
        text = "subscriptions"
    elif args.action == "add":
        text = f"watch {args.watch}" if args.watch else f"subscribe {args.list or ''}"
    else:
        text = f"unwatch {args.watch}" if args.watch else f"unsubscribe {args.list or ''}"
    reply = handle(wiring.build_services(settings, registry), text.strip(), chat)
    if isinstance(reply.body, ErrorReply):
        # One line, and a status a script can test (2: the arguments were wrong).
        print(f"mcf-bot: {text_render.error_line(reply.body)}", file=sys.stderr)
        return 2 if reply.body.fixable else 1
    print(text_render.render(reply))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    run = sub.add_parser("alerts", help="deliver alerts for new registry entries")
    run_sub = run.add_subparsers(dest="alerts_command", required=True)
    worker = run_sub.add_parser("run", help="run the alert worker")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.add_argument("--interval", type=float, default=10.0, help="seconds between passes")
    run.set_defaults(func=cmd_alerts)

    subs = sub.add_parser("subscriptions", help="list, add or remove channel subscriptions")
    subs.add_argument("action", choices=["list", "add", "remove"])
    subs.add_argument("--channel", help="channel id, e.g. C0123456")
    subs.add_argument("--platform", default="slack", choices=["slack", "teams"])
    what = subs.add_mutually_exclusive_group()
    what.add_argument("--list", help="one list, e.g. us-1260h (default: everything)")
    what.add_argument("--watch", help="one organisation")
    subs.set_defaults(func=cmd_subscriptions)
