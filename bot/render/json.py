"""The stable JSON shape of ``mcf-bot ask --json`` / ``check --json`` (fields may be
added, never renamed).

Every string in it is inert (``registry.text.clean_text``, the one sanitiser): no
control, bidi or zero-width character, whether it comes from data or echoes what was
typed (a query, and the sentences that quote it); a query is on one line.
"""

from __future__ import annotations

from typing import Any

from handlers.replies import (
    CandidateView,
    CheckLine,
    CheckListReply,
    DesignationView,
    EntityCard,
    ErrorReply,
    Finding,
    GraphReply,
    HelpReply,
    LookupReply,
    NoticeReply,
    Reply,
    SourcesReply,
    SyncView,
)
from registry.text import clean_text
from registry.views import strongest_restriction


def _listing(d: DesignationView) -> dict[str, Any]:
    return {
        "list": d.list_id,
        "name": d.label,
        "list_name": d.list_name,
        # A fiscal-year list states years, not days: no computed date is given.
        "start": None if d.years else d.start,
        "end": None if d.years else d.end,
        "fiscal_years": d.years,
        "edition": d.edition,
        "effect": d.effect,
        "legal": d.legal,
        "end_reason": d.end_reason,
        "category": d.category,
        "risk": d.risk,
        "source_url": d.source_url,
    }


def finding_dict(finding: Finding, card: EntityCard | None = None) -> dict[str, Any]:
    """The verdict: ``level`` (listed | formerly_listed | tied | tracked | not_listed |
    no_match | did_you_mean | error), the sentence every front end shows, ``detail`` (the
    sentence a ``check`` line shows), the listings it rests on (current, ended, trackers),
    the tie to a listed body, and for ``not_listed`` / ``no_match`` the lists checked with
    their editions and the lists not held."""
    urls = {s.number: s.url for s in card.sources} if card else {}
    tie = finding.tie
    checked = finding.checked
    return {
        "level": finding.level.value,
        "text": finding.text,
        "detail": finding.detail,
        "lists": [_listing(d) for d in finding.lists],
        "former": [_listing(d) for d in finding.former],
        "tracked": [_listing(d) for d in finding.tracked],
        "tie": None
        if tie is None
        else {
            "type": tie.relationship.type,
            "direction": tie.relationship.direction,
            "sentence": tie.sentence,
            "other": {"id": tie.other_id, "name": tie.other_name, "lists": list(tie.other_lists)},
            "start": tie.relationship.start,
            "end": tie.relationship.end,
            "sources": [urls[n] for n in tie.relationship.sources if n in urls],
            "path": path_dict(card, urls),
        },
        "checked": None
        if checked is None
        else {
            "lists": [
                {"list": c.id, "name": c.short_name, "edition": c.edition, "legal": c.legal}
                for c in checked.lists
            ],
            "not_held": list(checked.not_held),
        },
        "nearest": list(finding.nearest),
        "why": finding.why,
    }


def path_dict(card: EntityCard | None, urls: dict[int, str]) -> list[dict[str, Any]] | None:
    """The path to the nearest listed owner (``registry.owners``): its hops, each with its
    sources' URLs; the last hop's ``to`` is the listed owner."""
    path = card.owner_path if card else None
    if path is None:
        return None
    return [
        {
            "from": {"id": h.from_id, "name": h.from_name},
            "to": {"id": h.to_id, "name": h.to_name},
            "type": h.type,
            "sources": [urls[n] for n in h.sources if n in urls],
        }
        for h in path.hops
    ]


