"""Sign in, sign out and change password."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from forms.auth import ChangePasswordForm, LoginForm
from tracker import audit
from tracker.auth import (
    OK,
    authenticate,
    change_password,
    register_wrong_password,
    start_session,
)
from tracker.extensions import db
from tracker.passwords import verify_password
from tracker.timeutil import utcnow

bp = Blueprint("auth", __name__)


def _safe_next(target):
    """The ?next= to go to after signing in, if it is a path on this site; else None.

    The value checked is the value returned, whole: urlsplit quietly drops tabs and line
    breaks, so anything with a control character or a backslash (which browsers read as a
    slash) is refused before it is parsed.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def login():
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome, user = authenticate(form.email.data, form.password.data)
        db.session.commit()
        if outcome == OK:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(user)
            start_session(session, utcnow())
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
        # One answer for a wrong password, an unknown email and a locked account, so the page
        # never tells anyone which accounts exist. The page states the lockout rule.
        form.email.errors.append("Enter a correct email address and password")
    return render_template(
        "tracker/auth/login.html",
        form=form,
        max_failures=current_app.config["LOGIN_MAX_FAILURES"],
        lockout_minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"],
    ), (400 if form.errors else 200)


@bp.route("/sign-out", methods=["POST"])
@login_required
def logout():
    """Sign out (a POST, so another site cannot sign a user out)."""
    audit.record(audit.Action.LOGOUT, user=current_user, object_type="User",
                 object_id=current_user.id, object_label=current_user.email)
    # Signing out ends every session of this user, so a copied session cookie stops working.
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/change-password", methods=["GET", "POST"], endpoint="change_password")
@login_required
def change_password_page():
    """Change your own password; signs out your other sessions."""
    form = ChangePasswordForm(email=current_user.email, full_name=current_user.full_name)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            if register_wrong_password(current_user._get_current_object()):
                db.session.commit()
                logout_user()
                session.clear()
                flash("You have been signed out after too many wrong passwords.", "info")
                return redirect(url_for("auth.login"))
            db.session.commit()
            form.current_password.errors.append("Your current password is not correct")
        else:
            change_password(current_user, form.new_password.data)
            db.session.commit()
            # The session id changed with the session version. Pass the user, not the
            # current_user proxy: Flask-Login stores it in g, and a proxy to itself recurses.
            login_user(current_user._get_current_object())
            flash("Your password has been changed.", "success")
            return redirect(url_for("main.home"))
    status = 400 if form.errors else 200
    return render_template("tracker/auth/change_password.html", form=form), status

