"""The statutory timescales page and deadline calculator."""

from flask import Blueprint, render_template

from tracker.roles import Permission
from tracker.security import permission_required

bp = Blueprint("timescales", __name__, url_prefix="/timescales")


@bp.route("/")
@permission_required(Permission.VIEW_TIMESCALES)
def index():
    """Every rule with its source."""
    return render_template("tracker/timescales/index.html")
