"""The registry's tables, as typed SQLAlchemy 2 models.

Provenance is structural: a designation cannot exist without a source (NOT NULL), an
entity summary cannot exist without one (CHECK), and a relationship cannot be flushed
without at least one citation (see ``registry.provenance``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names keep Alembic's batch mode (SQLite) and PostgreSQL in step.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class EntityKind(StrEnum):
    COMPANY = "company"
    UNIVERSITY = "university"
    RESEARCH_INSTITUTE = "research_institute"
    MILITARY_UNIT = "military_unit"
    STATE_OWNED_GROUP = "state_owned_group"
    GOVERNMENT_BODY = "government_body"
    PROGRAMME = "programme"
    OTHER = "other"


class RelationType(StrEnum):
    """Typed ties between organisations; ``subject <type> object`` reads as a sentence."""

    SUBSIDIARY_OF = "subsidiary_of"
    JOINT_LAB = "joint_lab"
    JOINT_VENTURE = "joint_venture"
    SUPPLIES = "supplies"
    RESEARCH_PARTNER = "research_partner"
    CO_FOUNDED = "co_founded"
    COLLABORATES_WITH = "collaborates_with"
    SUPERVISED_BY = "supervised_by"
    HOSTED_BY = "hosted_by"
    OTHER = "other"


class ChangeKind(StrEnum):
    ENTITY_ADDED = "entity_added"
    NAME_ADDED = "name_added"
    DESIGNATION_ADDED = "designation_added"
    DESIGNATION_ENDED = "designation_ended"
    # A period an earlier edition closed, reopened by a later one: a relisting.
    DESIGNATION_REOPENED = "designation_reopened"
    RELATIONSHIP_ADDED = "relationship_added"
    IDENTIFIER_ADDED = "identifier_added"
    # Entity resolution: two entities found to be one organisation, and its undoing.
    ENTITY_MERGED = "entity_merged"
    ENTITY_UNMERGED = "entity_unmerged"


class Source(Base):
    """A document that backs claims: a list edition, an article, a dataset."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    publisher: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    # As precise as the publisher states it: "2021-07" or "2026-06-08".
    published: Mapped[str | None] = mapped_column(String(10))

    __table_args__ = (UniqueConstraint("url", "title", name="uq_sources_url_title"),)


class Entity(Base):
    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A stable slug: survives re-imports and is what cards, buttons and exports refer to.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default=EntityKind.COMPANY)
    name: Mapped[str] = mapped_column(String(500))
    native_name: Mapped[str | None] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(8))
    summary: Mapped[str | None] = mapped_column(Text)
    summary_source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    aliases: Mapped[list[Alias]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", order_by="Alias.id"
    )
    identifiers: Mapped[list[Identifier]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", order_by="Identifier.id"
    )
    designations: Mapped[list[Designation]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", order_by="Designation.start"
    )
    summary_source: Mapped[Source | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "summary IS NULL OR summary_source_id IS NOT NULL", name="summary_has_source"
        ),
    )


class Alias(Base):
    __tablename__ = "aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str | None] = mapped_column(String(8))
    # Short acronyms ("HIT", "PLA") are weak: they answer an exact query but never a fuzzy
    # or partial one, and never count as a name found inside running text on their own.
    weak: Mapped[bool] = mapped_column(default=False)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))

    entity: Mapped[Entity] = relationship(back_populates="aliases")
    source: Mapped[Source | None] = relationship()

    __table_args__ = (UniqueConstraint("entity_id", "name", name="uq_aliases_entity_name"),)


class Identifier(Base):
    """Registration codes, e.g. a Unified Social Credit Code (scheme ``uscc``)."""

    __tablename__ = "identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(100))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))

    entity: Mapped[Entity] = relationship(back_populates="identifiers")
    source: Mapped[Source | None] = relationship()

    __table_args__ = (UniqueConstraint("scheme", "value", name="uq_identifiers_scheme_value"),)


