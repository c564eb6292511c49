"""Keep personal links out of the request logs.

An agency contact's link is `/agency/<token>` (tracker.agency_links): whoever reads a log
line holding it could open the link until it expires. The development server (werkzeug)
logs every request line, and gunicorn does when its access log is turned on, so a filter
on both loggers rewrites the token to `/agency/[link]` before any handler sees the line.
A reverse proxy in front of the app keeps its own access log: see the README ("Agency
reporting links") for the nginx line that leaves the token out.
"""

import logging
import re

from tracker.agency_links import AGENCY_PATH

# A token is `secrets.token_urlsafe(32)`: 43 URL-safe base64 letters. The agency side's other
# pages (`/agency/request`, `/agency/form`…) have short names, so any segment after the prefix
# of 32 letters or more is taken for a token (a shortened or altered one too).
_TOKEN = re.compile(re.escape(AGENCY_PATH) + r"[A-Za-z0-9_-]{32,}")
REDACTED = f"{AGENCY_PATH}[link]"
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    """The text with every agency link's token replaced."""
    return _TOKEN.sub(REDACTED, text)


class AgencyTokenFilter(logging.Filter):
    """Rewrites a log record's message with the agency link tokens removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        if AGENCY_PATH in message:
            record.msg, record.args = redact(message), ()
        return True


def init_app(app) -> None:
    """Install the filter once per process on the request loggers."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, AgencyTokenFilter) for f in logger.filters):
            logger.addFilter(AgencyTokenFilter())
