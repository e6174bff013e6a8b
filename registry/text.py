"""Text from data made inert: the one sanitiser for names, reasons, captions and titles.

Registry text comes from files we do not write (list editions, FollowTheMoney exports).
What reaches a person must never move their cursor, clear their screen, open a link,
ring a bell or reorder what they read. So, before anything is stored (and again by the
terminal renderer, as a second line of defence):

- terminal escape sequences (CSI such as colours and clear-screen, OSC such as 8 links and
  window titles) are removed whole, so no ``[2J`` debris is left behind;
- every other control character (C0, DEL, C1) is removed; in single-line text a tab, a
  newline or a line/paragraph separator becomes a space, and runs of spaces collapse;
- format characters (Unicode category Cf) are removed: bidi embeddings, overrides and
  isolates (U+202A–U+202E, U+2066–U+2069), marks (U+200E, U+200F, U+061C), zero-width
  spaces and joiners (U+200B–U+200D, U+2060, U+FEFF), soft hyphens. Organisation names
  read the same without them; the names the index matches are unchanged by their loss;
- lone surrogates (which no encoder will write) are removed.
"""

from __future__ import annotations

import re
import unicodedata

# ESC [ params intermediates final (CSI); ESC ] ... BEL or ESC \ (OSC); the C1 forms of
# both (U+009B, U+009D); and any other two-character ESC sequence.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
_BREAKS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# A quick screen: text with none of these (nearly every name) skips the per-character
# pass. Every control, break, surrogate and Unicode 15 format character (a test checks
# this against ``unicodedata``, so a newer Unicode cannot slip one past).
_SUSPECT = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001-\U000e007f]"
)


def _drop(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` with escapes, control, bidi and zero-width characters removed.

    Single-line (the default, for names and captions): breaks become spaces, spaces
    collapse and the ends are trimmed. ``multiline`` keeps newlines and spacing (prose
    such as a stated reason, or a whole rendered reply) and turns other breaks into spaces.
    """
    if _SUSPECT.search(text) is None:
        return text if multiline else " ".join(text.split())  # the common case
    text = _ESCAPES.sub("", text)
    out = []
    for ch in text:
        if ch == "\n" and multiline:
            out.append(ch)
        elif ch in _BREAKS:
            out.append(" ")
        elif not _drop(ch):
            out.append(ch)
    cleaned = "".join(out)
    # Multiline text keeps its spacing (a rendered reply indents with it).
    return cleaned if multiline else " ".join(cleaned.split())


def clean_optional(text: str | None, *, multiline: bool = False) -> str | None:
    """``clean_text`` for nullable columns: None and all-garbage text are both None."""
    if text is None:
        return None
    return clean_text(text, multiline=multiline) or None


def is_clean(text: str, *, multiline: bool = False) -> bool:
    """True when ``text`` holds nothing ``clean_text`` would remove (tests use this)."""
    return not any(
        (_drop(ch) and not (multiline and ch == "\n")) or (ch in _BREAKS and ch != "\n")
        for ch in text
    ) and not (not multiline and "\n" in text)
