"""What the retention kinds reuse to dispose of a record (tracker.retention): delete rows or
clear their free text with Core statements (so the ORM writes no per-row audit copy of what
went), and clear the audit trail's earlier copies of those values (scrub_audit).

A kind decides, column by column, what of its records may identify someone: `clear_columns`
sets such a column to NULL; `blank_text` writes REMOVED over a value that must stay non-NULL
(a NOT NULL column, or a reason whose presence the compliance figures count).
"""

from __future__ import annotations

import sqlalchemy as sa

from tracker.audit import LABEL_REMOVED
from tracker.extensions import db

REMOVED = LABEL_REMOVED  # "(removed at disposal)"


def _delete_referencing(table: sa.Table, ids) -> int:
    """Delete the rows of every table with a foreign key to `table` among `ids` (whatever its
    ON DELETE says: SQLite enforces none without the pragma), first clearing the audit
    trail's copies of them, then return how many went."""
    removed = 0
    # Children before parents: an agency answer goes only after the files attached to it.
    for other in reversed(db.metadata.sorted_tables):
        for key in other.foreign_keys:
            if key.column.table is table:
                model = _model_of(other)
                if model is not None and "id" in other.c:
                    scrub_audit(model.__name__, db.session.scalars(
                        sa.select(other.c.id).where(key.parent.in_(ids))).all(), labels=True)
                removed += db.session.execute(
                    sa.delete(other).where(key.parent.in_(ids))).rowcount
    return removed


def _model_of(table: sa.Table):
    """The mapped class of a table, or None (a table without a model)."""
    return next((mapper.class_ for mapper in db.Model.registry.mappers
                 if mapper.local_table is table), None)


def remove_agency_links(owner_type: str, owner_ids) -> int:
    """Delete the personal agency links of these records and all that hangs on them (their
    codes, sessions, answers and attached files), clearing the audit trail's copies of them;
    returns how many rows went."""
    from tracker import attachments
    from tracker.agency_links import AgencyLink

    link_ids = list(db.session.scalars(sa.select(AgencyLink.id).where(
        AgencyLink.owner_type == owner_type, AgencyLink.owner_id.in_(list(owner_ids)))))
    if not link_ids:
        return 0
    # The files agencies attached, with their rows (the files once the disposal commits).
    removed = attachments.remove_for_links(link_ids)
    removed += _delete_referencing(AgencyLink.__table__, link_ids)
    scrub_audit(AgencyLink.__name__, link_ids)
    return removed + db.session.execute(
        sa.delete(AgencyLink).where(AgencyLink.id.in_(link_ids))).rowcount


def remove_notices(owner_types, owner_ids, subjects=()) -> int:
    """Delete the in-app notices (reminder rows) of these records' stored deadlines, and of
    the (subject type, ids) pairs in `subjects`; the deadlines themselves stay (compliance
    counts them). Returns how many notices went."""
    from tracker.deadline_models import Deadline
    from tracker.reminders.models import Reminder
    from tracker.reminders.sources import DEADLINE

    deadline_ids = sa.select(Deadline.id).where(Deadline.owner_type.in_(list(owner_types)),
                                                Deadline.owner_id.in_(list(owner_ids)))
    removed = db.session.execute(sa.delete(Reminder).where(
        Reminder.subject_type == DEADLINE, Reminder.subject_id.in_(deadline_ids))).rowcount
    for subject_type, ids in subjects:
        removed += db.session.execute(sa.delete(Reminder).where(
            Reminder.subject_type == subject_type, Reminder.subject_id.in_(ids))).rowcount
    return removed


def delete_rows(model, column, ids) -> int:
    """Delete a model's rows whose `column` is among `ids` (Core: no per-row audit copy),
    first clearing what the audit trail holds of them (scrub_audit, their labels too)."""
    own = list(db.session.scalars(sa.select(model.id).where(column.in_(list(ids)))))
    if not own:
        return 0
    scrub_audit(model.__name__, own, labels=True)
    return db.session.execute(sa.delete(model).where(column.in_(list(ids)))
                              .execution_options(synchronize_session=False)).rowcount


def scrub_gone(model, column, ids) -> int:
    """Clear the audit rows of a model's rows that belonged to these records (`column` among
    `ids`) but were deleted before the disposal, such as an agency taken off a case or a
    cancelled meeting: their create and delete rows still hold every value they had, and no
    live row leads to them. Found by the owner's id in those rows' changes ([None, id] when
    made, [id, None] when deleted); returns how many audit rows were cleared."""
    from tracker.audit import AuditEvent

    if not ids:
        return 0
    key = column.key
    owners = {str(record_id) for record_id in ids}

    def owner(index):  # as text: a scrubbed row already holds REMOVED there
        return sa.cast(AuditEvent.changes[(key, index)].as_string(), sa.String)

    found = [(row_id, object_id) for row_id, object_id in db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.object_id)
        .where(AuditEvent.object_type == model.__name__,
               sa.or_(owner(0).in_(owners), owner(1).in_(owners))))
        if object_id and object_id.isdigit()]
    if not found:
        return 0
    audited = {object_id for _row_id, object_id in found}
    live = {str(row_id): str(owned_by) for row_id, owned_by in db.session.execute(
        sa.select(model.id, column).where(model.id.in_([int(i) for i in audited])))}
    cleared = scrub_audit(model.__name__, sorted(audited - live.keys()), labels=True)
    # An id SQLite gave again to another record's row (it reuses the highest id once that
    # row is deleted): only the audit rows that name one of these owners, not the new row's.
    reused = {object_id for object_id in audited & live.keys() if live[object_id] not in owners}
    if reused:
        cleared += scrub_audit(model.__name__, sorted(reused), labels=True,
                               audit_ids=[row_id for row_id, object_id in found
                                          if object_id in reused])
    return cleared


