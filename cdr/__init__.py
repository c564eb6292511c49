"""Child death reviews: notification to CDOP panel review and closure.

`init_app` registers the domain with the shell (tracker.domains): its blueprint and
navigation entries, its stored-deadline mappings and its demo data.
"""

from flask import Blueprint

bp = Blueprint("cdr", __name__, url_prefix="/child-deaths")


def init_app(app):
    """Register child death reviews with the app."""
    from cdr import demo, reminders, retention, views  # noqa: F401 (views add routes)
    from cdr.deadlines import AGENCY_REQUEST_DEADLINES, CHILD_DEATH_DEADLINES
    from cdr.imports import CHILD_DEATH_IMPORT
    from cdr.services import home, notifications, public_notifications, request_links
    from cdr.views import exports, ncmd
    from cdr.views.public import public_bp
    from tracker import templating
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

    # An error on the public notification form keeps the public layout.
    templating.register_error_layout(app, public_bp.name, "public_base.html")
    register_domain(
        app,
        Domain(
            name="cdr",
            title="Child death reviews",
            blueprints=(bp, public_bp),
            navigation=(
                NavItem("Child deaths", "cdr.cases", Permission.VIEW_CDR_CASES),
                # A designated doctor's own list, in reach from every page.
                NavItem("My cases", "cdr.my_cases", Permission.HAS_OWN_CASES),
                NavItem("CDOP meetings", "cdr.panel_meetings", Permission.VIEW_PANEL_PACK,
                        section="/child-deaths/panel-meetings"),
                NavItem("Public notifications", "cdr.public_queue",
                        Permission.TRIAGE_PUBLIC_NOTIFICATIONS, count=home.public_count),
            ),
            case_deadlines=(CHILD_DEATH_DEADLINES, AGENCY_REQUEST_DEADLINES),
            demo=DemoSeeder(seed=demo.seed, count=demo.count,
                            after_deadlines=demo.send_agency_link),
            home_panels=(
                HomePanel(Permission.EDIT_CDR_CASES, home.work_panel),
                HomePanel(Permission.VIEW_PANEL_PACK, home.papers_panel),
                HomePanel(Permission.TRIAGE_PUBLIC_NOTIFICATIONS, home.public_panel),
                HomePanel(Permission.VIEW_PANEL_PACK, home.next_meeting_panel, "side"),
                HomePanel(Permission.VIEW_CDR_CASES, home.figures_panel, "side"),
            ),
            deadline_owners=DeadlineOwners(Permission.VIEW_CDR_CASES,
                                           home.describe_deadlines, home.deadline_scope,
                                           home.deadline_lists),
            imports=(CHILD_DEATH_IMPORT,),
            exports=(exports.CASE_LIST, ncmd.NCMD_EXPORT),
            reminders=reminders.SOURCES,
            duplicates=(DuplicateFinder(notifications.duplicate_groups),),
            extras={"agency_requests": {request_links.OWNER_TYPE: request_links.agency_view},
                    "retention": (retention.KIND, retention.PUBLIC_KIND),
                    "agency_chasing": (request_links.CHASING,),
                    # Public-form drafts nobody sent, deleted once they expire.
                    "sweeps": (public_notifications.purge_expired,)},
        ),
    )
