"""The tables. Alembic migrations (migrations/versions) create them; a test checks both agree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import (
    true as sa_true,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

STATE_CHECK = "state IN ('issued', 'assigned', 'fixed', 'closed')"
# skipped: a warning overtaken before it went out (item fixed, deadline extended, higher level).
NOTICE_STATUS_CHECK = "status IN ('pending', 'sending', 'sent', 'dead', 'skipped')"
DEADLINE_KIND_CHECK = "deadline_kind IN ('date', 'immediate', 'standing')"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite keeps no offset, so naive values read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stamps() -> list[Column[Any]]:
    return [
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    ]


units = Table(
    "units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("email", String(200)),
    Column("phone", String(40)),
    # A group such as 乡镇: a ledger row for 各乡镇 fans out to every unit in it.
    Column("unit_group", String(50), index=True),
    # A retired unit (撤并) keeps its history but is offered no new items.
    Column("active", Boolean, nullable=False, default=True, server_default=sa_true()),
)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, index=True),
    Column("unit_id", ForeignKey("units.id"), nullable=False, index=True),
    Column("email", String(200)),
    Column("phone", String(40)),
    Column("is_head", Boolean, nullable=False, default=False),
    # office (督查室 staff), leader (县领导) or unit (a unit's own people): what the person may
    # do beyond their own unit's items.
    Column("role", String(10), nullable=False, default="unit", server_default="unit"),
    # The operating-system or database user that identifies the person (identity: os|database).
    Column("login", String(100), unique=True),
    # A retired person (离岗) keeps their history, gets no new items and no notices.
    Column("active", Boolean, nullable=False, default=True, server_default=sa_true()),
    UniqueConstraint("unit_id", "name", name="uq_people_unit_name"),
    CheckConstraint("role IN ('office', 'leader', 'unit')", name="role"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("policy", String(50), nullable=False),
    Column("leader_id", ForeignKey("people.id")),
    Column("created_at", UTCDateTime(), nullable=False),
)

# The last number handed out for each ref prefix (P, T, R), so bulk imports can take a block.
counters = Table(
    "counters",
    metadata,
    Column("prefix", String(1), primary_key=True),
    Column("last", Integer, nullable=False),
)

# One row per ledger import, so importing the same file again is recognised and named.
imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", ForeignKey("campaigns.id"), nullable=False, index=True),
    Column("filename", Text, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("mode", String(10), nullable=False),  # new | update
    Column("rows", Integer, nullable=False),
    Column("summary", Text),
    Column("actor", String(100), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    CheckConstraint("mode IN ('new', 'update')", name="mode"),
)

problems = Table(
    "problems",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(20), nullable=False, unique=True),
    Column("campaign_id", ForeignKey("campaigns.id"), nullable=False),
    Column("ledger_no", String(20)),
    Column("source", Text),
    Column("category", Text),
    Column("title", Text, nullable=False),
    # 责任领导: the county leader in charge of the problem; red warnings and digests go to them
    # as well as to the campaign leader.
    Column("leader_id", ForeignKey("people.id"), index=True),
    Column("state", String(10), nullable=False),
    Column("definition_version", Integer, nullable=False),
    *_stamps(),
    CheckConstraint(STATE_CHECK, name="state"),
    # A campaign's problems, and those of a revised ledger's chunk by 序号 (0009).
    Index("ix_problems_campaign_ledger_no", "campaign_id", "ledger_no"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(20), nullable=False, unique=True),
    Column("problem_id", ForeignKey("problems.id"), nullable=False, index=True),
    Column("title", Text, nullable=False),
    # NULL for a standing task (长期坚持), which has no end date.
    Column("deadline", Date),
    Column("deadline_kind", String(10), nullable=False, default="date", server_default="date"),
    # The ledger import that created the task, and the key of its ledger row (序号, 整改措施,
    # 责任单位), by which a second import of the same ledger is recognised.
    Column("import_id", ForeignKey("imports.id"), index=True),
    Column("ledger_key", String(64), index=True),
    Column("state", String(10), nullable=False),
    Column("definition_version", Integer, nullable=False),
    *_stamps(),
    CheckConstraint(STATE_CHECK, name="state"),
    CheckConstraint(DEADLINE_KIND_CHECK, name="deadline_kind"),
)

items = Table(
    "responsibility_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(20), nullable=False, unique=True),
    Column("task_id", ForeignKey("tasks.id"), nullable=False, index=True),
    # 明确到人、到时间、到单位: none of the three may be missing.
    Column("unit_id", ForeignKey("units.id"), nullable=False, index=True),
    Column("person_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("role", String(10), nullable=False),
    # NULL for a standing item (长期坚持): it never escalates on a deadline.
    Column("deadline", Date),
    # date: a deadline as written; immediate: 立行立改 (import day + the policy's
    # immediate_days); standing: 长期坚持, with progress reports (整改进展) instead.
    Column("deadline_kind", String(10), nullable=False, default="date", server_default="date"),
    # The ledger's own words on progress or target (整改进展, 完成情况, 整改目标), kept as text.
    Column("ledger_note", Text),
    # When the last progress report (整改进展) was recorded, for standing items.
    Column("last_progress_at", UTCDateTime()),
    Column("state", String(10), nullable=False),
    Column("level", String(10), nullable=False, default="none"),
    # 延期: each approved extension moves the deadline and starts a new deadline version, under
    # which every warning level may fire once more.
    Column("original_deadline", Date),
    Column("deadline_version", Integer, nullable=False, default=1, server_default="1"),
    Column("extension_count", Integer, nullable=False, default=0, server_default="0"),
    Column("definition_version", Integer, nullable=False),
    *_stamps(),
    CheckConstraint(STATE_CHECK, name="state"),
    CheckConstraint("role IN ('lead', 'cooperate')", name="role"),
    CheckConstraint("level IN ('none', 'blue', 'yellow', 'red')", name="level"),
    CheckConstraint(DEADLINE_KIND_CHECK, name="deadline_kind"),
    Index("ix_responsibility_items_state_deadline", "state", "deadline"),
    # The sweep: items below a level whose deadline is within that level's cutoff (0006).
    Index("ix_responsibility_items_state_level_deadline", "state", "level", "deadline"),
)

# The audit trail. Database triggers refuse UPDATE and DELETE on it (see the first migration).
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("ref", String(20), nullable=False, index=True),
    Column("trigger", String(30), nullable=False),
    Column("from_state", String(10)),
    Column("to_state", String(10), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("note", Text),
    # The hash chain (workflow/audit.py): SHA-256 of the row before and of this row's content
    # with that hash, so an edited, inserted or deleted row breaks the chain where it was.
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False),
)

# Changes to the directory and other records that are not state moves: who changed which
# field of which unit, person, campaign or notice, from what to what. Append-only like
# audit_events (database triggers, migration 0003).
change_log = Table(
    "change_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # unit | person | campaign | notice | ...
    Column("ref", String(100), nullable=False, index=True),  # unit code, person id, ...
    Column("field", String(40), nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("actor", String(100), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("note", Text),
)

evidence_blobs = Table(
    "evidence_blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("audit_events.id"), nullable=False, index=True),
    Column("filename", Text, nullable=False),
    Column("sha256", ForeignKey("evidence_blobs.sha256"), nullable=False),
)


extensions = Table(
    "extensions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("responsibility_items.id"), nullable=False, index=True),
    Column("status", String(10), nullable=False),
    Column("current_deadline", Date, nullable=False),
    Column("requested_deadline", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("decided_by", String(100)),
    Column("decided_at", UTCDateTime()),
    Column("decision_note", Text),
    CheckConstraint("status IN ('pending', 'approved', 'refused')", name="status"),
)

# The outbox: a notice is written in the transaction of the event that causes it and sent
# later by `deliver`. The unique key is what makes a repeated sweep queue nothing twice.
notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    # NULL for a digest, which covers many items (its table is kept in `note`).
    Column("item_id", ForeignKey("responsibility_items.id"), index=True),
    Column("event", String(20), nullable=False),
    # event plus what makes it one of a kind: 'red', 'rejected:812' (its audit row), ...
    Column("event_key", String(60), nullable=False),
    Column("deadline_version", Integer, nullable=False),
    Column("deadline", Date),  # NULL for standing items (长期坚持)
    Column("recipient", String(40), nullable=False),  # person:12, unit:3, leader:7
    Column("recipient_name", String(100), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("address", String(200), nullable=False),
    Column("note", Text),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime()),
    Column("last_error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    UniqueConstraint(
        "item_id", "event_key", "deadline_version", "recipient", "channel", name="uq_notices_once"
    ),
    CheckConstraint(NOTICE_STATUS_CHECK, name="status"),
    # The delivery claim takes due notices in this order (0008).
    Index("ix_notices_due_order", "status", "next_attempt_at", "id"),
    # A digest goes once per recipient, channel and day (event_key 'digest:2026-11-28').
    Index(
        "uq_notices_digest",
        "event_key",
        "recipient",
        "channel",
        unique=True,
        sqlite_where=text("item_id IS NULL"),
        postgresql_where=text("item_id IS NULL"),
    ),
)

# One row per sweep slot that a scheduler process has claimed, so two processes sharing the
# database never run the same slot twice.
sweep_slots = Table(
    "sweep_slots",
    metadata,
    Column("slot", String(40), primary_key=True),
    Column("claimed_by", String(100), nullable=False),
    Column("claimed_at", UTCDateTime(), nullable=False),
)

# Statutory holidays and make-up working days (调休), seeded from chinese-calendar, editable.
calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("name", String(50)),
    Column("source", String(20), nullable=False),
    CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),
)

# Personal login links for the web (issue 9): only the SHA-256 of each token is kept, so the
# table read by someone else opens nothing. A link ends at expires_at or when revoked.
web_links = Table(
    "web_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
    Column("revoked_by", String(100)),
)

# Values the application makes for itself and every process must share, such as the web's
# session-signing key when the settings give none.
app_settings = Table(
    "app_settings",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", Text, nullable=False),
)
