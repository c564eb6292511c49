"""Pausing a case's deadline with the reason, and resuming it, in any domain.

A pause records that a deadline's work waits on something outside the partnership's hands:
a child death review waiting on a criminal investigation or an inquest (Working Together
2018 chapter 5, [003] L1655: enquiries must not prejudice criminal proceedings), or a local
review's publication delayed by other proceedings (chapter 4 paragraph 41, [003] L1505).
What a pause does is the model's, not this page's: the status tag reads "Paused"
(deadline_service.status_of), the deadline reminds nobody and a digest lists it under
"Paused" (tracker.reminders), deadline compliance counts it apart, neither met nor missed
(tracker.compliance), and it leaves the overdue lists and the dashboard (tracker.overdue_owners,
tracker.dashboard, the kept figures of cdr.case_due and reviews.incident_due).

The due date stays the rules': no rule stops its clock while something else happens, so
resuming runs the case's deadlines through the rules again (deadline_service.sync_case) and
the deadline is judged against that date as before; if it has passed, it is overdue, and an
extension is a different record. Which deadlines may be paused (`why_not`): the case's own
(an agency request's deadline has its own chasing), still open and not yet missed, the
partnership's to do, not a statutory duty (the law gives "must" timescales, the registrar's
7 days, the copies sent 7 working days before publication, no pause), and not a notification
or the rapid review (NOT_HELD_UP). A paused deadline can be resumed whatever has changed since,
unless its record was anonymised at disposal (`can_resume`).

Every pause and resume is audited (Deadline is Audited: its paused_reason's old and new
values, which the reminders read for "paused since"), goes on the case's timeline with the
reason, and changes the case's version, so a form opened before it is refused as stale
(tracker.versioning), as every other form of a case is.
"""

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request

from forms.deadlines import DeadlinePauseForm, DeadlineResumeForm
from tracker import deadline_service, deadlines, timeline, versioning
from tracker.deadline_models import Deadline
from tracker.disposal import REMOVED
from tracker.extensions import db
from tracker.reminders.emails import paused_since
from tracker.timeutil import format_date, utcnow

# A disposal writes REMOVED over a paused deadline's reason (tracker.disposal).
ANONYMISED = "This record was anonymised at disposal: nothing new is recorded on it"
# Timescales the law sets: nothing pauses them.
UNPAUSABLE_DUTIES = frozenset({"must"})
# Chose: what tells the partners, the Panel, Ofsted and the Secretary of State of a death or
# a serious incident, and the rapid review, go on whatever else is under way (a pause would
# take an overdue notification off every list and out of the compliance figures).
NOT_HELD_UP = frozenset({"panel_notification", "partners_notification",
                         "sos_ofsted_lac_notification", "care_leaver_death_notification",
                         "rapid_review"})


def rule_of(deadline: Deadline):
    """The deadline's rule in its edition, or None for a rule the edition no longer has."""
    try:
        return deadlines.get_rule(deadline.rule_key, deadline.edition)
    except KeyError:
        return None


def why_not(deadline: Deadline, today: date | None = None) -> str | None:
    """Why this deadline cannot be paused, or None when it can (no query). With `today`, a
    deadline not yet paused whose date has passed cannot be: a pause would turn a missed
    date into neither met nor missed in the compliance figures. Resuming has its own test
    (`can_resume`)."""
    rule = rule_of(deadline)
    if deadline.paused_reason == REMOVED:
        return ANONYMISED
    if rule is None or deadline.item != "":
        return "This deadline cannot be paused here"
    if deadline.met_on is not None:
        return "This deadline has been met: there is nothing to pause"
    if deadline.not_applicable_reason:
        return "This deadline does not apply: there is nothing to pause"
    if deadline.rule_key in deadline_service.NOT_THE_PARTNERSHIPS:
        return "This date is not a task of the partnership's: there is nothing to pause"
    if rule.duty in UNPAUSABLE_DUTIES:
        return "This timescale is a statutory duty: the law gives it no pause"
    if deadline.rule_key in NOT_HELD_UP:
        return ("Notifications and the rapid review go ahead whatever else is under way: "
                "this deadline cannot be paused")
    due = deadline.extended_to or deadline.due_date
    if today is not None and not deadline.paused_reason and due is not None and due < today:
        return (f"This deadline was due on {format_date(due)} and has passed: a missed date "
                "cannot be paused")
    return None


def pausable(deadline: Deadline, today: date | None = None) -> bool:
    """Whether the deadline may be paused now, or its reason changed (no query)."""
    return why_not(deadline, today) is None


def can_resume(deadline: Deadline) -> bool:
    """A paused deadline can be resumed even once its rule has changed or it no longer
    applies (else it would stay paused, reminding nobody, for ever), but not once its record
    was anonymised at disposal (its reason is then REMOVED): nothing new is written on it."""
    return bool(deadline.paused_reason) and deadline.paused_reason != REMOVED


def deadline_or_404(case, deadline_id: int) -> Deadline:
    """The case's own deadline with this id; 404 for any other (another case's, another
    partnership's: the case was found in the user's partnerships)."""
    found = db.session.scalar(
        sa.select(Deadline).where(Deadline.id == deadline_id,
                                  Deadline.owner_type == case.__tablename__,
                                  Deadline.owner_id == case.id))
    if found is None:
        abort(404)
    return found


