"""Recommendations of a review's final report, their actions and progress updates, and the
overdue actions across reviews."""

from flask import flash, redirect, render_template, request, url_for

from forms.reviews.actions import ActionForm, RecommendationForm, UpdateForm
from forms.reviews.incident import add_problems
from reviews import bp
from reviews.models import ACTION_STATUSES, DELAY_REASONS, PUBLISH_TYPES
from reviews.services import actions as service
from reviews.services.incidents import Problems
from reviews.views.incidents import _incident_for
from reviews.views.local_review import _posted_or, save_record
from tracker import submissions
from tracker.accounts import name_of
from tracker.extensions import db
from tracker.pagination import page_of, pagination_params
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_today


@bp.context_processor
def review_words():
    """The local review, publication and action vocabularies in words, for templates."""
    return {"action_statuses": ACTION_STATUSES, "delay_reasons": DELAY_REASONS,
            "publish_types": PUBLISH_TYPES}


def _recommendations_url(incident):
    return url_for("reviews.recommendations", incident_id=incident.id)


@bp.route("/overdue-actions")
@permission_required(Permission.VIEW_REVIEWS)
def overdue_actions():
    """Open actions past their due date across the user's reviews, oldest due first."""
    today = london_today()
    pagination = page_of(service.overdue_query(visible_partnership_ids(), today))
    return render_template(
        "reviews/actions/overdue.html", rows=service.overdue_rows(pagination.items, today),
        total=pagination.total,
        pagination=pagination_params(pagination, "reviews.overdue_actions", request.args),
    )


@bp.route("/<int:incident_id>/recommendations", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def recommendations(incident_id):
    """The final report's recommendations with their actions, and a form to add one."""
    incident = _incident_for(incident_id, "recommendations")
    service.reviewed(incident)
    form = RecommendationForm(**_posted_or({"number": service.next_number(incident)}))

    def render(form, status):
        return render_template("reviews/actions/recommendations.html", incident=incident,
                               form=form, section=service.section(incident, london_today())
                               ), status

    return save_record(form, render,
                       lambda form: service.save_recommendation(incident, None,
                                                                form.number.data,
                                                                form.text.data),
                       "Recommendation added", _recommendations_url(incident), creates=True)


@bp.route("/<int:incident_id>/recommendations/<int:recommendation_id>",
          methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def recommendation(incident_id, recommendation_id):
    """Change a recommendation's number or text."""
    incident = _incident_for(incident_id, "recommendation form")
    service.reviewed(incident)
    found = service.recommendation_or_404(incident, recommendation_id)
    form = RecommendationForm(**_posted_or({"number": found.number, "text": found.text}))

    def render(form, status):
        return render_template("reviews/actions/recommendation.html", incident=incident,
                               recommendation=found, form=form), status

    return save_record(form, render,
                       lambda form: service.save_recommendation(incident, found,
                                                                form.number.data,
                                                                form.text.data),
                       f"Recommendation {found.number} saved", _recommendations_url(incident),
                       record=found)


@bp.route("/<int:incident_id>/recommendations/<int:recommendation_id>/actions/new",
          methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def new_review_action(incident_id, recommendation_id):
    """Add an action to a recommendation."""
    incident = _incident_for(incident_id, "action form")
    service.reviewed(incident)
    found = service.recommendation_or_404(incident, recommendation_id)
    form = ActionForm(**_posted_or({"status": "not_started"}))
    form.owner_user_id.set_accounts(service.reminder_accounts(incident), blank="The case owner")

    def render(form, status):
        return render_template("reviews/actions/action.html", incident=incident,
                               recommendation=found, action=None, updates=[], form=form,
                               update_form=None), status

    return save_record(form, render,
                       lambda form: service.save_action(incident, found, None, form.values(),
                                                        london_today()),
                       "Action added", _recommendations_url(incident), creates=True)


@bp.route("/<int:incident_id>/actions/<int:review_action_id>", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def review_action(incident_id, review_action_id):
    """Change an action: its status, evidence of completion and completion date."""
    incident = _incident_for(incident_id, "action form")
    service.reviewed(incident)
    action = service.action_or_404(incident, review_action_id)
    form = ActionForm(**_posted_or(ActionForm.data_from(action)))
    _reminder_choices(form, incident, action)

    def render(form, status):
        return _render_action(incident, action, form, UpdateForm(formdata=None), status)

    return save_record(form, render,
                       lambda form: service.save_action(incident, None, action, form.values(),
                                                        london_today()),
                       "Action saved", _recommendations_url(incident),
                       record=action)


@bp.route("/<int:incident_id>/actions/<int:review_action_id>/updates", methods=["POST"])
@permission_required(Permission.EDIT_REVIEWS)
def review_action_updates(incident_id, review_action_id):
    """Add a dated progress update to an action."""
    incident = _incident_for(incident_id, "action form")
    service.reviewed(incident)
    action = service.action_or_404(incident, review_action_id)
    form = UpdateForm()
    if form.validate_on_submit():
        back = url_for("reviews.review_action", incident_id=incident.id,
                       review_action_id=action.id)
        try:
            form.claim_submission()
            service.add_update(incident, action, form.update_on.data, form.update_text.data,
                               london_today())
            submissions.made(back)
            db.session.commit()
        except Problems as refused:
            submissions.release()
            add_problems(form, refused.problems)
        else:
            flash("Progress update added", "success")
            return redirect(back)
    details = ActionForm(formdata=None, data={**ActionForm.data_from(action),
                                              "version": str(action.version)})
    _reminder_choices(details, incident, action)
    return _render_action(incident, action, details, form, 400)


def _reminder_choices(form, incident, action):
    """The accounts the action may remind, keeping the one it reminds now."""
    form.owner_user_id.set_accounts(service.reminder_accounts(incident), action.owner_user_id,
                                    name_of(action.owner_user_id), blank="The case owner")


def _render_action(incident, action, form, update_form, status):
    return render_template("reviews/actions/action.html", incident=incident,
                           recommendation=service.recommendation_or_404(
                               incident, action.recommendation_id),
                           action=action, updates=service.updates_of(action), form=form,
                           update_form=update_form), status
