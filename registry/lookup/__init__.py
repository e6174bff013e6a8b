"""Name lookup: one interface (``NameIndex.lookup``) over whichever engine backs it."""

from registry.lookup.index import NameIndex
from registry.lookup.types import Candidate, LookupResult, MatchStatus

__all__ = ["Candidate", "LookupResult", "MatchStatus", "NameIndex"]
