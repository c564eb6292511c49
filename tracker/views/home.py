"""The home page each user opens first, and a health check for load balancers."""

from flask import Blueprint, render_template
from flask_login import current_user

from tracker import dashboard
from tracker.domains import home_panels_for
from tracker.roles import ROLE_DESCRIPTIONS, Permission
from tracker.timeutil import london_today

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """The dashboard by role: deadlines across the user's partnerships, what waits on them
    (each domain's panels), and figures at a glance."""
    today = london_today()
    partnerships = current_user.partnerships
    return render_template(
        "tracker/home/index.html",
        role_description=ROLE_DESCRIPTIONS[current_user.role_enum],
        partnerships=partnerships,
        today=today,
        deadlines=dashboard.home_deadlines(current_user, today),
        panels=home_panels_for(current_user, today),
        side_panels=home_panels_for(current_user, today, "side"),
        met=dashboard.met_on_time(current_user, today),
        year_start=dashboard.year_start(today),
        partnership_names={p.id: p.name for p in partnerships},
        Permission=Permission,
    )


@bp.route("/healthz")
def healthcheck():
    """Liveness check: answers without touching personal data."""
    return {"status": "ok"}
