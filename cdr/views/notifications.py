"""Notifying a death, further notifications, changing the case details, registrar and
coroner."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cdr import bp
from cdr.services import access
from cdr.services import notifications as service
from cdr.services.meetings import jar_reasons_keys
from forms.cdr.case_details import CaseDetailsForm
from forms.cdr.notification import NotificationForm
from forms.cdr.registrar_coroner import RegistrarCoronerForm
from tracker import audit, submissions
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_today


@bp.route("/notify", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def notify():
    """Log a child death notification: a new case, or a further notification of one."""
    partnerships = list(current_user.partnerships)
    if not partnerships:
        abort(403)
    today = london_today()
    form = NotificationForm(partnerships=partnerships, today=today,
                            data=None if request.method == "POST" else {"received_on": today})
    if request.method == "POST" and request.form.get("action") == "change":
        # From the duplicate page: the answers again, to change them.
        return render_template("cdr/notifications/notify.html", form=form), 200
    if not form.validate_on_submit():
        return render_template("cdr/notifications/notify.html", form=form), \
            (400 if form.errors else 200)
    data = form.notification_data()
    # The form's key, then the death's lock, before the duplicate check: a second send of
    # this form, or another notification of this death, waits for this one and then finds it.
    form.claim_submission()
    service.lock_identity(data)
    duplicate = service.find_duplicate(data, visible_partnership_ids())
    if duplicate is not None and form.further_of.data != str(duplicate.id):
        submissions.release()  # the key goes on to the duplicate page's buttons
        # The page names an existing case: a view of it, audited like any other.
        audit.record(audit.Action.VIEW, duplicate, detail="Viewed as the same death as a "
                     "new notification")
        db.session.commit()
        return render_template("cdr/notifications/duplicate.html", form=form,
                               duplicate=duplicate)
    if duplicate is not None:
        service.record_further(duplicate, data, today)
        submissions.made(url_for("cdr.case", case_id=duplicate.id))
        db.session.commit()
        flash(f"Recorded as a further notification on {duplicate.reference}", "success")
        return redirect(url_for("cdr.case", case_id=duplicate.id))
    partnership = db.session.get(Partnership, form.chosen_partnership_id())
    case = service.notify_and_commit(
        data, partnership, current_user, today,
        before_commit=lambda made: submissions.made(url_for("cdr.case", case_id=made.id)))
    flash(f"Notification recorded: the case reference is {case.reference}", "success")
    return redirect(url_for("cdr.case", case_id=case.id))


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def edit_case(case_id):
    """Change the details of the child and the death, refusing a save made stale by
    someone else's."""
    case = access.case_or_404(case_id) if request.method == "POST" \
        else access.view_case(case_id, "case details form")
    identity = access.identity_of(case)
    today = london_today()
    form = _details_form(case, identity, today)
    if not form.validate_on_submit():
        return _render_edit(case, form, status=400 if form.errors else 200)
    try:
        _check_version(case, form.version.data)
        labels = service.update_case(case, form.case_values(), today, identity,
                                     form.identity_values())
        db.session.commit()
    except access.StaleCase as stale:
        return _refuse_stale(case, stale, form)
    except sa.orm.exc.StaleDataError:
        return _refuse_stale(case, None, form)
    flash("The case details have been saved" if labels else "Nothing was changed", "success")
    return redirect(url_for("cdr.case", case_id=case.id))


def _details_form(case, identity, today, fresh=False):
    """The form as posted, or (on GET, or `fresh` after a refused save) as the case is."""
    posted = request.method == "POST" and not fresh
    return CaseDetailsForm(**({} if posted else {"formdata": None}),
                           data=None if posted else CaseDetailsForm.data_from(case, identity),
                           show_identity=access.may_see_identity(),
                           born=identity.date_of_birth if identity is not None else None,
                           today=today, criteria=jar_reasons_keys(case))


def _render_edit(case, form, stale=None, status=200):
    return render_template("cdr/notifications/edit.html", case=case, form=form,
                           stale=stale), status


@bp.route("/<int:case_id>/registrar-and-coroner", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def registrar_and_coroner(case_id):
    """Record when the death was registered and when the registrar and the coroner told
    the CDOP; their statutory deadlines follow."""
    case = access.case_or_404(case_id) if request.method == "POST" \
        else access.view_case(case_id, "registrar and coroner form")
    today = london_today()

    def make_form(fresh=False):
        posted = request.method == "POST" and not fresh
        return RegistrarCoronerForm(
            **({} if posted else {"formdata": None}),
            data=None if posted else RegistrarCoronerForm.data_from(case),
            today=today, date_of_death=case.date_of_death)

    form = make_form()
    if not form.validate_on_submit():
        return _render_registrar(case, form, status=400 if form.errors else 200)
    try:
        _check_version(case, form.version.data)
        labels = service.record_registrar_coroner(case, form.values(), today)
        db.session.commit()
    except access.StaleCase as stale:
        return _refuse_stale(case, stale, form, render=_render_registrar)
    except sa.orm.exc.StaleDataError:
        return _refuse_stale(case, None, form, render=_render_registrar)
    flash("The registrar and coroner details have been saved" if labels
          else "Nothing was changed", "success")
    return redirect(url_for("cdr.case", case_id=case.id, _anchor="notifications"))


def _render_registrar(case, form, stale=None, status=200):
    return render_template("cdr/notifications/registrar_coroner.html", case=case, form=form,
                           stale=stale), status


def _check_version(case, submitted):
    """StaleCase, naming who changed what, when the form was opened at an older version."""
    try:
        access.check_version(case, submitted)
    except access.StaleCase as stale:
        opened = int(submitted) if str(submitted or "").isdigit() else -1
        stale.changes = service.changes_since(case, opened)
        raise


def _refuse_stale(case, stale, form, render=_render_edit):
    """The form again with what the user typed, saying who changed what: nothing is
    overwritten. The form now carries the case's current version, so saving again is a
    choice made knowing what changed (tracker.versioning, with the child's details too)."""
    db.session.rollback()
    changes = stale.changes if stale is not None else service.changes_since(
        case, case.version - 1)
    form.version.data = str(case.version)
    return render(case, form, stale=changes, status=409)
