"""Name lookup: one interface (``NameIndex.lookup``) over whichever engine backs it.

The result types load with the package; the engine (numpy, the models) only when
``NameIndex`` is first asked for, so that a text helper of this package
(``registry.lookup.mention_words``, ``namesakes``) imports without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registry.lookup.types import Candidate, LookupResult, MatchStatus

if TYPE_CHECKING:
    from registry.lookup.index import NameIndex

__all__ = ["Candidate", "LookupResult", "MatchStatus", "NameIndex"]


def __getattr__(name: str) -> Any:
    if name == "NameIndex":
        from registry.lookup.index import NameIndex

        return NameIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