def _label(deadline: Deadline) -> str:
    rule = rule_of(deadline)
    return rule.label if rule is not None else deadline.rule_key


def _case_changed(case) -> None:
    """The case changed (its deadline did): its version moves on, so a form of the case
    opened before this is refused as stale."""
    case.updated_at = utcnow()


def pause(case, deadline: Deadline, reason: str, today: date) -> bool:
    """Pause the deadline with the reason, or change the reason of a paused one (no commit);
    False when the reason is unchanged."""
    if deadline.paused_reason == reason:
        return False
    again = bool(deadline.paused_reason)
    deadline.paused_reason = reason
    text = (f"Reason for pausing {_label(deadline)} changed: {reason}" if again
            else f"{_label(deadline)} paused: {reason}")
    timeline.add(case, "deadline", text, today)
    _case_changed(case)
    return True


def resume(case, deadline: Deadline, today: date) -> bool:
    """Resume a paused deadline (no commit): the case's deadlines are run through the rules
    again, so its due date is theirs; False when it was not paused."""
    if not deadline.paused_reason:
        return False
    deadline.paused_reason = None
    deadline_service.sync_case(case)
    due = deadline.extended_to or deadline.due_date
    timeline.add(case, "deadline", f"{_label(deadline)} resumed: due {format_date(due)}", today)
    _case_changed(case)
    return True


# --- The pages ------------------------------------------------------------------------------


def _refused(reason, back_url):
    """A deadline that cannot be paused: say why on the case page; nothing is saved."""
    flash(reason, "info")
    return redirect(back_url)


def pause_page(case, deadline_id: int, *, back_url: str, today: date, notes=None,
               closed: str | None = None):
    """Pause a deadline, or change why it is paused (GET shows the form, POST saves it and
    goes back to the case). `notes`: rule key -> what else the domain's guidance asks when
    that deadline waits, shown on the form. `closed`: why the case takes no new pause (it
    is closed, or anonymised at disposal), or None."""
    deadline = deadline_or_404(case, deadline_id)
    if closed:
        return _refused(closed, back_url)
    reason = why_not(deadline, today)
    if reason:
        return _refused(reason, back_url)
    form = DeadlinePauseForm()
    status = 200
    if request.method == "GET":
        form.reason.data = deadline.paused_reason
        form.version.data = str(case.version)
    elif form.validate_on_submit():
        was_paused = bool(deadline.paused_reason)
        try:
            versioning.check(form, case)
            changed = pause(case, deadline, form.reason.data, today)
            db.session.commit()
        except versioning.STALE as stale:
            # On the reason, where what was typed is kept: the summary links to it.
            status = versioning.refuse(
                form, case, on="reason", stale=stale,
                then="Your reason is still below: check it against the deadline as it is "
                "now, above, and save again")
        else:
            flash(f"{_label(deadline)} paused: it reminds nobody until it is resumed"
                  if changed and not was_paused else
                  "Reason for the pause changed" if changed else "Nothing was changed",
                  "success" if changed else "info")
            return redirect(back_url)
    else:
        status = 400
    note = (notes or {}).get(deadline.rule_key, "")
    return _render(case, deadline, form, "pause", back_url, today, note, status)


def resume_page(case, deadline_id: int, *, back_url: str, today: date):
    """Resume a paused deadline (GET asks to confirm, POST resumes it and goes back)."""
    deadline = deadline_or_404(case, deadline_id)
    if deadline.paused_reason and not can_resume(deadline):
        return _refused(ANONYMISED, back_url)
    form = DeadlineResumeForm()
    status, refused = 200, None
    if request.method == "GET":
        if not deadline.paused_reason:
            flash(f"{_label(deadline)} is not paused: there is nothing to resume", "info")
            return redirect(back_url)
        form.version.data = str(case.version)
    elif form.validate_on_submit():
        try:
            versioning.check(form, case)
            changed = resume(case, deadline, today)
            db.session.commit()
        except versioning.STALE as stale:
            # A button only: the summary links to the deadline as it is now, not to the
            # hidden version field.
            refused = versioning.refusal(
                form, case, stale=stale,
                then="The deadline as it is now is below: resume it again if it should be")
            status = 409
        else:
            due = deadline.extended_to or deadline.due_date
            flash(f"{_label(deadline)} resumed: due {format_date(due)}" if changed
                  else f"{_label(deadline)} is not paused: nothing was changed",
                  "success" if changed else "info")
            return redirect(back_url)
    else:
        status = 400
    return _render(case, deadline, form, "resume", back_url, today, "", status,
                   refused=refused)


def _render(case, deadline, form, mode, back_url, today, note, status, refused=None):
    rules = deadline_service.load_rules([case.partnership_id]).get(case.partnership_id)
    rule = rule_of(deadline)
    since = paused_since([deadline.id]).get(deadline.id) if deadline.paused_reason else None
    return render_template(
        "tracker/deadline_pause.html", case=case, deadline=deadline, rule=rule, form=form,
        mode=mode, back_url=back_url, note=note, paused_since=since, refused=refused,
        status=deadline_service.status_of(deadline, today, rules)), status
