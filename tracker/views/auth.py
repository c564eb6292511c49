"""Sign in (with its second factor), sign out, change password, set up two-factor sign-in."""

from datetime import datetime, timedelta
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

from forms.auth import ChangePasswordForm, CodeForm, LoginForm, RecoveryCodeForm
from tracker import audit, two_factor, user_sessions
from tracker.auth import (
    LOCKED,
    OK,
    SECOND_FACTOR,
    authenticate,
    change_password,
    complete_second_factor,
    register_wrong_code,
    register_wrong_password,
    start_session,
)
from tracker.extensions import db
from tracker.models import User
from tracker.passwords import verify_password
from tracker.security import AFTER_SET_UP, SECOND_FACTOR_PASSED
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
        return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome, user = authenticate(form.email.data, form.password.data)
        db.session.commit()
        if outcome == OK:
            return _signed_in(user, request.args.get("next"), passed_second_factor=False)
        if outcome == SECOND_FACTOR:
            # Half signed in: the user's id in the signed session, for a few minutes, until
            # the code is right. Not signed in (no login_user) until then.
            session.clear()
            minutes = current_app.config["TWO_FACTOR_PENDING_MINUTES"]
            session[PENDING] = {
                "user_id": user.id, "version": user.session_version,
                "until": (utcnow() + timedelta(minutes=minutes)).isoformat(),
                "next": _safe_next(request.args.get("next")),
            }
            return redirect(url_for("auth.second_factor"))
        # One answer for a wrong password, an unknown email and a locked account, so the page
        # never tells anyone which accounts exist. The page states the lockout rule.
        form.email.errors.append("Enter a correct email address and password")
    return render_template(
        "tracker/auth/login.html",
        form=form,
        max_failures=current_app.config["LOGIN_MAX_FAILURES"],
        lockout_minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"],
    ), (400 if form.errors else 200)


def _signed_in(user, next_url, *, passed_second_factor):
    """Start the user's signed-in session and go where they were going."""
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(user)
    start_session(session, utcnow())
    user_sessions.start(user)
    db.session.commit()
    if passed_second_factor:
        session[SECOND_FACTOR_PASSED] = True
    return redirect(_safe_next(next_url) or url_for("main.home"))


PENDING = "second_factor_pending"


def _pending_user():
    """The user whose password was right and who has yet to give a code, or None when there
    is none, it expired, or the account changed (signed out everywhere, deactivated)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    try:
        until = datetime.fromisoformat(pending["until"])
        user = db.session.get(User, int(pending["user_id"]))
    except (KeyError, TypeError, ValueError):
        return None
    if (until <= utcnow() or user is None or not user.active
            or user.session_version != pending.get("version")):
        return None
    return user


def _second_step(form, template, *, recovery):
    """The code page and the recovery code page: one check, two kinds of code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("Sign in again: you have up to "
              f"{current_app.config['TWO_FACTOR_PENDING_MINUTES']} minutes to enter the code "
              "after your password.", "info")
        return redirect(url_for("auth.login"))
    if form.validate_on_submit():
        outcome = complete_second_factor(user, form.code.data, recovery=recovery)
        db.session.commit()
        if outcome == OK:
            return _signed_in(user, session[PENDING].get("next"), passed_second_factor=True)
        if outcome == LOCKED:
            session.pop(PENDING, None)
            flash("You cannot sign in for "
                  f"{current_app.config['LOGIN_LOCKOUT_MINUTES']} minutes after too many wrong "
                  "passwords or codes. Wait, or ask your system administrator to unlock your "
                  "account.", "info")
            return redirect(url_for("auth.login"))
        form.code.errors.append(
            "Enter a recovery code you have not used before" if recovery
            else "Enter the code your authenticator app shows now")
    return render_template(
        template, form=form,
        max_failures=current_app.config["LOGIN_MAX_FAILURES"],
    ), (400 if form.errors else 200)


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor():
    """Signing in, second step: the code from the user's authenticator app."""
    return _second_step(CodeForm(), "tracker/auth/code.html", recovery=False)


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
def recovery_code():
    """Signing in, second step, without the authenticator app: a recovery code."""
    return _second_step(RecoveryCodeForm(), "tracker/auth/recovery_code.html", recovery=True)


@bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor_setup")
@login_required
def two_factor_setup():
    """Set up two-factor sign-in: scan the QR code (or type the secret), enter a first code,
    then keep the ten recovery codes, shown this once."""
    user = current_user._get_current_object()
    if two_factor.is_set_up(user):
        return render_template("tracker/auth/two_factor_done.html",
                               codes_left=two_factor.recovery_codes_left(user))
    form = CodeForm()
    if form.validate_on_submit():
        codes = two_factor.confirm(user, form.code.data)
        if codes is not None:
            audit.record(audit.Action.TWO_FACTOR_SET_UP, user=user, object_type="User",
                         object_id=user.id, object_label=user.email,
                         detail="Authenticator app set up; 10 recovery codes given")
            # As after a password change, the user's other sessions (signed in by password
            # alone) end; this one goes on.
            user_sessions.end_others(user)
            db.session.commit()
            session[SECOND_FACTOR_PASSED] = True
            return render_template(
                "tracker/auth/recovery_codes.html", codes=codes,
                onward=_safe_next(session.pop(AFTER_SET_UP, None)) or url_for("main.home"))
        if register_wrong_code(user, what="Wrong authenticator code while setting it up"):
            db.session.commit()
            logout_user()
            session.clear()
            flash("You have been signed out after too many wrong passwords or codes.", "info")
            return redirect(url_for("auth.login"))
        db.session.commit()
        form.code.errors.append("Enter the code your authenticator app shows now")
    secret = two_factor.pending_secret(user)
    db.session.commit()
    return render_template(
        "tracker/auth/two_factor_setup.html", form=form,
        qr=two_factor.qr_data_uri(two_factor.provisioning_uri(user, secret)),
        secret=two_factor.grouped(secret),
    ), (400 if form.errors else 200)


@bp.route("/sign-out", methods=["POST"])
@login_required
def logout():
    """Sign out (a POST, so another site cannot sign a user out)."""
    audit.record(audit.Action.LOGOUT, user=current_user, object_type="User",
                 object_id=current_user.id, object_label=current_user.email)
    # Signing out ends this session on the server, so a copied session cookie stops working
    # too; the user's other sessions (another computer) go on: "Your sessions" ends them.
    user_sessions.end_current("Signed out")
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

