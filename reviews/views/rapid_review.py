"""The rapid review (its meetings, findings and recommendation), the Panel's response, and
the decision on a review."""

from flask import abort, flash, redirect, render_template, request, url_for

from forms.reviews.decision import DecisionForm
from forms.reviews.incident import add_problems
from forms.reviews.rapid_review import MeetingForm, PanelResponseForm, RapidReviewForm
from reviews import bp
from reviews.services import access
from reviews.services import decision as decisions
from reviews.services import rapid_review as service
from reviews.views.incidents import _incident_for, save_form
from tracker import submissions
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import london_today


@bp.route("/<int:incident_id>/rapid-review", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def rapid_review(incident_id):
    """The rapid review's findings, the partnership's recommendation and the date it went
    to the Panel (which meets the `rapid_review` deadline); meetings are added beside it."""
    incident = _incident_for(incident_id, "rapid review form")

    def make_form(fresh=False):
        posted = request.method == "POST" and not fresh
        return RapidReviewForm(**({} if posted else {"formdata": None}),
                               data=None if posted else RapidReviewForm.data_from(incident))

    def render(form, status, stale=False):
        return _render_rapid_review(incident, form, MeetingForm(formdata=None), status, stale)

    return save_form(incident, make_form, render,
                     lambda form: service.save_details(incident, form.values(), london_today()),
                     "The rapid review has been saved", "rapid-review")


def _render_rapid_review(incident, form, meeting_form, status, stale=False):
    return render_template("reviews/rapid_review/edit.html", incident=incident, form=form,
                           meeting_form=meeting_form, meetings=service.meetings_of(incident),
                           stale=stale), status


@bp.route("/<int:incident_id>/rapid-review/meetings", methods=["POST"])
@permission_required(Permission.EDIT_REVIEWS)
def add_rapid_review_meeting(incident_id):
    """Add a meeting date of the rapid review."""
    incident = access.incident_or_404(incident_id)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            form.claim_submission()
            service.add_meeting(incident, form.meeting_on.data)
            submissions.made(url_for("reviews.rapid_review", incident_id=incident.id))
            db.session.commit()
        except service.Problems as refused:
            submissions.release()
            add_problems(form, refused.problems)
        else:
            flash("Meeting added", "success")
            return redirect(url_for("reviews.rapid_review", incident_id=incident.id))
    details = RapidReviewForm(formdata=None, data=RapidReviewForm.data_from(incident))
    return _render_rapid_review(incident, details, form, 400)


@bp.route("/<int:incident_id>/rapid-review/meetings/<int:meeting_id>/remove", methods=["POST"])
@permission_required(Permission.EDIT_REVIEWS)
def remove_rapid_review_meeting(incident_id, meeting_id):
    """Remove a meeting date entered by mistake (the timeline keeps that it was removed)."""
    incident = access.incident_or_404(incident_id)
    if service.remove_meeting(incident, meeting_id) is None:
        abort(404)
    db.session.commit()
    flash("Meeting removed", "success")
    return redirect(url_for("reviews.rapid_review", incident_id=incident.id))


@bp.route("/<int:incident_id>/panel-response", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def panel_response(incident_id):
    """The Panel's response to the rapid review: national review or not, information asked."""
    incident = _incident_for(incident_id, "Panel response form")

    def make_form(fresh=False):
        posted = request.method == "POST" and not fresh
        return PanelResponseForm(**({} if posted else {"formdata": None}),
                                 data=None if posted else PanelResponseForm.data_from(incident))

    def render(form, status, stale=False):
        return render_template("reviews/rapid_review/panel_response.html", incident=incident,
                               form=form, stale=stale), status

    return save_form(incident, make_form, render,
                     lambda form: service.save_response(incident, form.values(),
                                                        london_today()),
                     "The Panel's response has been saved", "rapid-review")


@bp.route("/<int:incident_id>/decision", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def decision(incident_id):
    """The decision: a local review, a national review by the Panel, or none."""
    incident = _incident_for(incident_id, "decision form")

    def make_form(fresh=False):
        posted = request.method == "POST" and not fresh
        return DecisionForm(**({} if posted else {"formdata": None}),
                            data=None if posted else DecisionForm.data_from(incident))

    def render(form, status, stale=False):
        return render_template("reviews/decision/edit.html", incident=incident, form=form,
                               reviewers=decisions.reviewer_names(incident),
                               stale=stale), status

    return save_form(incident, make_form, render,
                     lambda form: decisions.record(incident, form.values(), london_today()),
                     "The decision has been saved", "decision")
