"""Moved to ``registry.names.legal_forms``: this name stays an alias of that module (the same
module object, so its state is shared) until every branch imports the new path."""

import sys

import registry.names.legal_forms
from registry.names.legal_forms import *  # noqa: F403 (the names, for type checkers)

sys.modules[__name__] = registry.names.legal_forms
