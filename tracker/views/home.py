"""The home page each user opens first, and a health check for load balancers."""

from flask import Blueprint, render_template
from flask_login import current_user

from tracker.roles import ROLE_DESCRIPTIONS, Permission

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """The dashboard: what this user can do today (filled in by later issues)."""
    return render_template(
        "tracker/home/index.html",
        role_description=ROLE_DESCRIPTIONS[current_user.role_enum],
        partnerships=current_user.partnerships,
        Permission=Permission,
    )


@bp.route("/healthz")
def healthcheck():
    """Liveness check: answers without touching personal data."""
    return {"status": "ok"}
