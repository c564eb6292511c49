"""Joint Agency Response criteria, the rapid response meetings, the designated doctor."""

import contextlib
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cdr import bp
from cdr.services import access, invitations
from cdr.services import meetings as service
from cdr.services import my_cases as doctor_list
from forms.cdr.meetings import (
    CancelMeetingForm,
    DesignatedDoctorForm,
    JointAgencyResponseForm,
    MeetingForm,
)
from tracker import deadline_service, submissions, versioning
from tracker.extensions import db
from tracker.pagination import page_of, pagination_params
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.text import file_name
from tracker.timeutil import clock, format_date, london_today


def _case_for(case_id, what):
    """The case: with a VIEW audit row when the page is shown, without one when it is saved."""
    access.require_edit()
    if request.method == "POST":
        return access.case_or_404(case_id)
    return access.view_case(case_id, what)


def _refuse_stale(form, case, field, stale):
    """Refuse a save made on an older version of the case, saying who changed what."""
    versioning.refuse(form, case, on=field, stale=stale)


def _refuse(form, error, default_field):
    """Show a workflow rule's refusal on the form, as a GOV.UK error."""
    db.session.rollback()
    getattr(form, error.field or default_field).errors.append(error.message)


def _back_to_case(case, anchor="meetings"):
    return redirect(url_for("cdr.case", case_id=case.id, _anchor=anchor))


# --- The Joint Agency Response checklist ----------------------------------------------------


@bp.route("/<int:case_id>/joint-agency-response", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CDR_CASES)
def joint_agency_response(case_id):
    """Tick the criteria that make a Joint Agency Response required; post-mortem results."""
    case = _case_for(case_id, "Joint Agency Response form")
    form = JointAgencyResponseForm()
    if request.method == "GET":
        form.criteria.data = service.jar_reasons_keys(case)
        form.post_mortem_results_on.data = case.post_mortem_results_on
        form.version.data = case.version
    elif form.validate_on_submit():
        try:
            versioning.check(form, case, _jar_changes(case, form))
            changed = service.record_jar(case, form.criteria.data or [],
                                         form.post_mortem_results_on.data, london_today())
            db.session.commit()
        except versioning.STALE as stale:
            _refuse_stale(form, case, "criteria", stale)
            return _render_jar(case, form, 409)
        except service.Refused as error:
            _refuse(form, error, "criteria")
        else:
            flash("Joint Agency Response saved." if changed else "Nothing changed.", "success")
            return _back_to_case(case)
    return _render_jar(case, form, 400 if form.errors else 200)


def _jar_changes(case, form):
    changed = []
    if set(service.jar_reasons_keys(case)) != set(form.criteria.data or []):
        changed.append("criteria")
    if case.post_mortem_results_on != form.post_mortem_results_on.data:
        changed.append("date post-mortem results were received")
    return changed


def _render_jar(case, form, status):
    return render_template("cdr/meetings/joint_agency_response.html", case=case,
                           form=form), status


# --- One rapid response meeting -------------------------------------------------------------


def _number_or_404(number):
    if number not in service.MEETING_NUMBERS:
        abort(404)
    return number


@bp.route("/<int:case_id>/meetings/<int:number>", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CDR_CASES)
def meeting(case_id, number):
    """Schedule a rapid response meeting, change it, or record that it was held."""
    _number_or_404(number)
    case = _case_for(case_id, f"rapid response meeting {number} form")
    today = london_today()
    deadline = service.stored_deadline(case, number)
    window = service.window_of(deadline)
    existing = service.meeting_of(case, number)
    form = MeetingForm(obj=existing if request.method == "GET" else None)
    outside = False
    blocked = service.why_not_schedulable(case, number)
    proposals = service.proposed_dates(window, today, service.partnership_rules(case))
    if blocked:
        return _render_meeting(case, number, form, window, deadline, proposals, blocked, False,
                               200 if request.method == "GET" else 400)
    if request.method == "GET":
        _fill_meeting_form(form, case, existing, proposals)
    elif form.validate_on_submit():
        try:
            form.claim_submission()  # sent twice (a double click): lands on the case
            versioning.check(form, case, _meeting_changes(existing, form))
            before = invitations.snapshot(existing)
            saved = service.save_meeting(case, number, _details(form), window, today)
            sent = invitations.meeting_saved(case, saved, before, today, clock.now())
            submissions.made(url_for("cdr.case", case_id=case.id, _anchor="meetings"))
            db.session.commit()
        except versioning.STALE as stale:
            _refuse_stale(form, case, "meeting_on", stale)
            return _render_meeting(case, number, form, window, deadline, proposals, blocked,
                                   False, 409)
        except service.Refused as error:
            outside = error.outside_window
            _refuse(form, error, "meeting_on")
        else:
            flash(f"{service.meeting_label(number)} saved.{_sent_text(sent)}", "success")
            return _back_to_case(case)
    outside = outside or _late(form, window)
    return _render_meeting(case, number, form, window, deadline, proposals, blocked, outside,
                           400 if form.errors else 200)


def _sent_text(sent):
    if not sent:
        return ""
    return f" Calendar e-mail sent to {sent} {'person' if sent == 1 else 'people'}."


def _fill_meeting_form(form, case, existing, proposals):
    """The saved meeting, or a proposed date; ?date= (a suggested date's link) sets the date."""
    form.version.data = case.version
    if existing is None and proposals:
        form.meeting_on.data = proposals[0].day
    if existing is not None and existing.starts_at is not None:
        form.starts_at.data = existing.starts_at.strftime("%H:%M")
    with contextlib.suppress(ValueError):
        form.meeting_on.data = date.fromisoformat(request.args.get("date", ""))


