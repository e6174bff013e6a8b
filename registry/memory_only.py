"""Answers from memory only: a block in which any SQL raises ``NeedsDatabase``.

A server answers most asks from what it holds already (the name index, the cards
built, the editions in force). Run on its event loop, such an answer skips two thread
hand-offs, and under 50 concurrent asks the pool's hand-off and the GIL passing between
its threads and the loop were a third of ``serve``'s CPU an answer (``bench/serve.py``).
An answer that needs the database (a card not built yet, the change log due a look)
raises before any statement is sent and before it has left a record, and the caller asks
it again where I/O may wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from registry.errors import RegistryError

_MEMORY_ONLY: ContextVar[bool] = ContextVar("mcf_memory_only", default=False)


class NeedsDatabase(RegistryError):
    """An answer asked from memory only would read the database."""


@contextmanager
def memory_only() -> Iterator[None]:
    token = _MEMORY_ONLY.set(True)
    try:
        yield
    finally:
        _MEMORY_ONLY.reset(token)


def needs_database(what: str = "a query") -> None:
    """Called where the registry is about to do I/O: raises inside ``memory_only``."""
    if _MEMORY_ONLY.get():
        raise NeedsDatabase(f"{what} needs the database")
