"""``mcf-bot teams-package``: the zip Teams accepts (manifest, two icons of the sizes
Teams requires), written from settings."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.cli import main
from bot.teams.listeners import SCAN_COMMAND
from bot.teams.package import COMMANDS
from tests.bot.teams.conftest import SECURED_ENV


def _png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and raw rows, read back independently of the writer."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6)  # 8-bit RGBA
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    rows = [raw[i * stride + 1 : (i + 1) * stride] for i in range(height)]
    return width, height, rows


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``mcf-bot teams-package`` run with a configured Teams app."""
    for name, value in SECURED_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MCF_TEAMS_WEBSITE_URL", "https://mcf.example.net/")
    monkeypatch.setenv("MCF_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    out = tmp_path / "mcf-teams.zip"
    assert main(["teams-package", "-o", str(out)]) == 0
    return out


def test_teams_package_writes_manifest_and_icons(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = _png(archive.read("color.png"))
        outline = _png(archive.read("outline.png"))
    client_id = SECURED_ENV["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"]
    assert manifest["id"] == client_id
    [bot] = manifest["bots"]
    assert bot["botId"] == client_id
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    commands = bot["commandLists"][0]["commands"]
    assert [c["title"] for c in commands] == [t for t, _ in COMMANDS]
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    assert len(manifest["description"]["short"]) <= 80
    assert manifest["developer"]["privacyUrl"] == "https://mcf.example.net/privacy"
    assert manifest["validDomains"] == ["mcf.example.net"]
    assert color[:2] == (192, 192)
    assert outline[:2] == (32, 32)
    # The outline is white on transparent: every pixel is one or the other, both occur.
    pixels = {row[i : i + 4] for row in outline[2] for i in range(0, len(row), 4)}
    assert pixels == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}
    # The colour icon has no transparency at all.
    assert all(row[i + 3] == 255 for row in color[2] for i in range(0, len(row), 4))


def test_the_manifest_offers_the_message_action_the_listener_handles(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    [extension] = manifest["composeExtensions"]
    assert extension["botId"] == SECURED_ENV["CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"]
    [command] = extension["commands"]
    assert command["id"] == SCAN_COMMAND
    assert (command["type"], command["context"], command["fetchTask"]) == (
        "action",
        ["message"],
        False,
    )
    assert command["title"] == "Check organisations"
    assert len(command["title"]) <= 32 and len(command["description"]) <= 128


def test_teams_package_needs_teams_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("CONNECTIONS__"):
            monkeypatch.delenv(name)
    assert main(["teams-package", "-o", str(tmp_path / "x.zip")]) == 2
    assert "Teams is not configured" in capsys.readouterr().err
