"""What an import did, for the summary printed at its end."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportResult:
    source: str
    files: list[str]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    relationships: int = 0
    designations: int = 0
    merged: list[str] = field(default_factory=list)
    near_misses: list[str] = field(default_factory=list)
    changes: int = 0
    edition: str | None = None

    def summary(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "merged": len(self.merged),
            "relationships": self.relationships,
            "designations": self.designations,
            "changes": self.changes,
        }
