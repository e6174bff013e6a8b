"""Moved to ``registry.resolution.joins``: this name stays an alias of that module (the same
module object, so its state is shared) until every branch imports the new path."""

import sys

import registry.resolution.joins
from registry.resolution.joins import *  # noqa: F403 (the names, for type checkers)

sys.modules[__name__] = registry.resolution.joins
