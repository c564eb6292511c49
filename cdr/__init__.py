"""Child death reviews: notification to CDOP panel review and closure.

`init_app` registers the domain with the shell (tracker.domains): its stored-deadline
mapping and demo data now; its blueprint and navigation entry with the case pages.
"""


def init_app(app):
    """Register child death reviews with the app."""
    from cdr import demo
    from cdr.deadlines import CHILD_DEATH_DEADLINES
    from tracker.domains import DemoSeeder, Domain, register_domain

    register_domain(
        app,
        Domain(
            name="cdr",
            title="Child death reviews",
            case_deadlines=(CHILD_DEATH_DEADLINES,),
            demo=DemoSeeder(seed=demo.seed, count=demo.count),
        ),
    )
