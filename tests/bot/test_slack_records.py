"""Screening records over Slack, through the real server on a real port with signed
requests: the record a lookup leaves, who may read it, the decision modal, and partner
files shared in a DM answered with a results file (files_upload_v2 to the local fake)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

from bot.render.slack import SHARE_ACTION
from bot.slack.record_listeners import DECIDE_VIEW, RECORD_ACTION
from handlers.context import Services
from handlers.lookup import lookup
from registry.db import unit_of_work
from registry.records import since
from tests.fake_slack import (
    SECRET,
    FakeSlack,
    action_body,
    event_body,
    post,
    signed,
    slash_body,
    validate,
)

EVENTS = "/slack/events"
HEADER = ["Organisation", "Country", "Notes"]
ROWS = [
    ["Hangzhou Hikvision Digital Technology Co., Ltd.", "CN", "Société mère"],
    ["Zzyzx Widgets Unknown Partner", "US", "Café"],
    ["Baidu", "CN", "Zürich"],
]


def _records(services: Services) -> list[Any]:
    with unit_of_work(services.registry.sessions) as session:
        return list(since(session))


async def _slash(server: str, fake: FakeSlack, text: str, user: str = "U1") -> dict[str, Any]:
    body = slash_body(text, fake.response_url).replace("user_id=U1", f"user_id={user}")
    seen = len(fake.responses)
    status, answer = await post(server + EVENTS, body, signed(SECRET, body))
    assert status == 200
    if "blocks" in answer:
        return answer
    # Slower than the inline budget (a busy machine): the answer follows the placeholder.
    for _ in range(600):
        if len(fake.responses) > seen:
            return fake.responses[seen]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no answer to {text!r}")


def _button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    return next(
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


async def test_a_signed_lookup_leaves_a_record_with_a_decision_button(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    answer = await _slash(server, fake_slack, "Hikvision")
    validate(answer["blocks"])
    (record,) = _records(services)
    assert (record.platform, record.user_id, record.team_id, record.channel_id) == (
        "slack",
        "U1",
        "T1",
        "C1",
    )
    assert record.query == "Hikvision" and record.kind == "lookup" and record.intact
    assert _button(answer["blocks"], RECORD_ACTION)["value"] == str(record.id)
    # The maker reads it; another user is refused and learns nothing of it.
    mine = json.dumps(await _slash(server, fake_slack, f"record {record.id}"))
    assert f"#{record.id}" in mine and record.answer_sha256 in mine
    theirs = json.dumps(await _slash(server, fake_slack, f"record {record.id}", user="U2"))
    assert "not yours" in theirs and "Hikvision" not in theirs


async def test_the_decision_modal_stores_the_decision_on_the_record(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    await _slash(server, fake_slack, "Hikvision")
    (record,) = _records(services)
    body = action_body(RECORD_ACTION, str(record.id), fake_slack.response_url)
    status, _ = await post(server + EVENTS, body, signed(SECRET, body))
    assert status == 200
    for _ in range(100):
        if any(m == "views.open" for m, _ in fake_slack.calls):
            break
        await asyncio.sleep(0.05)
    opened = next(p for m, p in fake_slack.calls if m == "views.open")
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    assert view["callback_id"] == DECIDE_VIEW and view["private_metadata"] == str(record.id)

    submission = {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": "U1", "username": "alice", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "1.2.4",
        "view": {
            **view,
            "id": "V1",
            "state": {
                "values": {
                    "decision": {
                        "decision_choice": {
                            "type": "radio_buttons",
                            "selected_option": {"value": "escalate"},
                        }
                    },
                    "note": {"note_text": {"type": "plain_text_input", "value": "ask legal"}},
                }
            },
        },
    }
    form = urlencode({"payload": json.dumps(submission)})
    status, ack = await post(server + EVENTS, form, signed(SECRET, form))
    assert status == 200
    (kept,) = _records(services)
    assert [(d.decision, d.note, d.user_id, d.platform) for d in kept.decisions] == [
        ("escalate", "ask legal", "U1", "slack")
    ]
    # Someone else's submission for this record is refused in the modal, not stored.
    submission["user"] = {"id": "U2", "team_id": "T1"}
    form = urlencode({"payload": json.dumps(submission)})
    status, ack = await post(server + EVENTS, form, signed(SECRET, form))
    assert ack["response_action"] == "errors" and "not yours" in json.dumps(ack)
    assert len(_records(services)[0].decisions) == 1


async def test_a_signed_check_leaves_a_record_per_row_and_a_share_one_more(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    await _slash(server, fake_slack, "check Hikvision; Baidu; Zzyzx Widgets Unknown Partner")
    rows = _records(services)
    assert [r.query for r in rows] == ["Hikvision", "Baidu", "Zzyzx Widgets Unknown Partner"]
    assert {r.kind for r in rows} == {"check"} and all(r.intact for r in rows)
    assert len({r.batch for r in rows}) == 1 and rows[0].batch is not None  # one batch
    assert rows[2].verdict == "no_match" and rows[0].verdict == "listed"

    answer = await _slash(server, fake_slack, "Baidu")
    body = action_body(
        SHARE_ACTION, _button(answer["blocks"], SHARE_ACTION)["value"], fake_slack.response_url
    )
    status, _ = await post(server + EVENTS, body, signed(SECRET, body))
    assert status == 200
    for _ in range(200):
        if len(_records(services)) == 5:
            break
        await asyncio.sleep(0.05)
    *_, lookup, share = _records(services)
    assert (lookup.kind, share.kind) == ("lookup", "share")
    assert share.entity_ids == lookup.entity_ids and share.intact
    assert (share.platform, share.user_id, share.channel_id) == ("slack", "U1", "C1")


def _cp1252_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    return out.getvalue().encode("cp1252")


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _share(server: str, fake: FakeSlack, name: str, data: bytes, n: int) -> dict[str, Any]:
    fake.shared_files[name] = data
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": "D1",
        "channel_type": "im",
        "user": "U1",
        "team": "T1",
        "ts": "1700000000.000100",
        "text": "",
        "files": [{"id": "FIN", "name": name, "url_private_download": fake.file_url(name)}],
    }
    body = event_body(event, event_id=f"Ev{n}")
    status, _ = await post(
        server + EVENTS, body, signed(SECRET, body) | {"Content-Type": "application/json"}
    )
    assert status == 200
    for _ in range(600):
        done = [u for u in fake.uploads.values() if u["completed"]]
        if len(done) >= n:
            return done[n - 1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no results uploaded; calls: {[m for m, _ in fake.calls]}")


async def test_partner_files_shared_in_a_dm_come_back_screened(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    upload = await _share(server, fake_slack, "partners.csv", _cp1252_csv(), 1)
    assert upload["filename"] == "partners-screened.csv"
    assert upload["completed"]["channel_id"] == "D1"
    comment = upload["completed"]["initial_comment"]
    assert comment.startswith("3 names: 2 listed, 0 formerly listed, 0 tied, 0 did you mean")
    rows = list(csv.reader(io.StringIO(upload["data"].decode("utf-8-sig"))))
    assert rows[0][:3] == HEADER and rows[0][3] == "verdict"
    assert [r[:3] for r in rows[1:]] == ROWS
    assert [r[3] for r in rows[1:]] == ["listed", "no match", "listed"]
    # The old files.upload is never called.
    assert "files.upload" not in [m for m, _ in fake_slack.calls]

    upload = await _share(server, fake_slack, "partners.xlsx", _xlsx(), 2)
    assert upload["filename"] == "partners-screened.xlsx"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(upload["data"])).worksheets[0]
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert got[0][:4] == [*HEADER, "verdict"] and [r[:3] for r in got[1:]] == ROWS
    kept = _records(services)
    assert len(kept) == 6 and {r.kind for r in kept} == {"file"}
    assert len({r.batch for r in kept}) == 2 and {r.channel_id for r in kept} == {"D1"}


async def test_a_signed_report_command_posts_the_evidence_pdf(
    server: str, fake_slack: FakeSlack, services: Services
) -> None:
    from pypdf import PdfReader

    answer = await _slash(server, fake_slack, "report Baidu")
    (record,) = _records(services)
    assert record.query == "Baidu" and record.intact
    assert "Record decision" in json.dumps(answer)  # the card, as any lookup's
    for _ in range(600):
        done = [u for u in fake_slack.uploads.values() if u["completed"]]
        if done:
            break
        await asyncio.sleep(0.05)
    (upload,) = done
    assert upload["filename"].endswith(".pdf")
    # Evidence of U1's screening: to U1's direct message with the bot, not the channel.
    assert upload["completed"]["channel_id"] == "DU1"
    assert record.answer_sha256 in upload["completed"]["initial_comment"]
    reader = PdfReader(io.BytesIO(upload["data"]))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = text.replace("\n", "")
    assert f"Record #{record.id}" in text and record.answer_sha256 in flat
    card = lookup(services, "Baidu").card
    assert card is not None and card.native_name and card.native_name in text
    assert card.sources and all(s.url in flat for s in card.sources if s.url)

    # No card to report on: said in one line, no file.
    answer = await _slash(server, fake_slack, "report Zzyzx Widgets Unknown Partner")
    assert "exact name" in json.dumps(answer)
    await asyncio.sleep(0.5)
    assert len([u for u in fake_slack.uploads.values() if u["completed"]]) == 1
