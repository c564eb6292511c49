"""Security events as JSON lines, one event a line, for a security operations centre.

The destination is the SECURITY_LOG_PATH setting: a file path (appended to; reopened when
log rotation moves it), "-" for standard error, or empty for none. Production writes to
standard error unless it names a file; development and the test suite write nothing unless
it is set.

Each line holds only these fields (README, "Security log"): time (ISO 8601, UTC), event,
outcome, user_id, partnership_id, object_type, object_id, ip (the network: IPv4 /24, IPv6
/64), request_id, method, path (never the query string; an agency link's path is given as
its route, without its token). Never a name, an NHS number, an e-mail address, search text
or free text: events are made from audit rows' ids and codes (tracker.audit.record calls
from_audit), never from their labels or details.
"""

import json
import logging
import sys
import uuid
from datetime import UTC, datetime
from logging.handlers import WatchedFileHandler

from flask import current_app, g, has_app_context, has_request_context, request

logger = logging.getLogger("tracker.security")
logger.setLevel(logging.INFO)
logger.propagate = False  # only to the configured destination, never the app's own log

FIELDS = ("time", "event", "outcome", "user_id", "partnership_id", "object_type",
          "object_id", "ip", "request_id", "method", "path")

# Audit actions that are security events: (event, outcome).
FROM_AUDIT = {
    "login": ("sign_in", "success"),
    "failed_login": ("sign_in_failure", "failure"),
    "wrong_code": ("sign_in_failure", "failure"),
    "locked_out": ("lockout", "refused"),
    "logout": ("sign_out", "success"),
    "timed_out": ("session_ended", "timed_out"),
    "session_ended": ("session_ended", "ended"),
    "password_change": ("password_changed", "success"),
    "two_factor_set_up": ("two_factor_set_up", "success"),
    "two_factor_reset": ("two_factor_reset", "success"),
    "recovery_code_used": ("recovery_code_used", "success"),
    "export": ("export", "success"),
    "refused": ("export", "refused"),
    "import": ("import", "success"),
}


class JsonFormatter(logging.Formatter):
    """A record's `security` dict as one line of JSON, in FIELDS order."""

    def format(self, record):
        fields = getattr(record, "security", {})
        return json.dumps({key: fields.get(key) for key in FIELDS}, ensure_ascii=True)


_destination = None


def _configured():
    """Point the logger at the app's SECURITY_LOG_PATH; False when it is off."""
    global _destination
    path = current_app.config.get("SECURITY_LOG_PATH") if has_app_context() else None
    if path != _destination:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        if path:
            handler = (logging.StreamHandler(sys.stderr) if path == "-"
                       else WatchedFileHandler(path, encoding="utf-8"))
            handler.setFormatter(JsonFormatter())
            logger.addHandler(handler)
        _destination = path
    return bool(path)


def request_id():
    """The request's id: the proxy's X-Request-ID when it is a plain token, else a new one."""
    if "security_request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.security_request_id = (given if 0 < len(given) <= 64 and given.replace("-", "")
                                 .isalnum() else uuid.uuid4().hex)
    return g.security_request_id


def event(name, *, outcome=None, user_id=None, partnership_id=None, object_type=None,
          object_id=None):
    """Write one security event (when a destination is set)."""
    if not _configured():
        return
    fields = {"time": datetime.now(UTC).isoformat(timespec="milliseconds").replace(
                  "+00:00", "Z"),
              "event": name, "outcome": outcome, "user_id": user_id,
              "partnership_id": partnership_id, "object_type": object_type,
              "object_id": None if object_id is None else str(object_id)}
    if has_request_context():
        from tracker.user_sessions import network_of

        fields.update(ip=network_of(request.remote_addr), request_id=request_id(),
                      method=request.method, path=_path())
    logger.info(name, extra={"security": fields})


def _path():
    """The request's path without its query string; an agency link's route, not its token."""
    if request.blueprint == "agency":
        return request.url_rule.rule if request.url_rule is not None else "/agency"
    return request.path


def from_audit(row):
    """The security event an audit row stands for, if it is one (tracker.audit.record and
    the User changes its after_flush hook writes)."""
    action, object_type = row.get("action"), row.get("object_type")
    if action == "import" and object_type != "Import":
        return  # one event for the whole import, not one a record
    if object_type == "User" and action in ("create", "update", "delete"):
        name, outcome = f"user_{action}d", "success"
    elif action in FROM_AUDIT:
        name, outcome = FROM_AUDIT[action]
    else:
        return
    event(name, outcome=outcome, user_id=row.get("user_id"),
          partnership_id=row.get("partnership_id"), object_type=object_type,
          object_id=row.get("object_id"))


# A user's columns that signing in changes: not a change to the account worth an event.
SIGN_IN_COLUMNS = frozenset({"last_login_at", "failed_logins", "locked_until"})


def from_flush(base, rows):
    """The security events of the audit rows a flush wrote: user and role changes."""
    for row in rows:
        if row["object_type"] != "User":
            continue
        if row["action"] == "update" and set(row["changes"] or ()) <= SIGN_IN_COLUMNS:
            continue
        from_audit({**base, **row})


def permission_refused():
    """A 403: who was refused which page."""
    from flask_login import current_user

    user_id = getattr(current_user, "id", None) if current_user else None
    event("permission_refused", outcome="refused", user_id=user_id)