class Designation(Base):
    """One listing period of an entity on a public list; a relisting is a new row."""

    __tablename__ = "designations"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    list_id: Mapped[str] = mapped_column(String(40))
    list_name: Mapped[str] = mapped_column(String(200))
    start: Mapped[dt.date | None] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    # The edition that states the start (``source``), the one that states the reason
    # when a later edition gives it, and the one that states the end with its reason
    # ("No apparent U.S. nexus" is why a party was removed, not why it was listed).
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    # What the listing requires, as the list's own entry states it (the Entity List's
    # licence requirement and licence review policy): the legal meaning of this listing.
    licence_requirement: Mapped[str | None] = mapped_column(Text)
    licence_policy: Mapped[str | None] = mapped_column(Text)
    # The sanctions programmes the entry names (OFAC's SDN codes, "SDGT; IRAN-EO13846"),
    # as the list states them: which legal authority the listing rests on.
    programmes: Mapped[str | None] = mapped_column(Text)
    # Why the period ended when the list gives no end date ("not in the edition of
    # 2025-11-08"), cited to that edition; None for an end date the list states.
    end_note: Mapped[str | None] = mapped_column(String(200))
    reason_source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    end_reason: Mapped[str | None] = mapped_column(Text)
    end_source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))

    entity: Mapped[Entity] = relationship(back_populates="designations")
    source: Mapped[Source] = relationship(foreign_keys=[source_id])
    end_source: Mapped[Source | None] = relationship(foreign_keys=[end_source_id])
    # Further documents behind the listing (each Federal Register notice that amended
    # the entry, the list edition it was read from), beside the main ``source``.
    citations: Mapped[list[Source]] = relationship(secondary="designation_sources")
    reason_source: Mapped[Source | None] = relationship(foreign_keys=[reason_source_id])

    __table_args__ = (
        UniqueConstraint("entity_id", "list_id", "start", name="uq_designations_period"),
        Index("ix_designations_list", "list_id"),
    )


