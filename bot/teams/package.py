"""``mcf-bot teams-package``: the Teams app package (manifest.json and two icons, zipped)
that an admin uploads to install the bot. Icons are drawn here and written as PNG with
zlib and struct, so packaging needs no imaging library."""

from __future__ import annotations

import json
import math
import struct
import zipfile
import zlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.settings import TeamsSettings
from bot.teams.listeners import SCAN_COMMAND

MANIFEST_VERSION = "1.17"
SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/"
    f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
ACCENT = (0x9B, 0x1C, 0x1C)  # the card's "listed" red
SCOPES = ["personal", "team", "groupChat"]
# Shown by Teams as suggestions when the bot is addressed (title <= 32, text <= 128).
COMMANDS = [
    ("help", "What the bot does and how to ask it"),
    ("Baidu", "Look up an organisation: lists, MCF ties and numbered sources"),
    ("subscribe", "This conversation is told when new entries land (or: subscribe us-1260h)"),
    ("watch", "watch <organisation>: changes touching it, its parents and subsidiaries"),
    ("unwatch", "unwatch <organisation>: stop watching it"),
    ("subscriptions", "What this conversation is subscribed to"),
    ("unsubscribe", "Stop every alert in this conversation"),
]


def _version() -> str:
    try:
        return version("mcf-bot")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.1.0"


def manifest(teams: TeamsSettings) -> dict[str, Any]:
    bot_id = teams.client_id or teams.require_app_id()
    site = teams.website_url.rstrip("/")
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": _version(),
        "id": teams.require_app_id(),
        "developer": {
            "name": "mcf-bot",
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": "mcf", "full": "mcf: military-civil fusion lookups"},
        "description": {
            "short": "Is this organisation tied to China's military-civil fusion system?",
            "full": (
                "Ask about an organisation (English, Chinese characters or pinyin; acronyms "
                "and typos are fine) and get a card: who it is, which public lists name it "
                "and since when, its ties to defence conglomerates and PLA-linked institutes, "
                "every claim numbered against its source. Subscribe a channel or chat to "
                "alerts when the registry gains new entries."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": bot_id,
                "scopes": SCOPES,
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": SCOPES,
                        "commands": [{"title": t, "description": d} for t, d in COMMANDS],
                    }
                ],
            }
        ],
        "composeExtensions": [
            {
                "botId": bot_id,
                "commands": [
                    {
                        # More actions (⋯) on any message: Teams sends the message to the
                        # bot (composeExtension/submitAction) and shows the answer to the
                        # person who asked, in a dialog.
                        "id": SCAN_COMMAND,
                        "type": "action",
                        "context": ["message"],
                        "title": "Check organisations",
                        "description": "Which organisations named in this message are "
                        "listed or tied to China's military-civil fusion system",
                        "fetchTask": False,
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [urlsplit(site).netloc],
    }


# -- icons ----------------------------------------------------------------------------


def png(width: int, height: int, pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An RGBA PNG: signature, IHDR, one zlib-compressed IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _in_mark(x: float, y: float) -> bool:
    """A magnifier (ring and handle) in the unit square: the bot looks things up."""
    dx, dy = x - 0.42, y - 0.42
    r = math.hypot(dx, dy)
    if 0.17 <= r <= 0.26:
        return True
    # The handle: a thick segment from the ring towards the lower right corner.
    t = ((x - 0.6) + (y - 0.6)) / 2
    if 0 <= t <= 0.2:
        px, py = 0.6 + t, 0.6 + t
        return math.hypot(x - px, y - py) <= 0.055
    return False


def color_icon(size: int = 192) -> bytes:
    """Full colour: the white mark on the accent colour, edge to edge."""
    white = (255, 255, 255, 255)
    accent = (*ACCENT, 255)
    rows = [
        [white if _in_mark((i + 0.5) / size, (j + 0.5) / size) else accent for i in range(size)]
        for j in range(size)
    ]
    return png(size, size, rows)


def outline_icon(size: int = 32) -> bytes:
    """Outline: the white mark on a transparent background, as Teams requires."""
    white, clear = (255, 255, 255, 255), (0, 0, 0, 0)
    rows = [
        [white if _in_mark((i + 0.5) / size, (j + 0.5) / size) else clear for i in range(size)]
        for j in range(size)
    ]
    return png(size, size, rows)


def write(teams: TeamsSettings, path: Path) -> Path:
    data = json.dumps(manifest(teams), indent=2, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", data)
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return path
