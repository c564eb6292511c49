"""Information from agencies: a practice review's requests for information, sent to a
directory contact as a personal link, and the business unit's review of the written
response (reviews.services.information_requests). Every page needs EDIT_REVIEWS (the
business unit); the incident is found in the user's partnerships (404 otherwise), pages
shown are audited, and every change is audited by its model."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.reviews.incident import add_problems
from forms.reviews.information_requests import (
    ChasingForm,
    InformationRequestForm,
    ReviewAnswerForm,
    RevokeLinkForm,
    SendLinkForm,
)
from reviews import bp
from reviews.models import INFORMATION_STAGES, INFORMATION_STATUSES
from reviews.services import access
from reviews.services import information_requests as service
from tracker import agency_access, submissions
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import london_today, utcnow
from tracker.views import agency_chasing
from tracker.views import agency_links as agency_link_buttons


def _incident(incident_id, what):
    if request.method == "POST":
        return access.incident_or_404(incident_id)
    return access.view_incident(incident_id, what)


def _page_url(incident, info):
    return url_for("reviews.information_request", incident_id=incident.id,
                   information_request_id=info.id)


@bp.route("/<int:incident_id>/information-requests/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def new_information_request(incident_id):
    """Ask an agency of the directory for information for the rapid or the local review:
    saved and sent to the chosen contact as a personal link at once."""
    incident = _incident(incident_id, "new request for information page")
    stages = service.stages_for(incident)
    form = InformationRequestForm(stages=stages, contacts=service.contacts_for(incident),
                                  data=None if request.method == "POST" else {
                                      "stage": next(iter(stages)) if len(stages) == 1
                                      else None})
    if form.validate_on_submit():
        form.claim_submission()
        try:
            info = service.make(incident, stage=form.stage.data, contact_id=form.contact.data,
                                asked=form.asked.data, due_on=form.due_on.data,
                                user=current_user, today=london_today(), now=utcnow())
        except service.Refused as refused:
            submissions.release()
            add_problems(form, refused.problems)
        else:
            submissions.made(_page_url(incident, info))
            db.session.commit()
            flash("The request for information has been sent as a personal link", "success")
            return redirect(_page_url(incident, info))
    return render_template("reviews/information/new.html", incident=incident, form=form,
                           child_rows=_child_rows(incident)), (400 if form.errors else 200)


def _child_rows(incident):
    """What the agency will see of the child (the name only for users who may see it; the
    business unit may)."""
    return service.child_rows(incident, access.child_of(incident))


@bp.route("/<int:incident_id>/information-requests/<int:information_request_id>")
@permission_required(Permission.EDIT_REVIEWS)
def information_request(incident_id, information_request_id):
    """One request: what is asked, its links, and the responses to review."""
    incident = access.view_incident(incident_id, "request for information page")
    info = service.request_or_404(incident, information_request_id)
    return _render(incident, info)


def _render(incident, info, send_form=None, review_form=None, status=200):
    return render_template(
        "reviews/information/request.html", incident=incident, info=info,
        agency=service.agency_of(info), stage=INFORMATION_STAGES.get(info.stage, info.stage),
        status_label=INFORMATION_STATUSES.get(info.status, info.status),
        child_rows=_child_rows(incident),
        links=service.links_shown(info, utcnow()),
        send_form=send_form or SendLinkForm(contacts=service.contacts_of_agency(info)),
        revoke_form=RevokeLinkForm(), chasing_form=ChasingForm(),
        answers=service.answers_shown(info),
        review_form=review_form or ReviewAnswerForm(),
        answer_labels=agency_access.STATUS_LABELS, awaiting=agency_access.SUBMITTED), status


@bp.route("/<int:incident_id>/information-requests/<int:information_request_id>/link",
          methods=["POST"])
@permission_required(Permission.EDIT_REVIEWS)
def send_information_link(incident_id, information_request_id):
    """Send the request (again) to a contact of its agency: a new link, the old one stops."""
    incident = access.incident_or_404(incident_id)
    info = service.request_or_404(incident, information_request_id)
    send_form = SendLinkForm(contacts=service.contacts_of_agency(info))
    if agency_link_buttons.send(send_form, lambda contact_id: service.send_again(
            incident, info, contact_id, current_user)):
        return redirect(_page_url(incident, info))
    return _render(incident, info, send_form=send_form, status=400)


@bp.route("/<int:incident_id>/information-requests/<int:information_request_id>/link/revoke",
          methods=["POST"])
@permission_required(Permission.EDIT_REVIEWS)
def revoke_information_link(incident_id, information_request_id):
    """Stop one of the request's links working."""
    incident = access.incident_or_404(incident_id)
    info = service.request_or_404(incident, information_request_id)
    agency_link_buttons.revoke(RevokeLinkForm(), service.OWNER_TYPE, info.id)
    return redirect(_page_url(incident, info))


