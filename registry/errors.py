"""Errors the registry raises; ``handlers.errors`` turns them into replies."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class for every error the registry raises on purpose."""


class MissingSourceError(RegistryError):
    """A claim (relationship, designation, summary) was written without a source."""


class NotInitialisedError(RegistryError):
    """The database has no registry schema (or an old one) and must be migrated."""


class BadImportError(RegistryError):
    """An import file could not be read; names the file, line and field."""

    def __init__(
        self, message: str, *, file: str, line: int | None = None, field: str | None = None
    ) -> None:
        self.file, self.line, self.field = file, line, field
        where = file + (f", line {line}" if line is not None else "")
        where += f", field {field!r}" if field else ""
        super().__init__(f"{where}: {message}")


class RegistryBusyError(RegistryError):
    """Another writer (an import, most often) holds the database; try again shortly."""
