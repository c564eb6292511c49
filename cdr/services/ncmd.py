"""What of a child death case has gone to the National Child Mortality Database (NCMD).

A CDOP sends the NCMD the three national forms in turn (GUIDANCE-2023.md, "The national child
death forms"): the notification form, the reporting forms (the core form from each agency and
any supplementary reporting forms), and the analysis form once the CDOP has reviewed the
death. The case records the date each went and who marked it (columns of cdr_case, audited
with the case). They are marked in that order, and the analysis only once the CDOP's outcome
is recorded, so a case whose analysis has gone has nothing left to send: the list of cases not
yet sent is the cases without an analysis date, read off ix_cdr_case_ncmd_not_sent.

No timescale: neither the NCMD's notification guidance (ncmd.info/notification-guidance) nor
GOV.UK's "National Child Mortality Database: transitional arrangements" (updated 10 May 2024),
nor Working Together, sets a time within which a CDOP must send a form to the NCMD, so sending
each is a task without a date (no rule in tracker.deadlines), shown as such on the case page.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import current_user

from cdr.models import STAGES, ChildDeathCase
from cdr.services import timeline
from tracker import audit
from tracker.extensions import db
from tracker.models import User
from tracker.roles import Permission
from tracker.timeutil import format_date


class Step(NamedTuple):
    """One national form sent to the NCMD: its key, what it is called, and its columns."""

    key: str
    label: str
    # What the case page says is still to do.
    todo: str

    @property
    def sent_on(self) -> str:
        return f"ncmd_{self.key}_sent_on"

    @property
    def sent_by(self) -> str:
        return f"ncmd_{self.key}_sent_by_id"


STEPS = (
    Step("notification", "Notification form", "Send the notification form to the NCMD"),
    Step("reporting", "Reporting forms and supplementary reporting forms",
         "Send the reporting forms and any supplementary reporting forms to the NCMD"),
    Step("analysis", "Analysis form", "Send the analysis form to the NCMD"),
)
BY_KEY = {step.key: step for step in STEPS}


class Refused(Exception):
    """The form cannot be marked sent yet (the message says why)."""


class StepRow(NamedTuple):
    """A form on the case page: sent when and by whom, or what is to do."""

    step: Step
    sent_on: date | None
    sent_by: str | None
    # Whether it may be marked sent now (the ones before it are).
    markable: bool


class Section(NamedTuple):
    """The NCMD section of the case page."""

    rows: list[StepRow]
    may_mark: bool


def may_mark() -> bool:
    """Whether the signed-in user may mark the national forms sent (the CDOP administrator)."""
    return current_user.can(Permission.RECORD_NCMD)


def section(case) -> Section:
    """The three forms with who marked each (one query for the names, none when none sent)."""
    ids = {getattr(case, step.sent_by) for step in STEPS} - {None}
    names = dict(db.session.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    rows = []
    for step in STEPS:
        rows.append(StepRow(step, getattr(case, step.sent_on),
                            names.get(getattr(case, step.sent_by)), _why_not(case, step) is None))
    return Section(rows, may_mark())


def _previous(step: Step) -> Step | None:
    index = STEPS.index(step)
    return STEPS[index - 1] if index else None


def _why_not(case, step: Step) -> str | None:
    """Why the form cannot be marked sent now, or None when it can."""
    if getattr(case, step.sent_on) is not None:
        return f"The {step.label.lower()} has already been marked as sent"
    previous = _previous(step)
    if previous is not None and getattr(case, previous.sent_on) is None:
        return (f"Mark the {previous.label.lower()} as sent first: the NCMD takes the forms "
                "in order")
    if step.key == "analysis" and case.review_completed_on is None:
        return ("The analysis form is sent once the CDOP has reviewed the death: record the "
                "panel outcome first")
    return None


def earliest(case, step: Step) -> date:
    """The earliest date the form can have gone: the death, or the form before it."""
    previous = _previous(step)
    before = getattr(case, previous.sent_on) if previous is not None else None
    return max(filter(None, (case.date_of_death, before)))


def mark_sent(case, step: Step, sent_on: date, today: date) -> None:
    """Record that the form went to the NCMD on `sent_on`, marked by the signed-in user (no
    commit; the case's audit row records the change). Refused (nothing changed) when it cannot
    be marked now or the date is in the future or before the form it follows."""
    reason = _why_not(case, step)
    if reason is not None:
        raise Refused(reason)
    if sent_on > today:
        raise Refused("The date sent must be today or in the past")
    first = earliest(case, step)
    if sent_on < first:
        previous = _previous(step)
        when = (f", when the {previous.label.lower()} was sent"
                if previous is not None and getattr(case, previous.sent_on) == first
                else ", the date of death")
        raise Refused(f"The date sent must be on or after {format_date(first)}{when}")
    setattr(case, step.sent_on, sent_on)
    setattr(case, step.sent_by, current_user.id)
    timeline.add(case, "ncmd", f"{step.label} sent to the NCMD", happened_on=sent_on)


# --- Not yet sent: the CDOP's list ----------------------------------------------------------

class NotSentRow(NamedTuple):
    """A case on the list: its reference, when notified, its stage and what goes next."""

    id: int
    reference: str
    notification_received_on: date
    stage: str
    next_step: Step
    # Whether the next form can go now (the analysis waits for the panel's outcome).
    ready: bool


def not_sent_query(partnership_ids):
    """Cases of these partnerships with a national form still to send, oldest notified first.

    Only the columns the list shows are loaded: a page is one query and its count another,
    whatever the length of the list. The filter and order are those of
    ix_cdr_case_ncmd_not_sent.
    """
    return (
        sa.select(ChildDeathCase)
        .options(so.load_only(
            ChildDeathCase.reference, ChildDeathCase.notification_received_on,
            ChildDeathCase.stage, ChildDeathCase.ncmd_notification_sent_on,
            ChildDeathCase.ncmd_reporting_sent_on, ChildDeathCase.review_completed_on,
            ChildDeathCase.version, raiseload=True))
        .where(ChildDeathCase.partnership_id.in_(list(partnership_ids)), *_NOT_SENT)
        .order_by(ChildDeathCase.notification_received_on, ChildDeathCase.id)
    )


# The filter of ix_cdr_case_ncmd_not_sent (cdr.models.NCMD_NOT_SENT), term by term.
_NOT_SENT = (ChildDeathCase.ncmd_analysis_sent_on.is_(None),
             ChildDeathCase.ncmd_before_tracker_on.is_(None))


# --- Sent before the tracker: the CDOP's way out for the cases it sent before -----------------

def before_tracker_cases(partnership_ids, notified_before: date):
    """The (partnership id, id, reference) of the cases on the list notified before
    `notified_before`, oldest first (read off ix_cdr_case_ncmd_not_sent)."""
    return db.session.execute(
        sa.select(ChildDeathCase.partnership_id, ChildDeathCase.id, ChildDeathCase.reference)
        .where(ChildDeathCase.partnership_id.in_(list(partnership_ids)), *_NOT_SENT,
               ChildDeathCase.notification_received_on < notified_before)
        .order_by(ChildDeathCase.notification_received_on, ChildDeathCase.id)
    ).all()


def mark_before_tracker(partnership_ids, notified_before: date, today: date,
                        previewed: int | None = None) -> int | None:
    """Mark every case of these partnerships still on the list and notified before
    `notified_before` as sent to the NCMD before the tracker, on `today` (no commit); how
    many, or None when `previewed` (the count the page showed) no longer holds. No form's
    sent date is set: the case says it went before the tracker. One audit row
    for each partnership's cases, with the count and the references (not a row for each case:
    it is one act of the CDOP administrator's, on what the previous system sent)."""
    found = before_tracker_cases(partnership_ids, notified_before)
    if previewed is not None and len(found) != previewed:
        return None  # the list changed since the page said how many: shown again, not marked
    if not found:
        return 0
    by_partnership: dict[int, list] = {}
    for partnership_id, case_id, reference in found:
        by_partnership.setdefault(partnership_id, []).append((case_id, reference))
    for partnership_id, cases in by_partnership.items():
        ids = [case_id for case_id, _ in cases]
        for start in range(0, len(ids), 500):
            db.session.execute(
                sa.update(ChildDeathCase)
                .where(ChildDeathCase.id.in_(ids[start:start + 500]), *_NOT_SENT)
                .values(ncmd_before_tracker_on=today, version=ChildDeathCase.version + 1)
                .execution_options(synchronize_session=False))
        references = [reference for _, reference in cases]
        audit.record(
            audit.Action.UPDATE, object_type="ChildDeathCase", partnership_id=partnership_id,
            detail=f"Marked {len(cases)} {'case' if len(cases) == 1 else 'cases'} notified "
                   f"before {format_date(notified_before)} as sent to the NCMD before the "
                   "tracker", changes={"ncmd_before_tracker_on": [None, today.isoformat()],
                                       "count": len(cases), "references": references})
    db.session.expire_all()
    return len(found)


def not_sent_rows(found) -> list[NotSentRow]:
    """The page's rows as the list shows them."""
    rows = []
    for row in found:
        if row.ncmd_notification_sent_on is None:
            step, ready = BY_KEY["notification"], True
        elif row.ncmd_reporting_sent_on is None:
            step, ready = BY_KEY["reporting"], True
        else:
            step, ready = BY_KEY["analysis"], row.review_completed_on is not None
        rows.append(NotSentRow(row.id, row.reference, row.notification_received_on,
                               STAGES.get(row.stage, row.stage), step, ready))
    return rows
