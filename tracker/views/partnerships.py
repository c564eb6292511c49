"""Partnership settings: local closure days and timescale overrides."""

from flask import Blueprint, render_template

from tracker.roles import Permission
from tracker.security import permission_required

bp = Blueprint("partnerships", __name__, url_prefix="/partnerships")


@bp.route("/")
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def index():
    """Every partnership."""
    return render_template("tracker/partnerships/index.html")
