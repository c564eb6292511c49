"""Safeguarding practice reviews: serious incident to published review and actions.

`init_app` registers the domain with the shell (tracker.domains): its stored-deadline
mapping and demo data now; its blueprint and navigation entry with the review pages.
"""


def init_app(app):
    """Register practice reviews with the app."""
    from reviews import demo
    from reviews.deadlines import INCIDENT_DEADLINES
    from tracker.domains import DemoSeeder, Domain, register_domain

    register_domain(
        app,
        Domain(
            name="reviews",
            title="Practice reviews",
            case_deadlines=(INCIDENT_DEADLINES,),
            demo=DemoSeeder(seed=demo.seed, count=demo.count),
        ),
    )
