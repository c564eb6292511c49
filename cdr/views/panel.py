"""CDOP meetings, the anonymised agenda, outcomes, closing and reopening a case.

The meeting pages and the panel's case summaries are anonymised for everyone who may open
them (panel members included): they read the case table only (cdr.services.panel).
"""

from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from cdr import bp
from cdr.models import CONFIRMED_ANALYSIS, DRAFT_ANALYSIS
from cdr.services import access, analysis, invitations, panel_actions
from cdr.services import panel as service
from cdr.services import panel_outcome as outcome
from cdr.services import requests as requests_service
from forms.cdr.panel import (
    ActionForm,
    AddToAgendaForm,
    CompleteActionForm,
    MoveItemForm,
    OutcomeForm,
    PanelMeetingForm,
    ReopenForm,
)
from tracker import audit, submissions, versioning
from tracker.extensions import db
from tracker.pagination import page_of, pagination_params
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import clock, format_date, london_today


@bp.route("/panel-meetings")
@permission_required(Permission.VIEW_PANEL_PACK)
def panel_meetings():
    """The partnership's CDOP meetings: upcoming first, then past."""
    today = london_today()
    pagination = page_of(service.meetings_query(today))
    return render_template(
        "cdr/panel/index.html",
        meetings=pagination.items,
        counts=service.item_counts(pagination.items),
        pagination=pagination_params(pagination, "cdr.panel_meetings", request.args),
        today=today,
        time_label=service.time_label,
        may_edit=current_user.can(Permission.EDIT_CDR_CASES),
    )


