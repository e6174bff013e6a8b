"""Read views of the registry: what a front end shows, as plain values, with no ORM
objects leaking out. Handlers ask for these instead of running queries themselves.

- ``card.entity_card``: one organisation with its lists (``designations``: what each
  listing means, as of which edition), ties, identifiers and numbered sources
  (``sources``).
- ``lists.lists_loaded``: which lists the registry holds and as of which editions (what a
  "no finding" answer says it checked).
- ``changes.describe_change``: one change-log row in words, for digests, watch alerts and
  the App Home alike.
- ``queries``: small lookups by id.

The names below are re-exported so callers import from ``registry.views``; every module
here reads the models, so the package costs no more to import than one of them.
"""

from registry.views.card import EntityCard, IdentifierView, RelationshipView, entity_card
from registry.views.changes import (
    IDS_PER_QUERY,
    ChangeDescribed,
    describe_change,
    describe_changes,
    recent_changes,
)
from registry.views.designations import (
    MAX_CITATIONS,
    RATINGS,
    RESTRICTIONS,
    DesignationView,
    strongest_restriction,
)
from registry.views.lists import CheckedList, ListsLoaded, list_editions, lists_loaded
from registry.views.names import latin_names, pinyin
from registry.views.queries import entity_ids_listed_first, entity_names, import_file_name
from registry.views.sources import SourceRef

__all__ = [
    "IDS_PER_QUERY",
    "MAX_CITATIONS",
    "RATINGS",
    "RESTRICTIONS",
    "ChangeDescribed",
    "CheckedList",
    "DesignationView",
    "EntityCard",
    "IdentifierView",
    "ListsLoaded",
    "RelationshipView",
    "SourceRef",
    "describe_change",
    "describe_changes",
    "entity_card",
    "entity_ids_listed_first",
    "entity_names",
    "import_file_name",
    "latin_names",
    "list_editions",
    "lists_loaded",
    "pinyin",
    "recent_changes",
    "strongest_restriction",
]
