"""The append-only audit trail: who did what to which record, and when.

Changes to any model that inherits `Audited` are recorded automatically, in the same
transaction as the change (an `after_flush` hook inserts the rows on the flush's own
connection). Views, exports and sign-ins are recorded explicitly with `record()`.
"""

import enum
import re
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context, request
from flask_login import current_user

from tracker import security_log
from tracker.extensions import db
from tracker.timeutil import utcnow


class Action(enum.StrEnum):
    """What happened."""

    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    IMPORT = "import"
    LOGIN = "login"
    LOGOUT = "logout"
    FAILED_LOGIN = "failed_login"
    LOCKED_OUT = "locked_out"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 (an action name)
    TIMED_OUT = "timed_out"
    # Something refused for want of access when it was asked for (a built export's download).
    REFUSED = "refused"
    # An agency contact's one-time code: sent, and a wrong one entered.
    CODE_SENT = "code_sent"
    WRONG_CODE = "wrong_code"
    # Two-factor sign-in (tracker.two_factor); a wrong code is WRONG_CODE.
    TWO_FACTOR_SET_UP = "two_factor_set_up"
    TWO_FACTOR_RESET = "two_factor_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    # A signed-in session ended from the sessions page or by signing out (tracker.user_sessions).
    SESSION_ENDED = "session_ended"

    @property
    def label(self):
        """The action as shown on the audit page."""
        return self.value.replace("_", " ").capitalize()


