"""Agency information requests (one, or several at once), information complete, and the
child death review meeting."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cdr import bp
from cdr.models import DRAFT_ANALYSIS
from cdr.services import access, request_links
from cdr.services import requests as service
from forms.cdr.request_links import ChasingForm, ReviewAnswerForm, RevokeLinkForm, SendLinkForm
from forms.cdr.requests import (
    EditRequestForm,
    InformationCompleteForm,
    NewRequestForm,
    ReviewMeetingForm,
    SeveralRequestsForm,
)
from tracker import agency_access, attachments, submissions, versioning
from tracker.extensions import db
from tracker.pagination import COUNT_CAP, page_of, pagination_params
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_today, utcnow
from tracker.views import agency_chasing
from tracker.views import agency_links as agency_link_buttons


def _case_url(case, anchor="information"):
    return url_for("cdr.case", case_id=case.id, _anchor=anchor)


@bp.route("/requests")
@permission_required(Permission.VIEW_CDR_CASES)
def outstanding_requests():
    """Every request not yet returned, across the user's cases, oldest sent first."""
    pagination = page_of(service.outstanding_query(visible_partnership_ids()),
                         count_cap=COUNT_CAP)
    return render_template(
        "cdr/requests/outstanding.html",
        rows=service.with_status(pagination.items, london_today()),
        total=pagination.total,
        capped=pagination.capped,
        pagination=pagination_params(pagination, "cdr.outstanding_requests", request.args),
    )


