"""No silent overwrite: every edited record has a version, every edit form carries the version
it was opened at, and a save made on an older version is refused the same way everywhere.

- Models: `Versioned` gives a record a `version` that the ORM checks and bumps on every
  UPDATE (`version_id_col`), so two saves in the same instant cannot both land either.
  (Cases have theirs from `tracker.case_records.CaseRecord`, which works the same way.)
- Forms: `forms.base.VersionedForm` adds the hidden `version` field.
- Views: `opened_at(form, record)` fills the field when the form is shown; `check(form,
  record)` raises `StaleRecord` when the record moved on; on `STALE` (that, or the ORM's
  StaleDataError) `refuse(form, record)` rolls back and puts a message on the form naming who
  changed the record, when and what (from the audit trail), and answers 409. The form is
  shown again with the user's typed values and the record's current version, so a second
  save, made knowingly, goes through. A form with no visible field the refusal is about (a
  single button) takes the message from `refusal(form, record)` instead, and shows it in an
  error summary whose link goes to something visible (components/stale_refusal.html).
"""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import request
from sqlalchemy.orm.exc import StaleDataError

from tracker.extensions import db
from tracker.timeutil import format_datetime


class StaleRecord(Exception):
    """Someone else saved the record after this user opened it: their save is refused."""

    def __init__(self, record, changed_fields=()):
        super().__init__(getattr(record, "reference", ""))
        self.record = record
        self.case = record
        self.changed_fields = list(changed_fields)


# What a view catches to refuse a stale save.
STALE = (StaleRecord, StaleDataError)


class Versioned:
    """Mixin: a record changed through an edit form; each save checks and bumps its version.

    `__record_noun__` names the record in the refusal ("this information request").
    """

    __record_noun__ = "record"

    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")

    @so.declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805 (declared_attr takes the class)
        return {"version_id_col": cls.__table__.c.version}


def current_version(record) -> int:
    """The record's version now; 0 for a record that does not exist yet (a setting that is
    still the default), so a form opened before someone else created it is refused too."""
    return 0 if record is None else record.version


def _opened(submitted) -> int:
    try:
        return int(submitted)
    except (TypeError, ValueError):
        return -1


def check_version(record, submitted_version, changed_fields=()) -> None:
    """Refuse a save based on an older version of the record (optimistic locking).

    `submitted_version` is the version the form was opened at (a hidden field): a missing
    or unreadable one is refused too, since what the user saw cannot be known.
    """
    if _opened(submitted_version) != current_version(record):
        raise StaleRecord(record, changed_fields)


def opened_at(form, record) -> None:
    """Put the record's version in the form when the form is shown (GET)."""
    if request.method == "GET":
        form.version.data = str(current_version(record))


def check(form, record, differences=()) -> None:
    """StaleRecord when the record moved on since the form was opened. `differences` names
    what the saved record now says differently from the form, where the audit trail of the
    record alone cannot (a case's meeting is a row of its own)."""
    check_version(record, form.version.data, differences)


def refuse(form, record, *, noun=None, on=None, stale=None, then=None) -> int:
    """Roll back, tell the user their save was refused and why, keep what they typed; 409.

    The message goes in the form's errors (the page's GOV.UK error summary), on the field
    named `on` when given (a visible field the summary can link to), else on the version.
    The form's version becomes the record's current one: the user has been told what
    changed, so saving again overwrites knowingly. `then`: what the user should do now, where
    "your answers are still below" would not be true of the page.
    """
    message = refusal(form, record, noun=noun, stale=stale, then=then)
    field = getattr(form, on) if on else form.version
    field.errors = [*(field.errors or []), message] if on else [message]
    return 409


def refusal(form, record, *, noun=None, stale=None, then=None) -> str:
    """Roll back and return the refusal's message, for a page whose form has no visible field
    it is about (a single button): the page shows it in an error summary linking to what is
    visible (components/stale_refusal.html), not on the hidden version field, where the
    summary's link would lead nowhere. The form's version becomes the record's current one,
    as in `refuse`; the caller answers 409."""
    opened = _opened(form.version.data)
    db.session.rollback()
    message = stale_message(record, opened, form, noun=noun, then=then,
                            differences=getattr(stale, "changed_fields", ()))
    form.version.data = str(current_version(record))
    return message


def stale_message(record, opened: int, form=None, *, noun=None, differences=(),
                  then=None) -> str:
    """Who changed the record after version `opened`, when, and which of its answers; then
    what the user should do now."""
    noun = noun or getattr(record, "__record_noun__", "record")
    who, when, columns = changes_since(record, opened)
    labels = _labels(columns, form)
    labels += [label for label in differences
               if label.lower() not in {known.lower() for known in labels}]
    what = f" ({', '.join(labels)})" if labels else ""
    when = f" on {when}" if when else ""
    then = then or ("Your answers are still below: check them against the saved record and "
                    "save again")
    return (f"{who} changed this {noun}{what}{when}, after you opened this page, so your "
            f"changes have not been saved. {then}")


def changes_since(record, opened: int):
    """(who, when, columns) of the saves of `record` after version `opened`, read from its
    audit trail: each save bumps the version once and writes one update row of its changes,
    so the latest (current - opened) such rows are the saves the user missed."""
    from tracker.audit import Action, AuditEvent

    if record is None or getattr(record, "id", None) is None:
        return "Someone else", None, []
    missed = current_version(record) - opened if opened >= 0 else 1
    if missed <= 0:
        return "Someone else", None, []
    rows = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == type(record).__name__,
               AuditEvent.object_id == str(record.id),
               AuditEvent.action == Action.UPDATE.value)
        .order_by(AuditEvent.id.desc()).limit(2 * missed + 5)
    ).all()
    # Rows written by hand (a reason, a changed membership) carry no column changes. Where
    # the version is bumped by hand (the user table, which signing in also updates), a save
    # is a row that changed the version.
    by_hand = sa.inspect(type(record)).version_id_col is None
    saves = [row for row in rows
             if row.changes and (not by_hand or "version" in row.changes)][:missed]
    if not saves:
        return "Someone else", None, []
    columns = []
    for row in reversed(saves):
        columns += [key for key in row.changes if key not in columns]
    last = saves[0]
    who = last.user.full_name if last.user is not None else "Someone else"
    return who, format_datetime(last.occurred_at), columns


_NOT_ANSWERS = {"version", "updated_at", "created_at", "id", "partnership_id",
                "created_by_id", "updated_by_id"}


def _labels(columns, form) -> list[str]:
    """The changed columns as the form labels them (or in plain words)."""
    labels = []
    for column in columns:
        if column in _NOT_ANSWERS:
            continue
        field = getattr(form, column, None) if form is not None else None
        if field is None and column.endswith("_id") and form is not None:
            field = getattr(form, column[:-3], None)  # owner_id: the "owner" field
        label = (field.label.text if field is not None and getattr(field, "label", None)
                 else column.replace("_", " ").capitalize()).removesuffix(" (optional)")
        if label not in labels:
            labels.append(label)
    return labels
