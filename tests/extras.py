"""Tests of the optional parts (pip extras): they skip with a reason where the extra is not
installed (a user's clone with ``.[dev]``), and fail in CI (``CI=true``), which installs
every extra."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

from registry.extras import EXTRAS


def require(module: str, extra: str) -> ModuleType:
    """``module``, imported; or skip the calling test module (fail it in CI) when a
    dependency of ``extra`` is missing."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in EXTRAS[extra]:
            raise
        if os.environ.get("CI"):
            pytest.fail(f"CI must install the {extra} extra ({exc.name} is missing)", pytrace=False)
        pytest.skip(
            f"needs the {extra} extra: pip install -e '.[{extra}]'", allow_module_level=True
        )


def require_source(source: str) -> None:
    """Skip (fail in CI) a test of ``source``'s importer when it needs a missing extra."""
    from registry.importers import IMPORTERS, NEEDS_EXTRA

    if source in NEEDS_EXTRA:
        require(IMPORTERS[source], NEEDS_EXTRA[source][0])