def ids_of(model, column, ids) -> list[int]:
    """The ids of a model's rows whose `column` is among `ids` (one query)."""
    return list(db.session.scalars(sa.select(model.id).where(column.in_(list(ids)))))


def clear_columns(model, ids, columns, labels=False) -> int:
    """Set these columns to NULL on a model's rows with these ids (Core: no audit copy of what
    they held), and clear their values from the audit trail (scrub_audit; with `labels`, the
    rows' labels too: a label that is one of these columns); returns how many rows changed."""
    ids = list(ids)
    if not ids:
        return 0
    scrub_audit(model.__name__, ids, keys=set(columns), labels=labels)
    return db.session.execute(sa.update(model).where(model.id.in_(ids))
                              .values({name: None for name in columns})
                              .execution_options(synchronize_session=False)).rowcount


def blank_text(model, where, columns, labels=False) -> int:
    """Write REMOVED over every non-NULL value of these columns on a model's rows matching
    `where` (a NULL stays NULL: the compliance figures count a reason by its presence), and
    clear their values from the audit trail of every such row (a reason since taken away is
    still in its audit rows); returns how many rows changed."""
    table = model.__table__
    ids = list(db.session.scalars(sa.select(model.id).where(where)))
    if not ids:
        return 0
    scrub_audit(model.__name__, ids, keys=set(columns), labels=labels)
    return db.session.execute(
        sa.update(table).where(table.c.id.in_(ids),
                               sa.or_(*(table.c[name].is_not(None) for name in columns)))
        .values({name: sa.case((table.c[name].is_(None), sa.null()), else_=REMOVED)
                 for name in columns})).rowcount


def clear_timeline(owner_type: str, owner_ids) -> int:
    """Write REMOVED over the text of these owners' timeline entries (a reason, an action's
    description, a date's why: any may name someone); what happened (kind) and when stay."""
    from tracker.timeline import TimelineEntry

    return blank_text(TimelineEntry, sa.and_(TimelineEntry.owner_type == owner_type,
                                             TimelineEntry.owner_id.in_(list(owner_ids))),
                      ("text",))


def clear_deadline_reasons(owner_types, owner_ids) -> int:
    """Write REMOVED over the free-text reasons of these records' stored deadlines (not
    applicable, paused, extended): the dates stay, and whether a reason was given, which the
    compliance figures count."""
    from tracker.deadline_models import Deadline

    return blank_text(Deadline, sa.and_(Deadline.owner_type.in_(list(owner_types)),
                                        Deadline.owner_id.in_(list(owner_ids))),
                      ("not_applicable_reason", "paused_reason", "extension_reason"))


def scrub_audit(object_type: str, ids, keys=None, labels=False, audit_ids=None) -> int:
    """Clear identifying values from the audit rows about these records: every value of
    their `changes` (or only those of `keys`), any reason a user wrote in the detail (after
    audit.REASON_MARK), and with
    `labels` their label (object_label: an action's label is its description); with
    `audit_ids`, only those audit rows of the records. Who did what
    and when stays. The append-only trigger accepts this update (of changes and detail, and
    of a label to REMOVED alone) only while the transaction holds a row of
    audit_scrub_permit, inserted and deleted here. Returns how many rows were cleared."""
    from tracker.audit import REASON_MARK, AuditEvent, AuditScrubPermit

    ids = [str(record_id) for record_id in ids]
    if not ids:
        return 0
    which = [AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids)]
    if audit_ids is not None:  # only these rows of those records
        which.append(AuditEvent.id.in_(list(audit_ids)))
    rows = db.session.execute(sa.select(AuditEvent.id, AuditEvent.changes, AuditEvent.detail,
                                        AuditEvent.object_label).where(*which)).all()
    updates = []
    for row_id, changes, detail, label in rows:
        cleared = dict(changes or {})
        for key in cleared:
            if keys is None or key in keys:
                cleared[key] = [None if value is None else REMOVED
                                for value in (cleared[key] or [])]
        what, mark, _reason = (detail or "").partition(REASON_MARK)
        kept_detail = f"{what}{mark}{REMOVED}" if mark else detail
        kept_label = REMOVED if labels and label is not None else label
        if cleared != (changes or {}) or kept_detail != detail or kept_label != label:
            updates.append({"row_id": row_id, "new_changes": cleared or changes,
                            "new_detail": kept_detail, "new_label": kept_label})
    if not updates:
        return 0
    db.session.execute(sa.insert(AuditScrubPermit).values(id=1))
    table = AuditEvent.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("row_id"))
        .values(changes=sa.bindparam("new_changes"), detail=sa.bindparam("new_detail"),
                object_label=sa.bindparam("new_label")),
        updates)
    db.session.execute(sa.delete(AuditScrubPermit))
    return len(updates)