@bp.route("/panel-meetings/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def new_panel_meeting():
    """Schedule a panel meeting."""
    today = london_today()
    form = PanelMeetingForm(partnerships=sorted(current_user.partnerships, key=lambda p: p.name),
                            today=today)
    if form.validate_on_submit():
        form.claim_submission()
        past = form.in_the_past
        meeting = service.create_meeting(
            partnership_id=form.partnership.data, meeting_on=form.meeting_on.data,
            starts_at=form.start_time, place_or_link=form.place_or_link.data,
            notes=form.notes.data, today=today,
            recorded_after_reason=form.recorded_after_reason.data if past else None,
        )
        # A meeting that has taken place is recorded: nobody is invited to it.
        sent = 0 if past else invitations.panel_meeting_scheduled(meeting, clock.now())
        submissions.made(url_for("cdr.panel_meeting", meeting_id=meeting.id))
        db.session.commit()
        people = "person" if sent == 1 else "people"
        flash(f"{service.meeting_title(meeting)} "
              + ("recorded." if past else "scheduled.")
              + (f" Calendar e-mail sent to {sent} {people}." if sent else ""), "success")
        return redirect(url_for("cdr.panel_meeting", meeting_id=meeting.id))
    return render_template("cdr/panel/new.html", form=form), (400 if form.errors else 200)


@bp.route("/panel-meetings/<int:meeting_id>")
@permission_required(Permission.VIEW_PANEL_PACK)
def panel_meeting(meeting_id):
    """A meeting and its anonymised agenda, with the agenda's buttons for editors."""
    meeting = service.meeting_or_404(meeting_id)
    return _render_meeting(meeting)


def _render_meeting(meeting, status=200, refused=None):
    """The meeting page; `refused` is a move form whose errors the page's summary shows."""
    return render_template(
        "cdr/panel/meeting.html",
        meeting=meeting,
        recorded_after_by=service.recorded_after_by(meeting),
        agenda=service.agenda(meeting),
        title=service.meeting_title(meeting),
        time_label=service.time_label,
        may_edit=current_user.can(Permission.EDIT_CDR_CASES),
        move_form=MoveItemForm(formdata=None),
        form=refused,
    ), status


@bp.route("/panel-meetings/<int:meeting_id>/ready-cases", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def panel_ready_cases(meeting_id):
    """Cases ready for the panel, each with a button that adds it to this meeting."""
    meeting = service.meeting_or_404(meeting_id)
    today = london_today()
    form = AddToAgendaForm()
    if form.validate_on_submit():
        try:
            item = service.add_to_agenda(meeting, form.case_id.data, today)
        except service.AgendaError as error:
            form.case_id.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Case added to the agenda, number {item.position}.", "success")
            return redirect(url_for("cdr.panel_meeting", meeting_id=meeting.id))
    pagination = page_of(service.ready_cases_query(meeting, today))
    return render_template(
        "cdr/panel/ready.html",
        form=form,
        meeting=meeting,
        title=service.meeting_title(meeting),
        ready=service.ready_rows(pagination.items),
        total=pagination.total,
        pagination=_pagination(pagination, url_for("cdr.panel_ready_cases",
                                                    meeting_id=meeting.id)),
    ), (400 if form.errors else 200)


def _pagination(pagination, base):
    """govukPagination parameters for a list at `base` whose only query argument is ?page=
    (tracker.views.audit.pagination_params serves lists whose URL has no arguments)."""
    if pagination.pages <= 1:
        return None

    def href(number):
        return f"{base}?{urlencode([('page', number)])}"

    params = {"items": [
        {"ellipsis": True} if number is None
        else {"number": number, "href": href(number), "current": number == pagination.page}
        for number in pagination.iter_pages(left_edge=1, left_current=1, right_current=2,
                                            right_edge=1)
    ]}
    if pagination.has_prev:
        params["previous"] = {"href": href(pagination.prev_num)}
    if pagination.has_next:
        params["next"] = {"href": href(pagination.next_num)}
    return params


@bp.route("/panel-meetings/<int:meeting_id>/items/<int:item_id>/move", methods=["POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def move_panel_item(meeting_id, item_id):
    """Move a case one place up or down the agenda."""
    meeting = service.meeting_or_404(meeting_id)
    item = service.item_or_404(meeting, item_id)
    form = MoveItemForm()
    if not form.validate_on_submit():
        return _render_meeting(meeting, status=400)
    try:
        versioning.check(form, item)
        moved = service.move(meeting, item, form.direction.data)
        db.session.commit()
    except versioning.STALE:
        # The order the user saw has changed: show the agenda as it is now.
        return _render_meeting(meeting, versioning.refuse(form, item), refused=form)
    if moved:
        flash("Agenda order changed.", "success")
    return redirect(url_for("cdr.panel_meeting", meeting_id=meeting.id, _anchor="agenda"))


@bp.route("/panel-meetings/<int:meeting_id>/items/<int:item_id>/remove",
          methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def remove_panel_item(meeting_id, item_id):
    """Confirm, then take a case off the agenda."""
    meeting = service.meeting_or_404(meeting_id)
    item = service.item_or_404(meeting, item_id)
    reference = service.reference_of(item)
    refused = None
    if request.method == "POST":
        try:
            service.remove_from_agenda(meeting, item)
        except service.AgendaError as error:
            refused = str(error)
        else:
            db.session.commit()
            flash(f"{reference} removed from the agenda.", "success")
            return redirect(url_for("cdr.panel_meeting", meeting_id=meeting.id))
    elif service.outcome_recorded_at(meeting, item):
        refused = service.OUTCOME_STANDS
    return render_template("cdr/panel/remove.html", meeting=meeting, reference=reference,
                           item=item, title=service.meeting_title(meeting), refused=refused,
                           case_id=item.case_id), (400 if refused and request.method == "POST"
                                                   else 200)


@bp.route("/panel-meetings/<int:meeting_id>/cases/<int:case_id>")
@permission_required(Permission.VIEW_PANEL_PACK)
def panel_case_summary(meeting_id, case_id):
    """The anonymised summary of a case on the agenda (what panel members read)."""
    meeting = service.meeting_or_404(meeting_id)
    case = service.summary_case_or_404(meeting, case_id)
    db.session.commit()
    row = service.ready_rows([case])[0]
    return render_template("cdr/panel/summary.html", meeting=meeting, case=case, row=row,
                           analysis=analysis.compared(case),
                           confirmed=case.review_completed_on is not None,
                           title=service.meeting_title(meeting),
                           may_edit=current_user.can(Permission.EDIT_CDR_CASES))


@bp.route("/panel-meetings/<int:meeting_id>/papers")
@permission_required(Permission.VIEW_PANEL_PACK)
def panel_papers(meeting_id):
    """The meeting's papers to print or save as PDF: each case on the agenda in turn, from
    its anonymised summary (the case table alone), a case to a page (audited once)."""
    meeting = service.meeting_or_404(meeting_id)
    title = service.meeting_title(meeting)
    agenda = service.agenda(meeting)
    audit.record(audit.Action.VIEW, object_type="PanelMeeting", object_id=meeting.id,
                 partnership_id=meeting.partnership_id,
                 detail=f"Viewed the printable papers of the {title}: "
                        f"{', '.join(row.case.reference for row in agenda) or 'no case'}")
    db.session.commit()
    papers = [(row, analysis.compared(row.case), row.case.review_completed_on is not None)
              for row in agenda]
    return render_template("cdr/panel/papers.html", meeting=meeting, title=title,
                           papers=papers)


# --- The outcome of a case, its actions, reopening ---------------------------------------

@bp.route("/<int:case_id>/outcome", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def case_outcome(case_id):
    """Record the CDOP meeting's outcome (the confirmed analysis); saving it closes the case.
    Only at a CDOP meeting that has taken place with the case on its agenda, and never dated
    before that meeting."""
    case = access.case_or_404(case_id)
    today = london_today()
    held = outcome.held_meetings(case, today)
    form = OutcomeForm(obj=case, date_of_death=case.date_of_death, today=today, meetings=held,
                       identifies=requests_service.identifying_check(case))
    status = 200
    # Without a CDOP meeting held, the form has no meeting to choose and is refused.
    if case.closed_on is None and service.is_ready(case) and form.validate_on_submit():
        try:
            versioning.check(form, case)
            outcome.record_outcome(case, meeting_id=form.outcome_meeting.data,
                                   review_completed_on=form.review_completed_on.data,
                                   today=today, **_outcome_values(form))
        except versioning.STALE:
            status = versioning.refuse(form, case)
        except outcome.OutcomeRefused as refused:
            form[refused.field].errors.append(str(refused))
            status = 400
        else:
            db.session.commit()
            flash(f"Outcome recorded. {case.reference} is closed.", "success")
            return redirect(url_for("cdr.case", case_id=case.id, _anchor="panel"))
    elif request.method == "POST" and form.errors:
        status = 400
    elif request.method == "GET":
        form.version.data = str(case.version)
        _fill_from_draft(form, case, held)
    return render_template("cdr/panel/outcome.html", form=form, case=case,
                           ready=service.is_ready(case), held=held,
                           outcome_meeting=outcome.outcome_meeting(case),
                           analysis=analysis.compared(case),
                           actions=panel_actions.actions(case, today),
                           complete_form=CompleteActionForm(formdata=None)), status


def _fill_from_draft(form, case, held):
    """Open the form on the child death review meeting's draft, for the CDOP meeting to
    confirm or change, and on the latest CDOP meeting held, dated that day."""
    if case.closed_on is not None:
        return
    for item, column in CONFIRMED_ANALYSIS.items():
        draft = getattr(case, DRAFT_ANALYSIS[item])
        if getattr(case, column) is None and draft is not None:
            form[column].data = draft
    if held:
        form.outcome_meeting.data = held[0].id
        if form.review_completed_on.data is None:
            form.review_completed_on.data = held[0].meeting_on


def _outcome_values(form):
    return {column: form[column].data for column in CONFIRMED_ANALYSIS.values()}


@bp.route("/<int:case_id>/actions/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def new_case_action(case_id):
    """Add an action agreed at the panel review."""
    case = access.case_or_404(case_id)
    form = ActionForm()
    form.reminded.set_accounts(panel_actions.reminder_accounts(case), blank="The case owner")
    if form.validate_on_submit():
        form.claim_submission()
        try:
            panel_actions.add_action(case, description=form.description.data, owner=form.owner.data,
                               due_on=form.due_on.data, owner_user_id=form.reminded.user_id)
        except panel_actions.ActionRefused as refused:
            submissions.release()
            form.reminded.errors.append(str(refused))
        else:
            submissions.made(url_for("cdr.case_outcome", case_id=case.id, _anchor="actions"))
            db.session.commit()
            flash(f"Action for {form.owner.data} added, due {format_date(form.due_on.data)}.",
                  "success")
            return redirect(url_for("cdr.case_outcome", case_id=case.id, _anchor="actions"))
    return render_template("cdr/panel/action.html", form=form, case=case), (
        400 if form.errors else 200)


@bp.route("/<int:case_id>/actions/<int:action_id>/complete", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def complete_case_action(case_id, action_id):
    """Mark an action completed, on its date, with its evidence."""
    case = access.case_or_404(case_id) if request.method == "POST" \
        else access.view_case(case_id, "action completion page")
    action = panel_actions.action_or_404(case, action_id)
    back = url_for("cdr.case_outcome", case_id=case.id, _anchor="actions")
    if action.completed_on is not None:
        flash("That action is already completed.", "info")
        return redirect(back)
    form = CompleteActionForm(date_of_death=case.date_of_death, today=london_today())
    if form.validate_on_submit():
        panel_actions.complete_action(case, action, completed_on=form.completed_on.data,
                                evidence=form.evidence.data)
        db.session.commit()
        flash("Action marked as completed.", "success")
        return redirect(back)
    return render_template("cdr/panel/complete_action.html", form=form, case=case,
                           action=action), (400 if form.errors else 200)


@bp.route("/<int:case_id>/reopen", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def reopen_case(case_id):
    """Reopen a closed case, with the reason."""
    case = access.case_or_404(case_id)
    if case.closed_on is None:
        flash(f"{case.reference} is open: there is nothing to reopen.", "info")
        return redirect(url_for("cdr.case", case_id=case.id))
    form = ReopenForm()
    status = 200
    if form.validate_on_submit():
        try:
            versioning.check(form, case)
        except versioning.STALE:
            status = versioning.refuse(form, case)
        else:
            outcome.reopen(case, form.reason.data, london_today())
            db.session.commit()
            flash(f"{case.reference} reopened.", "success")
            return redirect(url_for("cdr.case", case_id=case.id, _anchor="panel"))
    elif form.errors:
        status = 400
    else:
        form.version.data = str(case.version)
    return render_template("cdr/panel/reopen.html", form=form, case=case), status
