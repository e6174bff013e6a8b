"""A progress bar on stderr when a person is watching (a terminal), silence otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from registry.progress import Advance, silent


@contextmanager
def terminal_bar(label: str, total: int, *, in_bytes: bool = False) -> Iterator[Advance]:
    if not sys.stderr.isatty():
        with silent(label, total) as advance:
            yield advance
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
    )

    count = DownloadColumn() if in_bytes else MofNCompleteColumn()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        count,
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


@contextmanager
def import_bar(label: str, total_bytes: int) -> Iterator[Advance]:
    """``registry.progress.Progress`` for ``mcf-bot import``: bytes read."""
    with terminal_bar(label, total_bytes, in_bytes=True) as advance:
        yield advance


@contextmanager
def stages() -> Iterator[Callable[[str], None]]:
    """Long first-run work told as it goes ("Creating the registry: loading csl (5/14)",
    "Building the name index"): on a terminal one line that updates in place, with a
    spinner so it never looks stuck; otherwise (a log, a pipe) one plain line each.
    The last message stays on screen when the work is done."""
    if not sys.stderr.isatty():
        yield lambda message: print(message, file=sys.stderr, flush=True)
        return
    from rich.console import Console
    from rich.status import Status

    console = Console(stderr=True, highlight=False)
    status: Status | None = None
    last = ""

    def show(message: str) -> None:
        nonlocal status, last
        last = message
        if status is None:
            status = console.status(message)
            status.start()
        else:
            status.update(message)

    try:
        yield show
    finally:
        if status is not None:
            status.stop()
            console.print(last, markup=False)