class AuditEvent(db.Model):
    """One audit row. Rows are never updated or deleted (a database trigger refuses it)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_object", "object_type", "object_id"),
        # Newest first, in the page's own order: the page reads 50 rows off the index end
        # instead of sorting the whole trail.
        sa.Index("ix_audit_event_occurred_at_id", "occurred_at", "id"),
        # One user's events, newest first (also serves the foreign key).
        sa.Index("ix_audit_event_user_occurred", "user_id", "occurred_at", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    occurred_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    user_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    action: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    object_type: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    object_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    object_label: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    partnership_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="SET NULL"), index=True
    )
    changes: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    detail: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    ip_address: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    user = so.relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def action_label(self):
        """The action as users read it."""
        try:
            return Action(self.action).label
        except ValueError:
            return self.action


class AuditScrubPermit(db.Model):
    """Empty but for the moment retention clears identifying values from audit rows
    (tracker.disposal.scrub_audit): a row inserted and deleted in that one transaction, never
    committed, lets the append-only trigger accept an update of a row's `changes` and `detail`,
    and of its `object_label` to LABEL_REMOVED only; every other column, any other label, and
    any delete, are still refused."""

    __tablename__ = "audit_scrub_permit"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)


# What a scrubbed label becomes (tracker.disposal.REMOVED): the one value the triggers below
# (written out there) let a scrub write into object_label, so a permit can blank a label but
# never rewrite it.
LABEL_REMOVED = "(removed at disposal)"

# The triggers create_all() makes (migration 0001 carries its own frozen copy of the first
# version of this SQL, 0041_retention of the second, 0044_retention_free_text of this one). A
# scrub may change an audit row's changes and detail, and blank its label: every other column
# is compared.
APPEND_ONLY_DDL = {
    "sqlite": [
        'CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN NOT '
        'EXISTS (SELECT 1 FROM audit_scrub_permit) OR NEW.id IS NOT OLD.id OR '
        'NEW.occurred_at IS NOT OLD.occurred_at OR NEW.user_id IS NOT OLD.user_id OR '
        'NEW.user_email IS NOT OLD.user_email OR NEW.action IS NOT OLD.action OR '
        'NEW.object_type IS NOT OLD.object_type OR NEW.object_id IS NOT OLD.object_id OR '
        '(NEW.object_label IS NOT OLD.object_label AND NEW.object_label IS NOT '
        "'(removed at disposal)') OR NEW.partnership_id IS NOT "
        'OLD.partnership_id OR NEW.ip_address IS NOT OLD.ip_address BEGIN SELECT '
        "RAISE(ABORT, 'audit_event is append-only'); END",
        'CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT '
        "RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        'CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN'
        " IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_scrub_permit) AND (NEW.id, "
        'NEW.occurred_at, NEW.user_id, NEW.user_email, NEW.action, NEW.object_type, '
        'NEW.object_id, NEW.partnership_id, NEW.ip_address) IS NOT '
        'DISTINCT FROM (OLD.id, OLD.occurred_at, OLD.user_id, OLD.user_email, OLD.action,'
        ' OLD.object_type, OLD.object_id, OLD.partnership_id, OLD.ip_address) AND '
        '(NEW.object_label IS NOT DISTINCT FROM OLD.object_label OR NEW.object_label = '
        "'(removed at disposal)') THEN RETURN NEW; END IF; RAISE EXCEPTION 'audit_event is "
        "append-only'; END; $$ LANGUAGE plpgsql",
        'CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event FOR '
        'EACH ROW EXECUTE FUNCTION audit_event_append_only()',
    ],
}

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        sa.event.listen(
            AuditEvent.__table__,
            "after_create",
            sa.DDL(_statement).execute_if(dialect=_dialect),
        )


class Audited:
    """Mixin: inserts, updates and deletes of this model are written to the audit trail.

    Every column keeps its old value when set (active history), even when it was expired
    by a commit and set without being read, so an update row always shows old and new.

    `__audit_label__` names the attribute used as the record's readable label;
    `__audit_redact__` lists attributes whose values are never copied into the trail.
    `audit_skipped()` is true while a record is not yet anyone's record (an anonymous
    draft nobody has sent): its inserts, saves and purge write no rows.
    """

    __audit_label__ = None
    __audit_redact__ = frozenset()

    def audit_skipped(self) -> bool:
        return False


def _keep_old_value(target, value, oldvalue, initiator):
    """A no-op 'set' listener: registering it with active_history loads the old value."""
    return value


@sa.event.listens_for(so.Mapper, "mapper_configured")
def _active_history_for_audited(mapper, class_):
    """Make every column of an audited model load its old value before it is replaced."""
    if issubclass(class_, Audited):
        for attr in mapper.column_attrs:
            sa.event.listen(getattr(class_, attr.key), "set", _keep_old_value,
                            active_history=True, retval=True)


def _actor():
    """The signed-in user (or a CLI-set actor) responsible for the current change."""
    actor = g.get("audit_actor") if has_request_context() or _has_app_g() else None
    if actor is not None:
        return actor
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


class AgencyContactActor:
    """An actor who is no user: a directory contact who opened a personal link
    (tracker.agency_access). Rows carry no user id and "Agency contact <id>" as the e-mail
    column, so the trail names the contact without holding their address twice."""

    id = None

    def __init__(self, contact_id: int):
        self.contact_id = contact_id
        self.email = f"Agency contact {contact_id}"


def act_as_agency_contact(contact_id: int) -> None:
    """Audit everything written in this request under the directory contact."""
    g.audit_actor = AgencyContactActor(contact_id)


def _has_app_g():
    """Whether flask.g is usable (an app context is pushed)."""
    try:
        g.get("audit_actor")
    except RuntimeError:
        return False
    return True


def _jsonable(value):
    """A value as it should appear in the changes column."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _column_changes(obj, only_modified):
    """{column: [old, new]} for an object's column attributes, redacting where asked."""
    changes = {}
    state = sa.inspect(obj)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if only_modified and not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else (history.unchanged or [None])[0]
        if only_modified and old == new:
            continue
        if attr.key in obj.__audit_redact__:
            changes[attr.key] = ["(redacted)", "(redacted)"]
        else:
            changes[attr.key] = [_jsonable(old), _jsonable(new)]
    return changes


def _object_id(obj):
    """The record's primary key as text. (In after_flush a new object has its id but not yet
    an identity key, so read the key from the instance.)"""
    key = sa.inspect(obj).mapper.primary_key_from_instance(obj)
    return str(key[0]) if key and key[0] is not None else None


def _row_for(obj, action, changes):
    """An audit_event row (a dict) describing a change to obj."""
    label_attr = obj.__audit_label__
    label = getattr(obj, label_attr, None) if label_attr else None
    partnership_id = getattr(obj, "audit_partnership_id", None)
    if partnership_id is None and obj.__class__.__name__ == "Partnership":
        partnership_id = obj.id
    return {
        "action": action,
        "object_type": obj.__class__.__name__,
        "object_id": _object_id(obj),
        "object_label": str(label)[:200] if label is not None else None,
        "partnership_id": partnership_id,
        "changes": changes,
    }


