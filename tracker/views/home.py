"""The home page each user opens first, and a health check for load balancers."""

from flask import Blueprint, render_template
from flask_login import current_user

from tracker.domains import home_panels_for
from tracker.roles import ROLE_DESCRIPTIONS, Permission
from tracker.timeutil import london_today

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """The dashboard: the user's role, and each domain's panels (deadlines to act on)."""
    return render_template(
        "tracker/home/index.html",
        role_description=ROLE_DESCRIPTIONS[current_user.role_enum],
        partnerships=current_user.partnerships,
        panels=home_panels_for(current_user, london_today()),
        Permission=Permission,
    )


@bp.route("/healthz")
def healthcheck():
    """Liveness check: answers without touching personal data."""
    return {"status": "ok"}
