"""Triage of the notifications sent through the public form (CDOP administrators of the
partnership only): the queue, a submission (its view audited), and three ways out, each
recorded on the submission and audited: a new case (the staff notify form pre-filled,
saved through the notification service), a further notification of an existing case (the
notify form's duplicate suggestion), or declined (or forwarded to another partnership)."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cdr import bp
from cdr.models.public import DECLINE_REASONS, STATUSES, SUBMITTED, PublicNotification
from cdr.services import notifications as notify_service
from cdr.services import public_notifications as service
from forms.cdr.notification import NotificationForm
from forms.cdr.public_notification import merged
from forms.cdr.public_triage import DeclineForm
from tracker import audit, submissions
from tracker.extensions import db
from tracker.models import Partnership, User
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_today

TRIAGE = Permission.TRIAGE_PUBLIC_NOTIFICATIONS


def _submission_or_404(submission_id) -> PublicNotification:
    """The submission; on a POST locked (`FOR UPDATE` on PostgreSQL) and read afresh, so a
    second administrator triaging at once waits, then sees it triaged (`_waiting_or_back`).
    `service._triaged`'s conditional update is the last guard (SQLite has no row locks)."""
    posted = request.method == "POST"
    submission = db.session.get(PublicNotification, submission_id, with_for_update=posted,
                                populate_existing=posted)
    if submission is None or submission.partnership_id not in visible_partnership_ids() \
            or submission.status == "draft":
        abort(404)
    return submission


def _waiting_or_back(submission):
    """None while it waits for triage; else back to its page, saying it was triaged."""
    if submission.status == SUBMITTED:
        return None
    return _already_triaged(submission)


def _already_triaged(submission):
    db.session.rollback()
    flash("This notification has already been triaged by another administrator: "
          "nothing was changed", "info")
    return redirect(url_for("cdr.public_submission", submission_id=submission.id))


@bp.route("/public-notifications")
@permission_required(TRIAGE)
def public_queue():
    """The notifications waiting for triage, oldest first (three queries)."""
    rows = service.queue(visible_partnership_ids())
    waiting = service.queue_count(visible_partnership_ids())
    names = dict(db.session.execute(sa.select(Partnership.id, Partnership.name).where(
        Partnership.id.in_(visible_partnership_ids()))).all())
    return render_template("cdr/public/queue.html", rows=rows, names=names, waiting=waiting)


@bp.route("/public-notifications/<int:submission_id>")
@permission_required(TRIAGE)
def public_submission(submission_id):
    """One submission's answers, as typed (escaped), and the ways out."""
    submission = _submission_or_404(submission_id)
    audit.record(audit.Action.VIEW, submission, detail="Viewed a public notification")
    db.session.commit()
    form = _staff_form(submission)
    duplicate = None
    if submission.status == SUBMITTED and form.validate():
        duplicate = notify_service.find_duplicate(form.notification_data(),
                                                  [submission.partnership_id])
    return render_template("cdr/public/submission.html", submission=submission, form=form,
                           duplicate=duplicate, statuses=STATUSES, reasons=DECLINE_REASONS,
                           triaged_by=db.session.get(User,
                                                     submission.triaged_by_id)
                           if submission.triaged_by_id else None,
                           forwarded_to=db.session.get(Partnership, submission.forwarded_to_id)
                           if submission.forwarded_to_id else None)


def _staff_form(submission, formdata=None, csrf=False):
    """The staff notify form, filled from the submission's answers (or as posted); with
    `csrf` for the page that posts it (its answers checked, the token left to the post)."""
    partnership = db.session.get(Partnership, submission.partnership_id)
    if formdata is None:
        formdata = merged(submission.answers)
        received = submission.submitted_at.date()
        formdata.setlist("received_on", [str(received.day), str(received.month),
                                         str(received.year)])
        formdata.setlist("source", ["practitioner"])
        formdata.setlist("notifier_agency", [submission.notifier_organisation or ""])
        formdata.setlist("notifier_contact", [submission.notifier_email or ""])
        formdata.setlist("circumstances", (submission.answers or {}).get("circumstances", []))
    form = NotificationForm(formdata, partnerships=[partnership], today=london_today(),
                            meta={} if csrf else {"csrf": False})
    if csrf:
        form.validate()
        form.csrf_token.errors = []
        form._errors = None
    return form