@bp.route("/<int:case_id>/requests/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def new_request(case_id):
    """Record a request for information sent to an agency."""
    case = access.case_or_404(case_id)
    form = NewRequestForm(date_of_death=case.date_of_death, today=london_today())
    if form.validate_on_submit():
        form.claim_submission()
        service.add_request(case, agency=form.agency.data, sent_on=form.sent_on.data,
                            reporting_form=form.reporting_form.data)
        submissions.made(_case_url(case))
        db.session.commit()
        flash(f"Request to {form.agency.data} added", "success")
        return redirect(_case_url(case))
    return render_template("cdr/requests/new.html", case=case, form=form), (
        400 if form.errors else 200)


@bp.route("/<int:case_id>/requests/several", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def several_requests(case_id):
    """Ask several agencies for their reporting forms at once: one request (and deadline)
    each, saved together."""
    case = access.case_or_404(case_id) if request.method == "POST" \
        else access.view_case(case_id, "several requests page")
    suggestions = service.suggested_agencies(case)
    contacts = request_links.contacts_for(case)
    form = SeveralRequestsForm(
        date_of_death=case.date_of_death, today=london_today(), suggestions=suggestions,
        contacts=contacts,
        suggested_contacts=request_links.suggested_contacts(contacts, suggestions))
    if form.validate_on_submit():
        form.claim_submission()
        added = service.add_requests(case, sent_on=form.sent_on.data, wanted=form.wanted())
        db.session.flush()
        try:
            sent = request_links.send_several(case, added, form.links(), current_user)
        except request_links.Refused as refused:  # a contact removed since the page opened
            db.session.rollback()
            flash(f"Nothing was saved: {refused}", "error")
            return redirect(url_for("cdr.several_requests", case_id=case.id))
        submissions.made(_case_url(case))
        db.session.commit()
        flash(f"{len(added)} request{'s' if len(added) > 1 else ''} added"
              + (f", {sent} sent as personal links" if sent else ""), "success")
        return redirect(_case_url(case))
    return render_template("cdr/requests/several.html", case=case, form=form), (
        400 if form.errors else 200)


@bp.route("/<int:case_id>/requests/<int:request_id>", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def edit_request(case_id, request_id):
    """Record that a request was chased or returned, and a summary of what came back."""
    case = access.case_or_404(case_id)
    agency_request = service.request_or_404(case, request_id)
    form = EditRequestForm(obj=_on_get(agency_request), date_of_death=case.date_of_death,
                           today=london_today())
    versioning.opened_at(form, agency_request)
    status = 400
    if form.validate_on_submit():
        try:
            versioning.check(form, agency_request)
            service.update_request(
                case, agency_request, agency=form.agency.data, sent_on=form.sent_on.data,
                chased_on=form.chased_on.data, returned_on=form.returned_on.data,
                summary=form.summary.data, reporting_form=form.reporting_form.data,
            )
            db.session.commit()
        except versioning.STALE:
            status = versioning.refuse(form, agency_request)
        else:
            flash(f"Request to {agency_request.agency} saved", "success")
            return redirect(_case_url(case))
    return _render_request(case, agency_request, form), (status if form.errors else 200)


def _render_request(case, agency_request, form, send_form=None, review_form=None):
    """The request page: its form, its personal links with the form to send one, and the
    reporting forms sent online to review."""
    answers = request_links.answers_shown(agency_request)
    return render_template(
        "cdr/requests/edit.html", case=case, agency_request=agency_request, form=form,
        links=request_links.links_shown(agency_request, utcnow()),
        send_form=send_form or SendLinkForm(contacts=request_links.contacts_for(case)),
        revoke_form=RevokeLinkForm(), chasing_form=ChasingForm(), answers=answers,
        attached=attachments.of_answers(answer.id for _link, answer, _rows in answers),
        size_text=attachments.size_text,
        review_form=review_form or ReviewAnswerForm(), answer_labels=agency_access.STATUS_LABELS,
        awaiting=agency_access.SUBMITTED)


def _sent_answer(agency_request, form):
    """The link of a reporting form sent online and awaiting review that the form names."""
    link_id = agency_link_buttons.link_id_of(form)
    return (agency_access.awaiting_link(request_links.OWNER_TYPE, agency_request.id, link_id)
            if link_id is not None else None)


@bp.route("/<int:case_id>/requests/<int:request_id>/attachments/<int:attachment_id>")
@permission_required(Permission.EDIT_CDR_CASES)
def agency_attachment(case_id, request_id, attachment_id):
    """A file an agency attached to a reporting form sent online: only as a download, only
    to staff who may see the request's case, every download audited."""
    case = access.case_or_404(case_id)
    agency_request = service.request_or_404(case, request_id)
    row = db.session.get(attachments.AgencyAttachment, attachment_id)
    link = request_links.link_or_none(agency_request, row.link_id) if row else None
    answer = agency_access.answer_of(link) if link is not None else None
    if (answer is None or answer.id != row.answer_id or answer.status == agency_access.DRAFT
            or row.partnership_id != case.partnership_id
            or not attachments.path_of(row).is_file()):
        abort(404)
    response = attachments.download(row, current_user)
    db.session.commit()
    return response


@bp.route("/<int:case_id>/requests/<int:request_id>/answers/accept", methods=["POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def accept_agency_answer(case_id, request_id):
    """Accept a reporting form sent online: the request is returned on the day it was sent."""
    case = access.case_or_404(case_id)
    agency_request = service.request_or_404(case, request_id)
    link = _sent_answer(agency_request, ReviewAnswerForm())
    if link is None:
        flash("Nothing was changed: the form was already reviewed", "error")
    else:
        request_links.accept(case, agency_request, link, current_user)
        db.session.commit()
        flash("The reporting form has been accepted: the request is returned", "success")
    return redirect(url_for("cdr.edit_request", case_id=case.id, request_id=agency_request.id))


@bp.route("/<int:case_id>/requests/<int:request_id>/answers/query", methods=["POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def query_agency_answer(case_id, request_id):
    """Send a reporting form sent online back with a question: the same link works again."""
    case = access.case_or_404(case_id)
    agency_request = service.request_or_404(case, request_id)
    review_form = ReviewAnswerForm()
    link = _sent_answer(agency_request, review_form)
    if link is not None and not review_form.question.data:
        review_form.question.errors.append("Enter your question to the agency")
    elif link is None:
        flash("Nothing was changed: the form was already reviewed", "error")
    else:
        agency_access.query(link, review_form.question.data, current_user)
        db.session.commit()
        flash("Your question has been sent: the agency's link works again", "success")
    if not review_form.errors:
        return redirect(url_for("cdr.edit_request", case_id=case.id,
                                request_id=agency_request.id))
    form = EditRequestForm(obj=agency_request, formdata=None, date_of_death=case.date_of_death,
                           today=london_today())
    form.version.data = str(agency_request.version)
    return _render_request(case, agency_request, form, review_form=review_form), 400


@bp.route("/<int:case_id>/requests/<int:request_id>/link", methods=["POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def send_request_link(case_id, request_id):
    """Send the request to a directory contact as a personal link (again: a new link, and
    the old one stops working)."""
    case = access.case_or_404(case_id)
    agency_request = service.request_or_404(case, request_id)
    send_form = SendLinkForm(contacts=request_links.contacts_for(case))
    if agency_link_buttons.send(send_form, lambda contact_id: request_links.send(
            case, agency_request, contact_id, current_user)[1]):
        return redirect(url_for("cdr.edit_request", case_id=case.id,
                                request_id=agency_request.id))
    form = EditRequestForm(obj=agency_request, formdata=None, date_of_death=case.date_of_death,
                           today=london_today())
    form.version.data = str(agency_request.version)
    return _render_request(case, agency_request, form, send_form), 400


@bp.route("/<int:case_id>/requests/<int:request_id>/chasing", methods=["POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def request_chasing(case_id, request_id):
    """Pause chasing the agency by e-mail for this request, or resume it (audited)."""
    case = access.case_or_404(case_id)
    agency_request = service.request_or_404(case, request_id)
    agency_chasing.pause_or_resume(agency_request, ChasingForm())
    return redirect(url_for("cdr.edit_request", case_id=case.id, request_id=agency_request.id,
                            _anchor="chasing"))


@bp.route("/<int:case_id>/requests/<int:request_id>/link/revoke", methods=["POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def revoke_request_link(case_id, request_id):
    """Stop one of the request's links working."""
    case = access.case_or_404(case_id)
    agency_request = service.request_or_404(case, request_id)
    agency_link_buttons.revoke(RevokeLinkForm(), request_links.OWNER_TYPE, agency_request.id)
    return redirect(url_for("cdr.edit_request", case_id=case.id, request_id=agency_request.id))


@bp.route("/<int:case_id>/requests/<int:request_id>/link/renew", methods=["POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def renew_request_link(case_id, request_id):
    """Give one of the request's links (live or expired) a new expiry from today."""
    from tracker.models import Partnership

    case = access.case_or_404(case_id)
    agency_request = service.request_or_404(case, request_id)
    agency_link_buttons.renew(RevokeLinkForm(), request_links.OWNER_TYPE, agency_request.id,
                              db.session.get(Partnership, case.partnership_id))
    return redirect(url_for("cdr.edit_request", case_id=case.id, request_id=agency_request.id))


@bp.route("/<int:case_id>/information-complete", methods=["POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def information_complete(case_id):
    """Mark the information for the review as complete, or as not complete again."""
    case = access.case_or_404(case_id)
    today = london_today()
    form = InformationCompleteForm(notified_on=case.notification_received_on, today=today)
    if not form.validate_on_submit():
        return render_template("cdr/requests/information_complete.html", case=case,
                               form=form, refused=None), 400
    try:
        versioning.check(form, case)
    except versioning.STALE as stale:
        # A button (and a date): the summary links to what the case says now.
        refused = versioning.refusal(
            form, case, stale=stale,
            then="What the case says now is below: check it and save again if you should")
        return render_template("cdr/requests/information_complete.html", case=case,
                               form=form, refused=refused), 409
    complete = form.complete.data == "yes"
    changing = complete and case.information_complete
    if changing and case.information_complete_on == form.information_complete_on.data:
        flash("The date the information was complete is unchanged", "info")
        return redirect(_case_url(case))
    service.set_information_complete(case, complete, today=today,
                                     complete_on=form.information_complete_on.data)
    db.session.commit()
    flash("Date the information was complete changed" if changing
          else "Information marked complete" if complete
          else "Information marked as not complete", "success")
    return redirect(_case_url(case))


@bp.route("/<int:case_id>/review-meeting", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def review_meeting(case_id):
    """Record the child death review meeting and its draft analysis."""
    if request.method == "GET":
        case = access.view_case(case_id, "child death review meeting form")
    else:
        case = access.case_or_404(case_id)
    form = ReviewMeetingForm(obj=_on_get(case), date_of_death=case.date_of_death,
                             today=london_today(), identifies=service.identifying_check(case))
    if request.method == "GET":
        form.version.data = case.version
    if form.validate_on_submit():
        try:
            versioning.check(form, case)
        except versioning.STALE:
            versioning.refuse(form, case)
        else:
            service.record_review_meeting(
                case, held_on=form.review_meeting_on.data,
                attendees=form.review_meeting_attendees.data,
                summary=form.analysis_summary.data, factors=form.analysis_factors.data,
                **{column: form[column].data for column in DRAFT_ANALYSIS.values()},
            )
            db.session.commit()
            flash("Child death review meeting saved", "success")
            return redirect(_case_url(case, "review-meeting"))
    status = 409 if form.version.errors else (400 if form.errors else 200)
    return render_template("cdr/requests/review_meeting.html", case=case, form=form), status


def _on_get(record):
    """The record to fill a form from: only when showing it, so a post is read as posted."""
    return record if request.method == "GET" else None
