"""Optional parts of mcf-bot, installed as pip extras, and the one way to load them.

The core installs from wheels alone on every platform. FollowTheMoney interchange
(``mcf-bot import ftm``, ``mcf-bot export ftm``) needs followthemoney, which builds PyICU
against the ICU headers, so it is the ``ftm`` extra: ``pip install 'mcf-bot[ftm]'``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from registry.errors import MissingExtraError

# Top-level modules of each extra's dependencies (pyproject's optional-dependencies).
EXTRAS: dict[str, frozenset[str]] = {"ftm": frozenset({"followthemoney"})}


def import_with_extra(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module``; if a dependency of ``extra`` is missing, raise
    ``MissingExtraError`` (one line for the user) instead of the ImportError."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] in EXTRAS[extra]:
            raise MissingExtraError(feature, extra) from exc
        raise
