"""Screening records in Teams: a "Record decision" form under a card that left a record
(an ``Action.ShowCard`` holding a choice, a note and an ``Action.Submit``), and reading
the submitted decision back. The listener stores it (``handlers.records.decide``)."""

from __future__ import annotations

from typing import Any

from handlers.replies import LookupReply, Reply
from registry.records import Decision

DECIDE_ACTION = "mcf_record_decide"
_CHOICES = (
    (Decision.CLEARED, "Cleared"),
    (Decision.ESCALATE, "Escalate"),
    (Decision.DO_NOT_PROCEED, "Do not proceed"),
)
MAX_NOTE_CHARS = 2000


def with_decision_form(card: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """``card`` (shared by the render cache: never changed) with the decision form, when
    the reply is one organisation's card and left one record."""
    body = reply.body
    if len(reply.records) != 1 or not isinstance(body, LookupReply) or body.card is None:
        return card
    record_id = reply.records[0]
    form = {
        "type": "Action.ShowCard",
        "title": "Record decision",
        "card": {
            "type": "AdaptiveCard",
            "body": [
                {
                    "type": "Input.ChoiceSet",
                    "id": "decision",
                    "label": f"Decision on record #{record_id}",
                    "isRequired": True,
                    "errorMessage": "Choose a decision.",
                    "style": "expanded",
                    "choices": [{"title": t, "value": v.value} for v, t in _CHOICES],
                },
                {
                    "type": "Input.Text",
                    "id": "note",
                    "label": "Note",
                    "isMultiline": True,
                    "maxLength": MAX_NOTE_CHARS,
                },
            ],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Record",
                    "data": {"mcf_action": DECIDE_ACTION, "record_id": record_id},
                }
            ],
        },
    }
    return {**card, "actions": [*card.get("actions", []), form]}


def decision_of(value: Any) -> tuple[int, str, str | None] | None:
    """The record id, decision and note of a submitted form; None for anything else."""
    if not isinstance(value, dict) or value.get("mcf_action") != DECIDE_ACTION:
        return None
    try:
        record_id = int(value["record_id"])
    except (KeyError, TypeError, ValueError):
        return None
    note = value.get("note")
    return record_id, str(value.get("decision") or ""), note if isinstance(note, str) else None
