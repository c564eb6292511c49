"""Managing users (system administrators)."""

from flask import Blueprint, render_template

from tracker.roles import Permission
from tracker.security import permission_required

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.route("/")
@permission_required(Permission.MANAGE_USERS)
def index():
    """Every user."""
    return render_template("tracker/users/index.html")
