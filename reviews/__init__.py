"""Safeguarding practice reviews: serious incident to published review and completed actions.

`init_app` registers the domain with the shell (tracker.domains): its blueprint and
navigation entries, its stored-deadline mappings and its demo data.
"""

from flask import Blueprint

bp = Blueprint("reviews", __name__, url_prefix="/practice-reviews")


def init_app(app):
    """Register practice reviews with the app."""
    from reviews import demo, reminders, retention, views  # noqa: F401 (views add routes)
    from reviews.deadlines import INCIDENT_DEADLINES, YEARLY_REPORT_DEADLINES
    from reviews.imports import PRACTICE_REVIEW_IMPORT
    from reviews.services import home, incidents, information_requests
    from reviews.views import exports
    from tracker.domains import (
        DeadlineOwners,
        DemoSeeder,
        Domain,
        HomePanel,
        NavItem,
        register_domain,
    )
    from tracker.duplicates import DuplicateFinder
    from tracker.roles import Permission

    register_domain(
        app,
        Domain(
            name="reviews",
            title="Practice reviews",
            blueprints=(bp,),
            navigation=(
                NavItem("Practice reviews", "reviews.tracker", Permission.VIEW_REVIEWS),
            ),
            case_deadlines=(INCIDENT_DEADLINES, YEARLY_REPORT_DEADLINES),
            demo=DemoSeeder(seed=demo.seed, count=demo.count,
                            after_deadlines=demo.send_information_request),
            # A serious incident and its child death case link to each other.
            related=incidents.related,
            home_panels=(
                HomePanel(Permission.EDIT_REVIEWS, home.panel),
                HomePanel(Permission.VIEW_REVIEWS, home.figures_panel, "side"),
            ),
            deadline_owners=DeadlineOwners(Permission.VIEW_REVIEWS, home.describe_deadlines,
                                           lists=home.deadline_lists),
            imports=(PRACTICE_REVIEW_IMPORT,),
            exports=(exports.TRACKER_LIST,),
            reminders=reminders.SOURCES,
            duplicates=(DuplicateFinder(incidents.duplicate_groups),),
            # Requests for information sent to agencies as personal links.
            extras={"agency_requests": {
                        information_requests.OWNER_TYPE: information_requests.agency_view},
                    "agency_words": {
                        information_requests.OWNER_TYPE: information_requests.WORDS},
                    # ... and chased by e-mail (tracker.agency_chasing).
                    "agency_chasing": (information_requests.CHASING,),
                    "retention": (retention.KIND,)},
        ),
    )
