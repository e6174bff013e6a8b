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
    # What the edition held, for the import guard (``registry.guard.Shape``): rows per
    # list (any country) and the file's columns, where the importer reads them.
    rows: dict[str, int] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    format: str | None = None
    # Parties of the lists that the registry leaves out (persons), by list id.
    out_of_scope: dict[str, int] = field(default_factory=dict)

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
