"""The stable JSON shape of ``mcf-bot ask --json`` / ``check --json`` (fields may be
added, never renamed)."""

from __future__ import annotations

from typing import Any

from handlers.replies import (
    CandidateView,
    CheckLine,
    CheckListReply,
    EntityCard,
    ErrorReply,
    HelpReply,
    LookupReply,
    NoticeReply,
    Reply,
    SourcesReply,
)


def card_dict(card: EntityCard, reply: LookupReply) -> dict[str, Any]:
    by_number = {s.number: s for s in card.sources}
    return {
        "id": card.id,
        "key": card.key,
        "name": card.name,
        "native_name": card.native_name,
        "kind": card.kind,
        "country": card.country,
        "aliases": list(card.aliases),
        "summary": card.summary,
        "score": reply.score,
        "matched_on": reply.matched_on,
        "how": reply.how,
        "designations": [
            {
                "list": d.list_id,
                "list_name": d.list_name,
                "start": d.start,
                "end": d.end,
                "status": d.status,
                "reason": d.reason,
                "source_url": d.source_url,
                "licence_requirement": d.licence_requirement,
                "licence_policy": d.licence_policy,
            }
            for d in card.designations
        ],
        "relationships": [
            {
                "type": r.type,
                "direction": r.direction,
                "sentence": r.sentence,
                "other": {"id": r.other_id, "name": r.other_name},
                "summary": r.summary,
                "start": r.start,
                "end": r.end,
                "sources": [by_number[n].url for n in r.sources],
            }
            for r in card.relationships
        ],
        "sources": [
            {
                "number": s.number,
                "title": s.title,
                "publisher": s.publisher,
                "url": s.url,
                "date": s.date,
            }
            for s in card.sources
        ],
    }


def candidate_dict(c: CandidateView) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "score": c.score, "matched_on": c.matched_on, "how": c.how}


def check_line_dict(line: CheckLine) -> dict[str, Any]:
    """One name of a quick check (``verdict`` is one of ``handlers.replies.Verdict``)."""
    return {
        "query": line.query,
        "verdict": line.verdict.value,
        "name": line.name,
        "entity_id": line.entity_id,
        "detail": line.detail,
        "how": line.how,
        "candidates": [candidate_dict(c) for c in line.candidates],
    }


def reply_dict(reply: Reply) -> dict[str, Any]:
    body = reply.body
    if isinstance(body, LookupReply):
        return {
            "query": body.query,
            "status": body.status.value,
            "match": card_dict(body.card, body) if body.card else None,
            "candidates": [candidate_dict(c) for c in body.candidates],
        }
    if isinstance(body, CheckListReply):
        return {
            "status": "check",
            "found_in_message": body.found_in_message,
            "lines": [check_line_dict(line) for line in body.lines],
            "omitted": body.omitted,
        }
    if isinstance(body, HelpReply):
        return {"status": "help", "usage": list(body.lines), "hint": body.hint}
    if isinstance(body, ErrorReply):
        return {"status": "error", "error": body.message, "hint": body.hint}
    if isinstance(body, SourcesReply):
        return {
            "status": "sources",
            "lists": [
                {
                    "id": v.id,
                    "name": v.name,
                    "authority": v.authority,
                    "legal_basis": {"title": v.legal_basis, "url": v.legal_basis_url},
                    "effect": v.effect,
                    "legal": v.legal,
                    "completeness": v.completeness,
                    "licence": v.licence,
                    "edition": v.edition,
                    "parties": v.parties,
                    "listed_now": v.listed_now,
                    "last_import": v.last_import,
                }
                for v in body.lists
            ],
        }
    if isinstance(body, NoticeReply):
        return {"status": "ok", "message": body.text, "lines": list(body.lines)}
    raise TypeError(type(body))