@sa.event.listens_for(so.Session, "after_flush")
def _audit_after_flush(session, flush_context):
    """Write audit rows for every audited insert, update and delete in this flush."""
    rows = []
    for obj in session.new:
        if isinstance(obj, Audited) and not obj.audit_skipped():
            rows.append(_row_for(obj, Action.CREATE, _column_changes(obj, only_modified=False)))
    for obj in session.dirty:
        if (isinstance(obj, Audited) and not obj.audit_skipped()
                and session.is_modified(obj, include_collections=False)):
            changes = _column_changes(obj, only_modified=True)
            if changes:
                rows.append(_row_for(obj, Action.UPDATE, changes))
    for obj in session.deleted:
        if isinstance(obj, Audited) and not obj.audit_skipped():
            # What the record held, as [old, None], so a deletion can be read back later.
            kept = {key: [new, None] for key, (_, new) in
                    _column_changes(obj, only_modified=False).items()}
            rows.append(_row_for(obj, Action.DELETE, kept))
    if rows:
        base = _base_row()
        session.connection().execute(
            sa.insert(AuditEvent.__table__), [{**base, **row} for row in rows]
        )
        security_log.from_flush(base, rows)


def _base_row():
    """Who and where, common to every row written now."""
    actor = _actor()
    return {
        "occurred_at": utcnow(),
        "user_id": actor.id if actor is not None else None,
        "user_email": actor.email if actor is not None else None,
        "ip_address": request.remote_addr if has_request_context() else None,
        "detail": None,
    }


# Free text a user wrote as the reason for a change (a transfer, a reopening, a cancellation)
# can name a child. A row's detail carries it after this mark, and the trail shows it only to
# viewers who may see identifying details (detail_for_viewer); to others, "Reason recorded".
REASON_MARK = ". Reason: "
REASON_WITHHELD = ". Reason recorded"


def record(action, obj=None, *, detail=None, user=None, partnership_id=None, object_type=None,
           object_id=None, object_label=None, reason=None, changes=None):
    """Add an explicit audit row (view, export, sign-in…) to the current transaction.

    `reason` is free text a user gave for the change: kept after the detail (REASON_MARK),
    shown only to viewers who may see identifying details. `changes` (JSON) is for a bulk
    change made without the ORM, which writes no row of its own for each record.
    """
    if reason is not None:
        detail = f"{detail or ''}{REASON_MARK}{reason}"
    row = _base_row()
    if user is not None:
        row["user_id"], row["user_email"] = user.id, user.email
    row.update(
        action=Action(action).value,
        object_type=object_type or (obj.__class__.__name__ if obj is not None else None),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")) or None,
        object_label=object_label
        or (str(getattr(obj, obj.__audit_label__)) if isinstance(obj, Audited)
            and obj.__audit_label__ else None),
        partnership_id=partnership_id
        if partnership_id is not None
        else getattr(obj, "audit_partnership_id", None),
        changes=changes,
        detail=detail[:500] if detail else None,
    )
    db.session.add(AuditEvent(**row))
    security_log.from_audit(row)


# The details tracker/users.py writes when a user's partnerships are set or changed.
_PARTNERSHIPS_DETAIL = re.compile(
    r"Partnerships (?:set to (?P<set>.+)|changed from (?P<old>.+?) to (?P<new>.+))"
)


def detail_for_viewer(detail, own_codes, shows_reasons=False):
    """An audit row's detail as a viewer in the partnerships `own_codes` may read it.

    A reason a user wrote (after REASON_MARK) is shown only when `shows_reasons` (the viewer
    may see identifying details); otherwise the detail says that a reason was recorded.
    A detail listing a user's partnerships names only the viewer's own; the others are a
    count ("NSP, 1 other partnership"), as on the users pages, so an administrator of one
    partnership does not learn which other partnerships a shared user works for.
    """
    what, mark, _reason = (detail or "").partition(REASON_MARK)
    if mark and not shows_reasons:
        return f"{what}{REASON_WITHHELD}"
    match = _PARTNERSHIPS_DETAIL.fullmatch(detail or "")
    if match is None:
        # A detail cut at 500 characters no longer matches: say what happened, name nobody.
        return "Partnerships changed" if (detail or "").startswith("Partnerships ") else detail
    if match["set"] is not None:
        return f"Partnerships set to {_codes_for_viewer(match['set'], own_codes)}"
    old, new = (_codes_for_viewer(match[name], own_codes) for name in ("old", "new"))
    return f"Partnerships changed from {old} to {new}"


def _codes_for_viewer(listed, own_codes):
    """'NSP, SVP' as 'NSP, 1 other partnership' for a viewer in NSP only; 'none' stays."""
    codes = [] if listed == "none" else listed.split(", ")
    shown = [code for code in codes if code in own_codes]
    others = len(codes) - len(shown)
    if others:
        shown.append(f"{others} other partnership{'s' if others > 1 else ''}")
    return ", ".join(shown) or "none"
