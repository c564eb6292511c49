"""Security baseline: response headers, idle timeout, permission checks, partnership scope."""

from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from tracker import audit, user_sessions
from tracker.auth import LAST_SEEN, session_end_reason
from tracker.extensions import db
from tracker.timeutil import utcnow

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

# Pages that work without signing in.
PUBLIC_ENDPOINTS = {
    "auth.login",
    # The second step of signing in (a code, or a recovery code): the password was right, the
    # session is not signed in yet (tracker/views/auth.py checks the half-signed state).
    "auth.second_factor", "auth.recovery_code",
    "static", "govuk_assets.static", "govuk_fonts.static", "main.healthcheck",
    # The agency side: a personal link, its one-time code and the agency session
    # (tracker/views/agency.py), which checks each itself.
    "agency.open_link", "agency.enter_code", "agency.request_page", "agency.sign_out",
    "agency.signed_out", "agency.reporting_form", "agency.check_answers", "agency.sent",
    "agency.attachments_page", "agency.remove_attachment",
}


def set_security_headers(response):
    """Add the security headers to every response."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.blueprint == "agency":
        # The agency side shows a child's details, and its first page's URL holds the link.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    elif current_user and current_user.is_authenticated:
        # Pages about children must not linger in shared browser caches.
        response.headers["Cache-Control"] = "no-store"
    return response


def enforce_idle_timeout():
    """Sign the user out of an idle or too old session (tracker.auth.session_end_reason)."""
    if not current_user.is_authenticated:
        return None
    now = utcnow()
    reason = session_end_reason(session, now, current_app.config)
    if reason:
        user_sessions.end_current_quietly(now)
        audit.record(audit.Action.TIMED_OUT, user=current_user, object_type="User",
                     object_id=current_user.id, object_label=current_user.email)
        db.session.commit()
        logout_user()
        session.clear()
        flash(reason, "info")
        return redirect(url_for("auth.login", next=request.full_path
                                if request.method == "GET" else None))
    session[LAST_SEEN] = now.isoformat()
    session.permanent = True
    user_sessions.touch(now)
    return None


def public_page(view):
    """View decorator: a page for people without an account (a domain's public form).
    It needs no sign-in and must not read current_user."""
    view.public_page = True
    return view


def is_public_endpoint(endpoint) -> bool:
    """Whether an endpoint works without signing in."""
    if endpoint in PUBLIC_ENDPOINTS:
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "public_page", False))


def require_login():
    """Every page except the public ones needs a signed-in user."""
    if request.endpoint is None or is_public_endpoint(request.endpoint):
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path
                                if request.method == "GET" else None))
    return None


def permission_required(permission):
    """View decorator: 403 unless the signed-in user's role carries the permission."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login"))
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        # Read by the guard test over the URL map: every page names the permission it needs.
        wrapped.required_permission = permission
        return wrapped

    return decorator


# Pages any signed-in user may open, whatever their role (they need no permission).
SIGNED_IN_ENDPOINTS = {"main.home", "auth.logout", "auth.change_password",
                       "auth.two_factor_setup", "account.sessions", "account.end_session"}

# Set in the session once its user has passed the second factor (or just set it up).
SECOND_FACTOR_PASSED = "second_factor_passed"
# What a signed-in user without a second factor may open while TWO_FACTOR_REQUIRED is on.
BEFORE_SECOND_FACTOR_ENDPOINTS = {"auth.two_factor_setup", "auth.logout"}
# The page a user was going to when sent to set up the second factor (a path, checked again
# before use).
AFTER_SET_UP = "after_two_factor_set_up"


def require_second_factor():
    """With TWO_FACTOR_REQUIRED, a session that has not passed a second factor may only set
    one up (or sign out): every other page takes its user to the set-up page.

    A session signed in with a password alone whose user has a second factor (one begun
    before the setting was turned on) is ended: its user signs in again with a code.
    """
    if not current_app.config.get("TWO_FACTOR_REQUIRED") or not current_user.is_authenticated:
        return None
    endpoint = request.endpoint
    if endpoint is None or session.get(SECOND_FACTOR_PASSED) or is_public_endpoint(endpoint):
        return None
    from tracker import two_factor

    if two_factor.is_set_up(current_user):
        logout_user()
        session.clear()
        flash("Sign in again with your password and a code from your authenticator app.",
              "info")
        return redirect(url_for("auth.login"))
    if endpoint in BEFORE_SECOND_FACTOR_ENDPOINTS:
        return None
    if request.method == "GET":
        # Where they were going (a link in an e-mail), for the set-up page to go on to.
        session[AFTER_SET_UP] = request.full_path.rstrip("?")
    return redirect(url_for("auth.two_factor_setup"))


def visible_partnership_ids():
    """Ids of the partnerships the signed-in user may see (cached for the request)."""
    if "visible_partnership_ids" not in g:
        g.visible_partnership_ids = (
            frozenset(current_user.partnership_ids) if current_user.is_authenticated
            else frozenset()
        )
    return g.visible_partnership_ids


def scoped(query, partnership_column):
    """Restrict a select() to rows of the signed-in user's partnerships."""
    return query.where(partnership_column.in_(visible_partnership_ids()))


def get_scoped_or_404(model, ident, partnership_attr="partnership_id"):
    """A record by id, or 404 when it is missing or in another partnership.

    Both cases answer the same, so nobody learns that a record exists elsewhere.
    """
    obj = db.session.get(model, ident)
    if obj is None or getattr(obj, partnership_attr) not in visible_partnership_ids():
        abort(404)
    return obj
