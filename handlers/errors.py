"""The errors a command can end in, and the one place they become replies."""

from __future__ import annotations

from handlers.replies import ErrorReply
from registry.errors import (
    BadImportError,
    NotInitialisedError,
    RegistryBusyError,
    RegistryError,
)

BUSY_MESSAGE = "The registry is being updated — try again in a minute."


class CommandError(Exception):
    """Something the user can fix; ``hint`` says how."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class BadInput(CommandError):
    pass


class NotFound(CommandError):
    pass


def to_reply(exc: Exception) -> ErrorReply:
    """Turn any error into a reply a person can act on. Unknown errors keep their
    traceback in the log (the caller logs); the user gets an honest, short answer."""
    if isinstance(exc, CommandError):
        return ErrorReply(exc.message, exc.hint, fixable=True)
    if isinstance(exc, RegistryBusyError):
        return ErrorReply(BUSY_MESSAGE, "Lookups still answer while it is updated.")
    if isinstance(exc, NotInitialisedError):
        return ErrorReply(f"The registry is not ready: {exc}")
    if isinstance(exc, BadImportError):
        return ErrorReply(f"Import failed: {exc}")
    if isinstance(exc, RegistryError):
        return ErrorReply(f"Registry error: {exc}")
    return ErrorReply(
        "Something went wrong on our side while answering; the error has been logged.",
        "Try again in a moment.",
    )
