"""What every handler is given: the registry and its live name index."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.lookup.live import LiveIndex
from registry.service import Registry


@dataclass
class Services:
    registry: Registry
    index: LiveIndex = field(default_factory=LiveIndex)
