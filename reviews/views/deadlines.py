"""Pausing a practice review's deadline with the reason, and resuming it
(tracker.deadline_pause), from the review page's deadlines."""

from flask import request, url_for

from reviews import bp
from reviews import retention as reviews_retention
from reviews.services import access, review_page
from tracker import deadline_pause as pausing
from tracker import retention
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import london_today

# What Working Together asks besides the pause (chapter 4 paragraph 41, [003] L1505).
NOTES = {
    "cspr_publication": "Where other proceedings delay publication, for example a criminal "
    "investigation, an inquest or a prosecution, Working Together asks the safeguarding "
    "partners to tell the Panel and the Secretary of State the reasons. Record the delay, its "
    "reason and the revised date under Publication on the review page too.",
}


def _incident(incident_id, what):
    """The incident, with a VIEW audit row when its form is shown."""
    if request.method == "POST":
        return access.incident_or_404(incident_id)
    return access.view_incident(incident_id, what)


def _back(incident):
    return url_for("reviews.incident", incident_id=incident.id, _anchor="deadlines")


@bp.route("/<int:incident_id>/deadlines/<int:deadline_id>/pause", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def deadline_pause(incident_id, deadline_id):
    """Pause one of the review's deadlines with the reason (or change the reason)."""
    incident = _incident(incident_id, "pause deadline form")
    return pausing.pause_page(incident, deadline_id, back_url=_back(incident),
                              today=london_today(), notes=NOTES, closed=_closed(incident))


def _closed(incident) -> str | None:
    """Why the review takes no new pause: it is complete, or was anonymised at disposal."""
    if retention.is_disposed(reviews_retention.KEY, incident.id):
        return "This review was anonymised at disposal: nothing new is recorded on it"
    if incident.stage in review_page.CLOSED_STAGES:
        return "This review is complete: there is nothing to pause"
    return None


@bp.route("/<int:incident_id>/deadlines/<int:deadline_id>/resume", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def deadline_resume(incident_id, deadline_id):
    """Resume one of the review's paused deadlines."""
    incident = _incident(incident_id, "resume deadline form")
    return pausing.resume_page(incident, deadline_id, back_url=_back(incident),
                               today=london_today())
