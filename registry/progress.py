"""How an importer reports progress, without knowing who is watching.

The caller passes a ``Progress``: given a label and a total (bytes), it opens a context
that yields ``advance(n)``. The CLI draws a bar on a terminal (``bot.progress``); tests,
the alert worker and everything else pass nothing and get ``silent``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

Advance = Callable[[int], None]
Progress = Callable[[str, int], AbstractContextManager[Advance]]


@contextmanager
def silent(_label: str, _total: int) -> Iterator[Advance]:
    yield lambda _n: None
