"""The review page and the tracker list."""

from flask import render_template

from reviews import bp
from reviews.services import access, review_page
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import london_today


@bp.route("/")
@permission_required(Permission.VIEW_REVIEWS)
def tracker():
    """Every incident and review of the user's partnerships (filters come with the list)."""
    return render_template("reviews/tracker/index.html")


@bp.route("/<int:incident_id>")
@permission_required(Permission.VIEW_REVIEWS)
def incident(incident_id):
    """One incident and its review: stages, deadlines, timeline and actions."""
    found = access.view_incident(incident_id)
    return render_template("reviews/review.html", page=review_page.load(found, london_today()))
