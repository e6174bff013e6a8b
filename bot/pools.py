"""The thread pools the async front ends reach the (synchronous) registry through.

Reads and writes get separate pools. On SQLite a write may wait for the write lock (an
import holds it until it commits); on one shared pool a few such waits would leave every
lookup queued behind them. Lookups run on this pool; commands that change a channel's
alerts run on ``writes``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import suppress

from handlers.dispatch import Typed, writes
from handlers.records import Recording
from handlers.replies import Reply

READ_THREADS = 4
# Enough that a burst of subscribe/watch commands during an import each get their
# "try again in a minute" within one lock wait, not queued one after another.
WRITE_THREADS = 10


class Pools(ThreadPoolExecutor):
    """The read pool, carrying the write pool beside it (``pool_for`` picks)."""

    def __init__(self, reads: int = READ_THREADS, write_threads: int = WRITE_THREADS) -> None:
        super().__init__(max_workers=reads, thread_name_prefix="registry")
        self.writes = ThreadPoolExecutor(
            max_workers=write_threads, thread_name_prefix="registry-write"
        )

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.writes.shutdown(wait, cancel_futures=cancel_futures)
        super().shutdown(wait, cancel_futures=cancel_futures)


def pool_for(executor: Executor, typed: Typed) -> Executor:
    """The pool a typed command runs on: writes on the write pool when there is one."""
    if isinstance(executor, Pools) and writes(typed):
        return executor.writes
    return executor


async def settled(recording: Recording) -> Reply:
    """``recording.settled()`` without holding a thread: its records are awaited on the
    event loop (the writer's thread settles them), then the reply carries their ids, or
    the note that they could not be kept."""
    if recording.kept is not None:
        with suppress(Exception):  # ``settled`` says what went wrong
            await asyncio.wrap_future(recording.kept)
    return recording.settled()