def card_dict(card: EntityCard, reply: LookupReply) -> dict[str, Any]:
    by_number = {s.number: s for s in card.sources}
    return {
        "id": card.id,
        "key": card.key,
        "name": card.name,
        "native_name": card.native_name,
        "native_name_sources": list(card.native_name_sources),
        "kind": card.kind,
        "country": card.country,
        "aliases": list(card.aliases),
        "summary": card.summary,
        "score": reply.score,
        "matched_on": reply.matched_on,
        "how": reply.how.text if reply.how is not None else None,
        "verdict": finding_dict(reply.card_finding, card),
        "designations": [
            {
                **_listing(d),
                "status": d.status,
                "reason": d.reason,
                "reason_source_url": by_number[d.reason_source].url if d.reason_source else None,
                "end_source_url": by_number[d.end_source].url if d.end_source else None,
                "restriction": strongest_restriction(d.licence_policy),
                "short_name": d.label,
                "next_step": d.next_step,
                "next_step_url": d.next_step_url,
                "licence_requirement": d.licence_requirement,
                "licence_policy": d.licence_policy,
                "programmes": d.programmes,
            }
            for d in card.designations
        ],
        "owner_path": None
        if card.owner_path is None
        else {
            "hops": path_dict(card, {s.number: s.url for s in card.sources}),
            "listed": [
                {"list": x.list_id, "name": x.short_name, "start": x.start, "years": x.years}
                for x in card.owner_path.listed
            ],
            "ownership": card.owner_path.ownership,
            "rules": [
                {
                    "id": r.id,
                    "name": r.name,
                    "status": r.status,
                    "status_date": r.status_date,
                    "status_until": r.status_until,
                    "status_source_url": r.status_source.url,
                    "source_url": r.source.url,
                }
                for r in card.owner_path.rules
            ],
        },
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
        "identifiers": [
            {
                "scheme": i.scheme,
                "value": i.value,
                "source_url": by_number[i.source].url if i.source else None,
            }
            for i in card.identifiers
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
    return {
        "id": c.id,
        "name": c.name,
        "score": c.score,
        "matched_on": c.matched_on,
        "how": c.how.text,
    }


def check_line_dict(line: CheckLine) -> dict[str, Any]:
    """One name of a quick check (``verdict``: a ``handlers.replies.Level``, in its words)."""
    return {
        "query": clean_text(line.query),
        "verdict": line.verdict.words,
        "name": line.name,
        "entity_id": line.entity_id,
        "detail": line.detail,
        "how": line.how.text if line.how is not None else None,
        "candidates": [candidate_dict(c) for c in line.candidates],
        # The same verdict object as ``match.verdict`` (``verdict`` above stays the
        # check list's word: listed, tied, formerly listed, ...).
        "finding": finding_dict(line.finding) if line.finding else None,
    }


def reply_dict(reply: Reply, query: str | None = None) -> dict[str, Any]:
    """``reply`` as JSON, every string inert; ``query``: the name as the caller read it
    (a partner file's cell), echoed in place of the reply's own."""
    shown = _inert(_reply_dict(reply))
    if query is not None:
        shown["query"] = clean_text(query)
    return shown


def _inert(node: Any) -> Any:
    """``node`` with every string (and key) cleaned; prose keeps its line breaks."""
    if isinstance(node, str):
        return clean_text(node, multiline=True)
    if isinstance(node, dict):
        return {_inert(k): _inert(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_inert(v) for v in node]
    return node


def _reply_dict(reply: Reply) -> dict[str, Any]:
    body = reply.body
    if isinstance(body, LookupReply):
        return {
            "query": clean_text(body.query),
            "status": body.status.value,
            # The answer's verdict: for a match, the same as ``match.verdict``; for a
            # "did you mean", no verdict on the best guess (``did_you_mean``).
            "verdict": finding_dict(body.finding, body.card),
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
        return {
            "status": "error",
            "error": body.message,
            "hint": body.hint,
            "verdict": finding_dict(body.finding),
        }
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
                    "chinese_names": v.chinese_names,
                    "last_import": v.last_import,
                    "sync": _sync_dict(v.sync),
                    "rhythm": v.rhythm,
                    "stale": v.stale,
                    "held": v.held,
                    "persons_not_loaded": v.out_of_scope,
                }
                for v in body.lists
            ],
            "rules": [
                {
                    "id": r.id,
                    "name": r.name,
                    "authority": r.authority,
                    "applies_to": list(r.applies_to),
                    "effect": r.effect,
                    "source": {"title": r.source.title, "url": r.source.url},
                    "status": r.status,
                    "status_date": r.status_date,
                    "status_until": r.status_until,
                    "status_note": r.status_note,
                    "status_source": {"title": r.status_source.title, "url": r.status_source.url},
                }
                for r in body.rules
            ],
        }
    if isinstance(body, NoticeReply):
        return {"status": "ok", "message": body.text, "lines": list(body.lines)}
    if isinstance(body, GraphReply):
        net = body.network
        return {
            "status": "graph",
            "centre": net.centre_id,
            "nodes": [
                {
                    "id": n.id,
                    "name": n.name,
                    "native_name": n.native_name,
                    "layer": n.layer,
                    "lists": list(n.lists),
                }
                for n in net.nodes
            ],
            "edges": [{"from": e.subject_id, "to": e.object_id, "type": e.type} for e in net.edges],
            "omitted": net.omitted,
            "data_date": net.data_date,
            "newest_edition": net.newest_edition,
            "alt_text": net.alt_text(),
        }
    raise TypeError(type(body))


def _sync_dict(view: SyncView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "source": view.source,
        "urls": list(view.urls),
        "last_attempt": view.last_attempt,
        "last_change": view.last_change,
        "edition": view.edition,
        "last_error": view.last_error,
        "failures_in_a_row": view.failures,
        "failing": view.failing,
    }