designation_sources = Table(
    "designation_sources",
    Base.metadata,
    Column(
        "designation_id",
        ForeignKey("designations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("source_id", ForeignKey("sources.id"), primary_key=True),
)


relationship_sources = Table(
    "relationship_sources",
    Base.metadata,
    Column(
        "relationship_id",
        ForeignKey("relationships.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("source_id", ForeignKey("sources.id"), primary_key=True),
)


class Relationship(Base):
    """``subject <type> object``, e.g. Baidu joint_lab CETC 28th Research Institute."""

    __tablename__ = "relationships"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    object_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    # Partial dates as published ("2015", "2019-06"): inventing a day would invent a fact.
    start: Mapped[str | None] = mapped_column(String(10))
    end: Mapped[str | None] = mapped_column(String(10))
    summary: Mapped[str | None] = mapped_column(Text)

    subject: Mapped[Entity] = relationship(foreign_keys=[subject_id])
    object: Mapped[Entity] = relationship(foreign_keys=[object_id])
    sources: Mapped[list[Source]] = relationship(secondary=relationship_sources)

    __table_args__ = (
        UniqueConstraint("subject_id", "object_id", "type", name="uq_relationships_triple"),
        Index("ix_relationships_object", "object_id"),
    )


class Merge(Base):
    """Two entities found to be one organisation: which key said so, and what moved.

    ``moved`` records the rows that changed hands (alias, identifier, designation,
    relationship, change and subscription ids, and the merged entity's own fields), so a
    merge can be explained on a card and undone by ``registry.resolution.unmerge``. An
    undone merge stays as a row (``undone_at``): the resolution step reads it as "keep
    these two apart" and never redoes it.
    """

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), index=True
    )
    kept_key: Mapped[str] = mapped_column(String(200))
    merged_key: Mapped[str] = mapped_column(String(200), index=True)
    merged_name: Mapped[str] = mapped_column(String(500))
    rule: Mapped[str] = mapped_column(String(40))  # identifier | name | alias | decision
    evidence: Mapped[str] = mapped_column(Text)  # "USCC 9111...", "name 'china spacesat'"
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ImportRun(Base):
    """One load of one or more files; change-log rows point at the run that wrote them."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    edition: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class HeldEdition(Base):
    """A publisher's edition the import guard (``registry.guard``) kept out of the
    registry: it would have ended too many listings, was much shorter than the last one,
    older than the one loaded, or lacked columns. Nothing of it was written; an operator
    imports it with ``--accept`` once they have looked at it."""

    __tablename__ = "held_editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40), index=True)  # the importer id
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    # sha256 of the files' bytes: the same edition held again is not announced again.
    digest: Mapped[str] = mapped_column(String(64))
    edition: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    held_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # When the admins' channel was told (once per held edition).
    announced_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set when an operator accepted it (or a later edition of the source was imported).
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(String(40))


class SyncState(Base):
    """What ``mcf-bot sync`` knows of one source: the validators and hashes of the files it
    last imported (``files``: file id -> url, etag, last_modified, sha256, bytes), and the
    outcome of its last attempts, for ``mcf-bot sources`` and the App Home."""

    __tablename__ = "sync_state"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    files: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_change_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row, since the last success
    edition: Mapped[str | None] = mapped_column(String(40))
    import_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_runs.id", ondelete="SET NULL")
    )


class Change(Base):
    """One row per registry change, written in the transaction that made it."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), index=True
    )
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    source_file: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Subscription(Base):
    """A channel's standing request: everything new, one list, or one organisation.

    ``topic`` is the canonical form ("all", "list:us-1260h", "entity:42", "name:<key>")
    that makes a channel's subscriptions unique without NULL-comparison pitfalls.
    """

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[str | None] = mapped_column(String(40))
    channel_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # all | list | watch
    list_id: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id", ondelete="SET NULL"))
    watch_name: Mapped[str | None] = mapped_column(String(300))
    # A new subscription starts from now: only changes after this id reach it.
    start_after_change_id: Mapped[int] = mapped_column(default=0)
    # Planning has read the change log up to here (a settled position): later passes read
    # only what came after, so an idle pass reads nothing old.
    scanned_to_change_id: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    paused_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    paused_reason: Mapped[str | None] = mapped_column(String(200))
    # Platform address beyond the channel id (a Teams conversation reference).
    conversation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Watches: the verdict on the watched organisation the channel last heard
    # (``handlers.replies.Level`` values; "no_match" for a name not in the registry yet).
    # A digest says "was <this>, now <new>" and stores the new one in the same
    # transaction as the outbox message, so the change is told once.
    verdict: Mapped[str | None] = mapped_column(String(40))

    entity: Mapped[Entity | None] = relationship()

    __table_args__ = (
        UniqueConstraint("platform", "channel_id", "topic", name="uq_subscriptions_topic"),
    )


class OutboxMessage(Base):
    """One message to one channel, rendered before it is sent so a retry sends the
    same thing. ``nonce`` travels in the message metadata: after a crash the worker
    looks for it in the channel before sending again."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(200))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|refused
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    remote_id: Mapped[str | None] = mapped_column(String(100))  # Slack ts
    # Why a message was refused (state "refused": Slack will never take it), or that it
    # was sent without the history check (the bot may not read that channel).
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_outbox_pending", "state", "channel_id"),)


class Delivery(Base):
    """Which change reached which subscription, and in which message: at most once."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))

    __table_args__ = (UniqueConstraint("subscription_id", "change_id", name="uq_deliveries_once"),)


class ScreeningRecord(Base):
    """One screening answered (a lookup, a row of a check or a file, a share): evidence
    for an audit of who asked what, when, and what the answer was against which list
    editions. Written once, never changed (``registry.records``); only the retention
    purge deletes rows."""

    __tablename__ = "screening_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    platform: Mapped[str] = mapped_column(String(20))  # slack | teams | cli
    user_id: Mapped[str] = mapped_column(String(200), index=True)
    team_id: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # lookup | check | share | pick | file
    batch: Mapped[str | None] = mapped_column(String(40))  # the rows of one check or file
    query: Mapped[str] = mapped_column(Text)
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    verdict: Mapped[str] = mapped_column(String(40))  # the answer's level, as it carries it
    entity_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    editions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # list id -> date
    # The answer's canonical JSON; with ``card_sha256`` set, with ``"card": null`` in place
    # of the card, whose text is kept once in ``record_cards`` (``registry.records``).
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    answer_sha256: Mapped[str] = mapped_column(String(64))  # of the whole answer, card in
    card_sha256: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("record_cards.sha256"), index=True
    )


class RecordCard(Base):
    """A card's canonical JSON text, kept once however many records show it (content
    addressed: the key is the SHA-256 of the text). Written once, never changed; only the
    retention purge deletes a card no record refers to any more."""

    __tablename__ = "record_cards"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    first_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RecordDecision(Base):
    """What a person decided on a screening record (cleared, escalate, do not proceed):
    a row of its own, so the record itself stays as it was written."""

    __tablename__ = "record_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("screening_records.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
