"""``mcf-bot``: the terminal front end and the operator's commands."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import cli_alerts, cli_check, cli_records, cli_sync, cli_watchlist, wiring
from bot.progress import stages
from bot.render import text as text_render
from bot.render.json import reply_dict
from bot.settings import Settings, SettingsError, UnavailableError
from handlers.context import Services
from handlers.dispatch import ask, handle
from handlers.replies import ErrorReply, GraphReply, Reply
from registry.db import unit_of_work
from registry.errors import RegistryError
from registry.extras import import_with_extra
from registry.service import Registry

# Exit status of an import the guard held (nothing was written).
EXIT_HELD = 3


def _announce(message: str) -> None:
    print(message, file=sys.stderr)


def _services(settings: Settings, *, open_index: bool = False) -> Services:
    """The registry (created on first use) and its name index. ``open_index``: open (or
    build) the index now, under the progress line, rather than silently inside the first
    lookup."""
    with stages() as announce:
        services = wiring.build_services(settings, announce=announce)
        registry = services.registry
        if open_index:
            with unit_of_work(registry.sessions) as session:
                services.index.current(session)
    return services


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """The whole text is one name: `ask Check Point Software`, `ask help` look those
    names up (the terminal's commands are subcommands, not words in the text)."""
    services = _services(settings, open_index=True)
    reply = ask(services, " ".join(args.query), as_of=args.as_of, who=cli_check.asker())
    if args.json:
        print(json.dumps(reply_dict(reply), ensure_ascii=False, indent=2))
    if isinstance(reply.body, ErrorReply):
        status = EXIT_USAGE if reply.body.fixable else EXIT_RUNTIME
        return status if args.json else _fail(text_render.error_line(reply.body), status)
    if not args.json:
        terminal = text_render.Terminal.of(sys.stdout)
        print(text_render.render(reply, full=args.full, terminal=terminal))
    _first_ask_note(services)
    return 0


def _first_ask_note(services: Services) -> None:
    """The first ``ask`` on an embedded registry that has never synced says, once, how
    old the bundled data is and how to sync (stderr: answers on stdout stay clean)."""
    from registry.currency import bundled_note
    from registry.views import list_editions

    target = services.registry.engine.url.database
    if not services.registry.is_sqlite or not target or target == ":memory:":
        return
    marker = Path(f"{target}.bundled-note")
    if marker.exists():
        return
    with unit_of_work(services.registry.sessions) as session:
        note = bundled_note(session, list_editions(session))
    if note is not None:
        _announce(note)
    # A read-only directory: the note shows again next time, nothing worse.
    with contextlib.suppress(OSError):
        marker.touch()


def cmd_sources(settings: Settings, args: argparse.Namespace) -> int:
    from handlers.sources import sources

    reply = Reply(sources(_services(settings)))
    if args.json:
        print(json.dumps(reply_dict(reply), ensure_ascii=False, indent=2))
    else:
        # An operator's view: the publishers' and mirrors' URLs in use, whole, to copy.
        terminal = text_render.Terminal.of(sys.stdout)
        print(text_render.render(reply, full=True, terminal=terminal))
    return 0


PICTURE_FORMATS = {".png": "png", ".svg": "svg"}


def cmd_graph(settings: Settings, args: argparse.Namespace) -> int:
    """A picture of one organisation's network, written to a PNG or SVG file."""
    output = Path(args.output)
    fmt = PICTURE_FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise SettingsError(f"{args.output}: the picture is written as .png or .svg")
    services = _services(settings)
    reply = handle(services, "graph " + " ".join(args.query))
    body = reply.body
    if not isinstance(body, GraphReply):  # "did you mean", not found, bad input
        print(text_render.render(reply))
        return 1
    from bot.render.graph import render  # matplotlib: only when a picture is drawn

    try:
        output.write_bytes(render(body.network, fmt))
    except OSError as exc:
        raise SettingsError(f"cannot write {args.output}: {exc}") from exc
    print(text_render.render(reply))
    _announce(f"Wrote {output} ({len(body.network.nodes)} organisations).")
    return 0


def _unreadable(path: str, exc: OSError | UnicodeDecodeError) -> SettingsError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return SettingsError(f"cannot read {path}: {reason}")


def _readable(path: str) -> Path:
    """A file named on the command line, checked before any work starts."""
    try:
        with open(path, "rb") as stream:
            stream.read(1)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return Path(path)


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    registry = wiring.open_registry(settings, ready=False)
    from registry import schema

    if args.db_command in ("duplicates", "merges", "unmerge"):
        return _cmd_resolution(registry, args)
    if args.db_command == "init":
        if not registry.is_empty():
            _announce("The registry already exists; upgrading its schema if needed.")
            schema.upgrade(registry.engine)
            return 0
        with stages() as announce:
            registry.init(empty=args.empty, step=lambda stage: announce(f"db init: {stage}..."))
            announce(
                "Registry created" + (" (empty)." if args.empty else " with the bundled data.")
            )
    else:
        schema.upgrade(registry.engine)
        _announce(f"Schema at {schema.current_revision(registry.engine)}.")
    return 0


def _cmd_resolution(registry: Registry, args: argparse.Namespace) -> int:
    """Entity resolution for an operator: likely duplicates left, merges and undoing."""
    from registry import resolution

    registry.ensure_ready(_announce)
    with unit_of_work(registry.sessions) as session:
        if args.db_command == "duplicates":
            found = resolution.duplicates(session)
            for dup in found:
                verdict = (
                    f"decided: {dup.decision.decision} ({dup.decision.reason})"
                    if dup.decision
                    else "UNDECIDED"
                )
                print(f"[{dup.pair.rule}] {dup.names[0]} ~ {dup.names[1]}")
                print(f"    {dup.pair.evidence}; {verdict}")
            undecided = sum(not d.decided for d in found)
            _announce(
                f"{len(found)} likely duplicate pair(s), {undecided} undecided "
                f"(decide them in {resolution.default_decisions_path()})."
            )
            return 1 if undecided and args.strict else 0
        if args.db_command == "merges":
            for merge in resolution.merges(session, args.name):
                state = " (undone)" if merge.undone_at else ""
                print(
                    f"#{merge.id} {merge.merged_name} -> {merge.kept_key}{state}: "
                    f"{merge.rule}, {merge.evidence}"
                )
            return 0
        from sqlalchemy.exc import NoResultFound

        try:
            entity = resolution.unmerge(session, args.merge_id)
        except NoResultFound:
            raise SettingsError(
                f"there is no merge #{args.merge_id}: `mcf-bot db merges` lists them"
            ) from None
        _announce(f"Undid merge #{args.merge_id}: {entity.name} is its own entity again.")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.progress import import_bar
    from registry.guard import EditionHeld, record_hold
    from registry.importers import IMPORTERS, importer_for, run_import

    if args.source not in IMPORTERS:
        known = ", ".join(sorted(IMPORTERS))
        raise SettingsError(f"no importer called {args.source!r}; known: {known}")
    importer_for(args.source)  # a missing extra, before any work
    files = [_readable(f) for f in args.files]
    registry = wiring.open_registry(settings)
    guard = None if args.accept else settings.sync.options.guard
    try:
        with unit_of_work(registry.sessions) as session:
            results = run_import(session, args.source, files, import_bar, guard=guard)
    except EditionHeld as held:
        record_hold(registry.sessions, held)
        print(
            f"mcf-bot: {held.source}: held, nothing imported: {held.reason}. "
            f"Check the file, then run `mcf-bot import --accept {held.source} FILE`",
            file=sys.stderr,
        )
        return EXIT_HELD
    for result in results:
        counts = ", ".join(f"{k} {v}" for k, v in result.summary().items())
        print(f"{Path(result.files[0]).name}: {counts}")
        for merge in result.merged:
            print(f"  merged: {merge}")
        for miss in result.near_misses:
            print(f"  kept apart: {miss}")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    export_ftm = import_with_extra(
        "registry.export_ftm", extra="ftm", feature="exporting to FollowTheMoney"
    )

    registry = wiring.open_registry(settings)
    with unit_of_work(registry.sessions) as session:
        if args.output == "-":
            try:
                count = export_ftm.write(session, sys.stdout)
            except BrokenPipeError:  # `mcf-bot export ftm | head`: the reader is done
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python exits with it
                return 0
        else:
            count = export_ftm.write_file(session, Path(args.output))
    _announce(f"Exported {count} FollowTheMoney entities.")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.server import run

    run(settings, alerts=not args.no_alerts)
    return 0


def cmd_teams_package(settings: Settings, args: argparse.Namespace) -> int:
    from bot.teams import package

    teams = settings.require_teams()
    path = package.write(teams, Path(args.output))
    if teams.website_url == "https://mcf.example.org":
        _announce("Note: MCF_TEAMS_WEBSITE_URL is unset; the manifest links to a placeholder.")
    _announce(f"Wrote {path}: upload it in Teams (Apps → Manage your apps → Upload an app).")
    return 0


def _version() -> str:
    import importlib.metadata  # here: some 25 ms that no other command needs

    try:
        return importlib.metadata.version("mcf-bot")
    except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
        return "(not installed)"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mcf-bot",
        description="Is this organisation tied to China's military-civil fusion system? "
        "Answers with sources.",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="look up one organisation")
    ask.add_argument("query", nargs="+", help="a name, acronym, Chinese name or pinyin")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--as-of", metavar="DATE", help="answer as of this date (YYYY-MM-DD)")
    ask.add_argument(
        "--full", action="store_true", help="every tie, name and reason (not the short card)"
    )
    ask.set_defaults(func=cmd_ask)

    graph = sub.add_parser("graph", help="draw one organisation's network as a PNG or SVG")
    graph.add_argument("query", nargs="+", help="a name, acronym, Chinese name or pinyin")
    graph.add_argument("-o", "--output", required=True, help="file to write: NAME.png or NAME.svg")
    graph.set_defaults(func=cmd_graph)

    lists = sub.add_parser(
        "sources", help="the lists in the registry: edition, completeness, legal effect"
    )
    lists.add_argument("--json", action="store_true", help="print one JSON object")
    lists.set_defaults(func=cmd_sources)

    cli_check.register(sub)

    db = sub.add_parser("db", help="create or migrate the registry database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    init = db_sub.add_parser("init", help="create the schema and load the bundled data")
    init.add_argument("--empty", action="store_true", help="create the schema only")
    db_sub.add_parser("upgrade", help="migrate the schema to this version")
    dups = db_sub.add_parser(
        "duplicates", help="list likely duplicate entities left for review, with decisions"
    )
    dups.add_argument(
        "--strict", action="store_true", help="exit 1 when a pair has no reviewed decision"
    )
    merges = db_sub.add_parser("merges", help="list the merges resolution made, and why")
    merges.add_argument("name", nargs="?", help="only merges of names containing this")
    unmerge = db_sub.add_parser("unmerge", help="undo one merge (see `db merges`)")
    unmerge.add_argument("merge_id", type=int, help="the merge's number")
    db.set_defaults(func=cmd_db)

    imp = sub.add_parser("import", help="load a source file into the registry")
    imp.add_argument("source", help="which importer (e.g. us-1260h, ofac-cons, csl, ...)")
    imp.add_argument("files", nargs="+", help="files to load, in order")
    imp.add_argument(
        "--accept",
        action="store_true",
        help="import an edition the guard held (many listings ended, rows missing, older)",
    )
    imp.set_defaults(func=cmd_import)

    export = sub.add_parser("export", help="write the registry for other tools")
    export.add_argument("format", choices=["ftm"], help="ftm: FollowTheMoney JSON lines")
    export.add_argument("-o", "--output", default="-", help="file to write, or - for stdout")
    export.set_defaults(func=cmd_export)

    serve = sub.add_parser(
        "serve", help="run the chat apps that are configured (Slack, Microsoft Teams)"
    )
    serve.add_argument(
        "--no-alerts", action="store_true", help="do not run an alert worker in this process"
    )
    serve.set_defaults(func=cmd_serve)

    teams = sub.add_parser("teams-package", help="write the Microsoft Teams app package (zip)")
    teams.add_argument("-o", "--output", default="mcf-teams.zip", help="zip file to write")
    teams.set_defaults(func=cmd_teams_package)

    cli_alerts.register(sub)
    cli_sync.register(sub)
    cli_records.register(sub)
    cli_watchlist.register(sub)
    return p


def _database_unavailable(settings: Settings | None, exc: Exception) -> str:
    from sqlalchemy.engine import make_url

    where = "the database"
    if settings is not None:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0][:300]
    return (
        f"cannot use the database {where} ({reason}): check MCF_DATABASE_URL and that the "
        "database server is running"
    )


# Exit statuses: 2 for what the person running mcf-bot must change (an argument, a
# setting: argparse uses 2 too), 1 for what failed at run time (a port taken, a database
# down, a file whose content is wrong).
EXIT_USAGE, EXIT_RUNTIME = 2, 1


def main(argv: Sequence[str] | None = None) -> int:
    from sqlalchemy.exc import OperationalError

    from registry.errors import BadImportError, RegistryBusyError

    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings: Settings | None = None
    try:
        settings = Settings.from_env()
        return int(args.func(settings, args))
    except (BadImportError, RegistryBusyError, UnavailableError) as exc:
        return _fail(str(exc), EXIT_RUNTIME)
    except (SettingsError, RegistryError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    except OperationalError as exc:
        if args.verbose:
            raise  # the traceback, for a bug report
        return _fail(_database_unavailable(settings, exc), EXIT_RUNTIME)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `mcf-bot check big.txt | head`: the reader left; that is not an error.
        sys.stderr.close()
        return 0


def _fail(message: str, status: int) -> int:
    """One line on stderr, no traceback: ordinary mistakes are not crashes."""
    print(f"mcf-bot: {' '.join(message.split())}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