@bp.route("/<int:incident_id>/information-requests/<int:information_request_id>/link/renew",
          methods=["POST"])
@permission_required(Permission.EDIT_REVIEWS)
def renew_information_link(incident_id, information_request_id):
    """Give one of the request's links (live or expired) a new expiry from now (saying the
    partnership's own number of days, if it set one)."""
    incident = access.incident_or_404(incident_id)
    info = service.request_or_404(incident, information_request_id)
    agency_link_buttons.renew(RevokeLinkForm(), service.OWNER_TYPE, info.id,
                              db.session.get(Partnership, incident.partnership_id))
    return redirect(_page_url(incident, info))


@bp.route("/<int:incident_id>/information-requests/<int:information_request_id>/chasing",
          methods=["POST"])
@permission_required(Permission.EDIT_REVIEWS)
def information_request_chasing(incident_id, information_request_id):
    """Pause chasing the agency by e-mail for this request, or resume it (audited)."""
    incident = access.incident_or_404(incident_id)
    info = service.request_or_404(incident, information_request_id)
    agency_chasing.pause_or_resume(info, ChasingForm())
    return redirect(_page_url(incident, info) + "#chasing")


@bp.route("/<int:incident_id>/information-requests/<int:information_request_id>/accept",
          methods=["POST"])
@permission_required(Permission.EDIT_REVIEWS)
def accept_information_answer(incident_id, information_request_id):
    """Accept the written response awaiting review."""
    incident = access.incident_or_404(incident_id)
    info = service.request_or_404(incident, information_request_id)
    link_id = agency_link_buttons.link_id_of(ReviewAnswerForm())
    link = service.awaiting_link(info, link_id) if link_id is not None else None
    if link is None:
        flash("Nothing was changed: the response was already reviewed", "error")
    else:
        service.accept(incident, info, link, current_user, london_today())
        db.session.commit()
        flash("The written response has been accepted", "success")
    return redirect(_page_url(incident, info))


@bp.route("/<int:incident_id>/information-requests/<int:information_request_id>/query",
          methods=["POST"])
@permission_required(Permission.EDIT_REVIEWS)
def query_information_answer(incident_id, information_request_id):
    """Send the written response back with a question: the same link works again."""
    incident = access.incident_or_404(incident_id)
    info = service.request_or_404(incident, information_request_id)
    review_form = ReviewAnswerForm()
    link_id = agency_link_buttons.link_id_of(review_form)
    if review_form.question.errors:
        return _render(incident, info, review_form=review_form, status=400)
    link = service.awaiting_link(info, link_id) if link_id is not None else None
    if link is not None and not review_form.question.data:
        review_form.question.errors.append("Enter your question to the agency")
        return _render(incident, info, review_form=review_form, status=400)
    if link is None:
        flash("Nothing was changed: the response was already reviewed", "error")
    else:
        service.query(incident, info, link, review_form.question.data, current_user,
                      london_today())
        db.session.commit()
        flash("Your question has been sent: the agency's link works again", "success")
    return redirect(_page_url(incident, info))
