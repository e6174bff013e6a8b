"""Work that goes on after Slack has had its answer.

The app runs with ``process_before_response``: Slack gets its HTTP answer when a listener
returns, rather than Bolt polling every 10 ms for the acknowledgement from a listener run
on the side (each poll a timer and a task step: some 6% of the event loop's time under 50
concurrent asks, ``bench/serve.py --profile``). Slack wants that answer within 3 s, so a
listener with more to do after acknowledging (fetch a card for a button, post into a
thread for an event, upload a file) returns once it has acknowledged and leaves the rest
running here. A failure there is told as one in the listener would be (``failed``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncRespond

from bot.slack.common import answer_privately
from handlers.errors import to_reply
from handlers.replies import Reply

log = logging.getLogger(__name__)

Listener = TypeVar("Listener", bound=Callable[..., Coroutine[Any, Any, None]])

# The work still running: held here, since the event loop keeps only weak references.
_running: set[asyncio.Future[Any]] = set()


async def failed(error: Exception, respond: AsyncRespond | None) -> None:
    """A listener's failure (handlers turn their own errors into replies: this is
    rendering or sending): the traceback to the log, and whoever pressed or typed
    something hears back (an event has nowhere to answer privately)."""
    log.error("Slack listener failed", exc_info=error)
    if respond is not None:
        await answer_privately(respond, Reply(to_reply(error)))


def later(work: Awaitable[object], respond: AsyncRespond | None) -> None:
    """Run ``work`` on after the listener has returned; a failure is told (``failed``)."""
    _keep(asyncio.ensure_future(work), respond)


def _keep(task: asyncio.Future[Any], respond: AsyncRespond | None) -> None:
    _running.add(task)
    task.add_done_callback(functools.partial(_done, respond))


def _done(respond: AsyncRespond | None, task: asyncio.Future[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if isinstance(error, Exception):
        later(failed(error, respond), None)
    elif error is not None:  # KeyboardInterrupt and the like: not for the person
        log.error("Slack listener stopped", exc_info=error)


def acks_first(listener: Listener) -> Listener:
    """``listener`` run on its own: Slack is answered once it has acknowledged (an
    event, which does not acknowledge itself: at once), and the rest of it goes on
    (``later``). Bolt reads the arguments to pass from ``listener``'s own signature."""

    @functools.wraps(listener)
    async def run(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        acked = asyncio.Event()
        if ack is not None:

            async def ack_then_go(*args: Any, **options: Any) -> None:
                try:
                    await ack(*args, **options)
                finally:
                    acked.set()

            kwargs["ack"] = ack_then_go
        task = asyncio.ensure_future(listener(**kwargs))
        if ack is not None:
            waiting = asyncio.ensure_future(acked.wait())
            await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
        if task.done() and not acked.is_set():
            task.result()  # a failure before acknowledging goes to Bolt's error handler
            return
        # Acknowledged: Slack has its answer, and a failure from here on is told here.
        _keep(task, kwargs.get("respond"))

    return run  # type: ignore[return-value]