def _late(form, window):
    """Whether the date on the form (a valid one) is later than the window (an earlier date
    needs no reason, so gets no warning)."""
    day = form.meeting_on.data
    return day is not None and not form.meeting_on.errors and window.is_late(day)


def _details(form):
    return service.MeetingDetails(
        meeting_on=form.meeting_on.data, starts_at=form.start_time,
        place_or_link=form.place_or_link.data or None, chair=form.chair.data or None,
        attendees=form.attendees.data or None, agencies=form.agencies.data or None,
        actions=form.actions.data or None, notes=form.notes.data or None,
        outside_window_reason=form.outside_window_reason.data or None,
        held=bool(form.held.data))


def _meeting_changes(existing, form):
    """The fields whose saved values differ from what was posted (for a stale save)."""
    if existing is None:
        return ["meeting"]
    posted = _details(form)._asdict()
    return [getattr(form, name).label.text.lower() for name, value in posted.items()
            if getattr(existing, name) != value]


def _render_meeting(case, number, form, window, deadline, proposals, blocked, outside, status):
    return render_template(
        "cdr/meetings/meeting.html", case=case, number=number, form=form, window=window,
        deadline=deadline, proposals=proposals, blocked=blocked, outside=outside,
        label=service.meeting_label(number), meeting=service.meeting_of(case, number),
        rule=service.rule_of(case, number),
    ), status


@bp.route("/<int:case_id>/meetings/<int:number>/cancel", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CDR_CASES)
def cancel_meeting(case_id, number):
    """Cancel a scheduled meeting, with a reason; its attendees get a cancellation."""
    _number_or_404(number)
    case = _case_for(case_id, f"cancel rapid response meeting {number} page")
    found = service.meeting_of(case, number)
    if found is None:
        abort(404)
    form = CancelMeetingForm()
    if request.method == "GET":
        form.version.data = case.version
    elif form.validate_on_submit():
        try:
            versioning.check(form, case)
            sent = invitations.meeting_cancelled(case, found, clock.now())
            service.cancel_meeting(case, found, form.reason.data, london_today())
            db.session.commit()
        except versioning.STALE as stale:
            _refuse_stale(form, case, "reason", stale)
            return _render_cancel(case, number, found, form, 409)
        except service.Refused as error:
            _refuse(form, error, "reason")
        else:
            flash(f"{service.meeting_label(number)} cancelled.{_sent_text(sent)}", "success")
            return _back_to_case(case)
    return _render_cancel(case, number, found, form, 400 if form.errors else 200)


def _render_cancel(case, number, found, form, status):
    return render_template("cdr/meetings/cancel.html", case=case, number=number,
                           meeting=found, form=form, label=service.meeting_label(number),
                           ), status


@bp.route("/<int:case_id>/meetings/<int:number>.ics")
@permission_required(Permission.VIEW_CDR_CASES)
def meeting_ics(case_id, number):
    """The meeting as an iCalendar invitation, with nothing that identifies the child."""
    _number_or_404(number)
    case = access.view_case(case_id, f"rapid response meeting {number} invitation")
    found = service.meeting_of(case, number)
    if found is None:
        abort(404)
    body = invitations.calendar(invitations.rr_invitation(case, found), invitations.PUBLISH,
                                clock.now())
    # The reference is stored text: only safe characters go into the header.
    filename = file_name(f"{case.reference}-rapid-response-meeting-{number}.ics")
    return current_app.response_class(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


# --- The designated doctor ---------------------------------------------------------------------


@bp.route("/<int:case_id>/designated-doctor", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CDR_CASES)
def designated_doctor(case_id):
    """Record the designated doctor for child deaths on a case."""
    case = _case_for(case_id, "designated doctor form")
    doctors = service.doctor_choices(case)
    current = case.designated_doctor_id
    if current is not None and current not in dict(doctors):
        doctors.append((current, f"{service.doctor_name(case)} (no longer a designated "
                                 "doctor here)"))
    form = DesignatedDoctorForm(doctors=doctors)
    if request.method == "GET":
        form.doctor.data = str(current) if current else ""
        form.version.data = case.version
    elif form.validate_on_submit():
        try:
            versioning.check(form, case,
                             ["designated doctor"] if form.doctor_id != current else [])
            today = london_today()
            changed = service.assign_doctor(case, form.doctor_id, today)
            sent = (invitations.doctor_changed(case, current, today, clock.now())
                    if changed else 0)
            db.session.commit()
        except versioning.STALE as stale:
            _refuse_stale(form, case, "doctor", stale)
            return _render_doctor(case, form, 409)
        except service.Refused as error:
            _refuse(form, error, "doctor")
        else:
            flash(("Designated doctor saved." + _sent_text(sent)) if changed
                  else "Nothing changed.", "success")
            return _back_to_case(case, "designated-doctor")
    return _render_doctor(case, form, 400 if form.errors else 200)


def _render_doctor(case, form, status):
    return render_template("cdr/meetings/designated_doctor.html", case=case,
                           form=form), status


@bp.route("/my-cases")
@permission_required(Permission.VIEW_CDR_CASES)
def my_cases():
    """The signed-in designated doctor's open cases that need their action."""
    today = london_today()
    ids = visible_partnership_ids()
    rules = deadline_service.load_rules(ids)
    query = doctor_list.my_cases(current_user.id, ids, today, rules,
                             current_app.config["DUE_SOON_WORKING_DAYS"])
    pagination = page_of(query)
    return render_template(
        "cdr/meetings/my_cases.html",
        rows=doctor_list.my_case_rows(doctor_list.cases_of(pagination.items), today, rules),
        total=pagination.total,
        pagination=pagination_params(pagination, "cdr.my_cases", request.args),
        today=format_date(today),
    )