@bp.route("/public-notifications/<int:submission_id>/new-case", methods=["GET", "POST"])
@permission_required(TRIAGE)
def public_open_case(submission_id):
    """Open a new case from a submission: the staff notify form, pre-filled, saved through
    the notification service (so everything a notify does happens, the JAR included)."""
    submission = _submission_or_404(submission_id)
    waiting = _waiting_or_back(submission)
    if waiting is not None:
        return waiting
    partnership = db.session.get(Partnership, submission.partnership_id)
    today = london_today()
    if request.method == "POST":
        form = NotificationForm(partnerships=[partnership], today=today)
        if form.validate_on_submit():
            data = form.notification_data()
            form.claim_submission()
            notify_service.lock_identity(data)
            duplicate = notify_service.find_duplicate(data, [partnership.id])
            if duplicate is None:
                def mark(case):
                    service.opened_case(submission, case, current_user)
                    submissions.made(url_for("cdr.case", case_id=case.id))
                try:
                    case = notify_service.notify_and_commit(data, partnership, current_user,
                                                            today, before_commit=mark)
                except service.AlreadyTriaged:
                    submissions.release()
                    return _already_triaged(submission)
                flash(f"Notification recorded: the case reference is {case.reference}",
                      "success")
                return redirect(url_for("cdr.case", case_id=case.id))
            submissions.release()
            form.given_names.errors.append(
                "This death has already been notified: add the notification to that case "
                "instead")
    else:
        form = _staff_form(submission, csrf=True)
    return render_template("cdr/notifications/notify.html", form=form,
                           action=url_for("cdr.public_open_case",
                                          submission_id=submission.id),
                           from_public=submission), 400 if form.errors else 200


@bp.route("/public-notifications/<int:submission_id>/add-to-case", methods=["POST"])
@permission_required(TRIAGE)
def public_add_to_case(submission_id):
    """Record the submission on the case the notify form suggests as the same death."""
    submission = _submission_or_404(submission_id)
    waiting = _waiting_or_back(submission)
    if waiting is not None:
        return waiting
    form = _staff_form(submission)
    if not form.validate():
        abort(409)
    data = form.notification_data()
    notify_service.lock_identity(data)
    case = notify_service.find_duplicate(data, [submission.partnership_id])
    if case is None or str(case.id) != request.form.get("case_id"):
        flash("That case is not the same death as this notification", "info")
        return redirect(url_for("cdr.public_submission", submission_id=submission.id))
    try:
        notify_service.record_further(case, data, london_today())
    except notify_service.OutOfScope:
        abort(409)
    try:
        service.added_to_case(submission, case, current_user)
    except service.AlreadyTriaged:
        return _already_triaged(submission)
    db.session.commit()
    flash(f"Recorded as a further notification on {case.reference}", "success")
    return redirect(url_for("cdr.case", case_id=case.id))


@bp.route("/public-notifications/<int:submission_id>/decline", methods=["GET", "POST"])
@permission_required(TRIAGE)
def public_decline(submission_id):
    """Decline with a reason, or forward to another partnership's queue."""
    submission = _submission_or_404(submission_id)
    waiting = _waiting_or_back(submission)
    if waiting is not None:
        return waiting
    others = db.session.scalars(sa.select(Partnership).where(
        Partnership.id != submission.partnership_id).order_by(Partnership.name)).all()
    form = DeclineForm(partnerships=others)
    if form.validate_on_submit():
        forward_to = db.session.get(Partnership, int(form.forward_to.data)) \
            if form.forward_to.data else None
        try:
            service.decline(submission, current_user, form.reason.data, form.where.data,
                            forward_to)
        except service.AlreadyTriaged:
            return _already_triaged(submission)
        db.session.commit()
        flash(f"{submission.reference} forwarded to {forward_to.name}" if forward_to
              else f"{submission.reference} declined", "success")
        return redirect(url_for("cdr.public_queue"))
    return render_template("cdr/public/decline.html", submission=submission, form=form), \
        400 if form.errors else 200
