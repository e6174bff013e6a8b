"""Network pictures: the shipped CJK font covers every name of the bundled registry, a
30-tie group draws as a PNG of the size its layout gives with no missing glyph, SVG is
XML, and the picture reaches Slack (files_upload_v2 through the local stand-in, over
signed requests). Teams: ``tests/bot/teams/test_graph.py``."""

from __future__ import annotations

import struct
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from sqlalchemy import select

from bot.fonts import cjk_font, font_dir
from bot.render.graph import render, size_pixels
from bot.render.slack import GRAPH_ACTION
from handlers.context import Services
from handlers.graph import graph
from handlers.replies import GraphReply
from registry.db import unit_of_work
from registry.models import Alias, Entity
from registry.network import MAX_NODES
from registry.service import Registry
from tests.fake_slack import SECRET, FakeSlack, action_body, post, signed, slash_body

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def missing_glyphs(text: str, cmap: set[int]) -> list[str]:
    """The characters of ``text`` with no glyph in ``cmap`` (spaces and controls aside)."""
    return sorted({c for c in text if c.isprintable() and not c.isspace() and ord(c) not in cmap})


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_font_has_a_glyph_for_every_character_of_every_bundled_name(
    bundled_registry: Registry,
) -> None:
    cmap = set(TTFont(str(cjk_font())).getBestCmap())
    with unit_of_work(bundled_registry.sessions) as session:
        names = list(session.scalars(select(Entity.name)))
        names += [n for n in session.scalars(select(Entity.native_name)) if n]
        names += list(session.scalars(select(Alias.name)))
    missing = {c for name in names for c in missing_glyphs(name, cmap)}
    assert not missing, f"run scripts/build-cjk-font: no glyph for {''.join(sorted(missing))}"
    assert len({c for name in names for c in name if ord(c) > 0x2E80}) > 500  # Chinese names


def test_the_font_ships_with_its_licence() -> None:
    licence = (font_dir() / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    names = TTFont(str(cjk_font()))["name"]
    assert "Open Font License" in (names.getDebugName(13) or "")


@pytest.fixture
def avic(services: Services) -> GraphReply:
    reply = graph(services, "AVIC")
    assert isinstance(reply, GraphReply)
    return reply


def test_a_group_of_30_ties_is_a_png_of_its_size_with_no_missing_glyph(
    services: Services, avic: GraphReply
) -> None:
    net = avic.network
    shown_ties = len(net.nodes) - 1
    assert shown_ties + net.omitted >= 30, "AVIC has at least 30 ties in the bundled registry"
    assert len(net.nodes) == MAX_NODES and net.omitted > 0
    assert f"and {net.omitted} more ties not shown" in net.caption()
    assert net.data_date and net.data_date in net.caption()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = render(net, "png")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing
    assert png_size(data) == size_pixels(net)
    width, height = size_pixels(net)
    assert 800 <= width <= 2000 and 600 <= height <= 2000
    listed = [n for n in net.nodes if n.listed]
    assert listed and all(n.name in net.alt_text() for n in net.nodes)


def test_svg_output_parses_as_xml(avic: GraphReply) -> None:
    root = ET.fromstring(render(avic.network, "svg"))
    assert root.tag.endswith("svg")
    # Glyphs as paths: the file needs no font where it is opened.
    assert root.iter("{http://www.w3.org/2000/svg}path")


def test_ask_does_not_import_the_drawing_library() -> None:
    code = "import sys, bot.cli, bot.slack.app, bot.teams.app; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def completed(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    """The files uploaded and shared into a channel, as Slack shows them."""
    return [
        {
            "data": u["data"],
            "filename": u["filename"],
            "alt_txt": u["alt_txt"],
            "channel": u["completed"].get("channel_id"),
            "initial_comment": u["completed"].get("initial_comment"),
        }
        for u in fake_slack.uploads.values()
        if u["completed"] is not None
    ]


async def _uploaded(fake_slack: FakeSlack, count: int = 1) -> None:
    import asyncio

    for _ in range(600):  # drawing takes a few seconds on a busy machine
        if len(completed(fake_slack)) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no upload: {[c[0] for c in fake_slack.calls]}")


async def test_slash_graph_uploads_the_png_through_files_upload_v2(
    server: str, fake_slack: FakeSlack
) -> None:
    body = slash_body("graph AVIC", fake_slack.response_url)
    status, _ = await post(f"{server}/slack/events", body, signed(SECRET, body))
    assert status == 200
    await _uploaded(fake_slack)
    methods = [method for method, _ in fake_slack.calls]
    assert "files.getUploadURLExternal" in methods
    assert methods.index("files.getUploadURLExternal") < methods.index(
        "files.completeUploadExternal"
    )
    (posted,) = completed(fake_slack)
    assert posted["channel"] == "C1"
    width, height = png_size(posted["data"])
    assert width > 800 and height > 600
    assert posted["filename"].endswith(".png")
    assert "Aviation Industry Corporation of China" in posted["alt_txt"]
    assert "Registry data as of" in posted["initial_comment"]


async def test_the_show_network_button_uploads_the_picture(
    server: str, fake_slack: FakeSlack
) -> None:
    import asyncio

    body = slash_body("Baidu", fake_slack.response_url)
    _, answer = await post(f"{server}/slack/events", body, signed(SECRET, body))
    for _ in range(200):  # a slow machine answers through the response_url instead
        if "blocks" in answer:
            break
        await asyncio.sleep(0.05)
        answer = fake_slack.responses[-1] if fake_slack.responses else answer
    buttons = [el for b in answer["blocks"] if b["type"] == "actions" for el in b["elements"]]
    (button,) = [b for b in buttons if b["action_id"] == GRAPH_ACTION]
    press = action_body(button["action_id"], button["value"], fake_slack.response_url)
    status, _ = await post(f"{server}/slack/events", press, signed(SECRET, press))
    assert status == 200
    await _uploaded(fake_slack)
    (posted,) = completed(fake_slack)
    assert "Baidu, Inc." in posted["alt_txt"] and "28th Research Institute" in posted["alt_txt"]


async def test_an_upload_refused_by_slack_is_told_privately(
    server: str, fake_slack: FakeSlack
) -> None:
    import asyncio

    fake_slack.broken["C1"] = "not_in_channel"
    body = slash_body("graph AVIC", fake_slack.response_url)
    await post(f"{server}/slack/events", body, signed(SECRET, body))
    for _ in range(600):
        if any("could not post the picture" in str(r) for r in fake_slack.responses):
            break
        await asyncio.sleep(0.05)
    assert any("not_in_channel" in str(r) for r in fake_slack.responses)
    assert completed(fake_slack) == []
