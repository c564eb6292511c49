"""Configuration classes, read from the environment (Development, Test, Production)."""

import os
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Secrets shorter than this, or in this list, are refused in production.
WEAK_SECRETS = {"", "dev", "changeme", "secret", "development-only-secret-key", "test"}
MIN_SECRET_LENGTH = 32


def _bool(name, default=False):
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default=None):
    """The database URL, defaulting to SQLite under instance/; postgres:// is normalised."""
    sqlite_default = f"sqlite:///{INSTANCE_DIR / 'tracker.sqlite'}"
    url = os.environ.get("DATABASE_URL") or default or sqlite_default
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Settings shared by every environment."""

    SERVICE_NAME = "Child death and practice review tracker"
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-secret-key")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite only (a file database runs in WAL mode: readers and the writer never block each
    # other): how many seconds a write waits for the one before it to commit, before it fails
    # with "database is locked". Longer than the longest write (a 1,000-row import, a
    # partnership's deadlines recomputed), shorter than gunicorn's worker timeout.
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "60"))
    TIMEZONE = "Europe/London"

    # Sessions: idle timeout (minutes of inactivity), absolute lifetime (hours since signing
    # in, however active the user has been) and cookie flags.
    IDLE_TIMEOUT_MINUTES = int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_MAX_HOURS)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True

    # Login lockout: this many failures in a row locks the account for the given minutes.
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
    # Two-factor sign-in (tracker.two_factor): required of every account unless turned off
    # (development and the test suite turn it off; a user who has set it up is still asked
    # for a code). A password accepted waits this many minutes for the code.
    TWO_FACTOR_REQUIRED = _bool("TWO_FACTOR_REQUIRED", True)
    TWO_FACTOR_PENDING_MINUTES = int(os.environ.get("TWO_FACTOR_PENDING_MINUTES", "5"))
    # The key authenticator secrets are encrypted under (tracker.two_factor.seal); None: one
    # derived from SECRET_KEY.
    TWO_FACTOR_KEY = os.environ.get("TWO_FACTOR_KEY") or None

    # The largest request body: a huge form is refused (413) before it is parsed. Spreadsheet
    # imports are the largest uploads the tracker takes.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(10 * 1024 * 1024)))
    # Spreadsheet imports: the largest .xlsx taken (checked before it is opened) and the most
    # rows of records in one file.
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "1000"))

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the session's idle timeout already bounds a form's life

    # Outgoing e-mail (reminders): real SMTP.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")  # STARTTLS
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")  # implicit TLS
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "tracker@localhost")
    # The name shown beside the sender's address, before the partnership's name (default:
    # SERVICE_NAME).
    MAIL_SENDER_NAME = os.environ.get("MAIL_SENDER_NAME")

    # Deadlines: how many working days before the due date a deadline shows "due soon".
    DUE_SOON_WORKING_DAYS = int(os.environ.get("DUE_SOON_WORKING_DAYS", "2"))
    # The day Working Together 2023 replaced 2018: a case whose clock started on or after it
    # follows the 2023 rules, one started before it the 2018 rules (tracker.deadline_service).
    RULES_WT2023_FROM = date(2023, 12, 15)

    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))  # seconds per SMTP operation
    # A send that fails is retried with backoff (1, 2, 4 … minutes, then every 6 hours), then
    # shown as failed: 12 tries span about 1.5 days, so a night's SMTP outage loses nothing.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "12"))
    # Where links in e-mails point: the address users open the tracker at.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Reminders (tracker.reminders): the daily pass runs at REMINDER_DIGEST_HOUR (Europe/
    # London); a deadline due today and still open at REMINDER_DUE_TODAY_HOUR gets an
    # immediate e-mail. The scheduler sends queued e-mail every MAIL_SEND_MINUTES.
    REMINDER_DIGEST_HOUR = int(os.environ.get("REMINDER_DIGEST_HOUR", "7"))
    REMINDER_DUE_TODAY_HOUR = int(os.environ.get("REMINDER_DUE_TODAY_HOUR", "12"))
    MAIL_SEND_MINUTES = int(os.environ.get("MAIL_SEND_MINUTES", "1"))
    # Exports: a list export of more rows than this is built by the scheduler, behind a
    # progress page, instead of inside the request (where a worker timeout would kill it).
    EXPORT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_INLINE_MAX_ROWS", "5000"))
    # Where built exports wait for their download (default: instance/exports), and how long.
    EXPORT_DIR = os.environ.get("EXPORT_DIR")
    EXPORT_KEEP_HOURS = int(os.environ.get("EXPORT_KEEP_HOURS", "24"))
    EXPORT_JOB_SECONDS = int(os.environ.get("EXPORT_JOB_SECONDS", "5"))
    # Files agencies attach to reporting forms sent through personal links
    # (tracker.attachments): kept under ATTACHMENT_DIR (default instance/attachments, outside
    # the web root; back it up with the database), each at most AGENCY_ATTACHMENT_MAX_BYTES,
    # at most AGENCY_ATTACHMENT_MAX_COUNT to a form.
    ATTACHMENT_DIR = os.environ.get("ATTACHMENT_DIR")
    AGENCY_ATTACHMENT_MAX_BYTES = int(os.environ.get("AGENCY_ATTACHMENT_MAX_BYTES",
                                                     str(10 * 1024 * 1024)))
    AGENCY_ATTACHMENT_MAX_COUNT = int(os.environ.get("AGENCY_ATTACHMENT_MAX_COUNT", "10"))

    # Retention (tracker/retention.py): the years each kind of record is kept after its basis
    # date when a partnership has set none. Our choice, with no claimed source: each
    # partnership's information governance lead sets its own on the retention page. 0 keeps
    # the kind indefinitely (never listed for disposal).
    RETENTION_DEFAULT_YEARS = {
        "cdr_case": 20,  # after the case is closed
        "practice_review": 20,  # after publication, or the decision not to review
        "email": 2,  # after it was sent
        # A public-form notification declined or forwarded, never a case here: after it was
        # triaged, as long as the e-mail ledger keeps the acknowledgement sent for it, so a
        # question about it can be answered meanwhile.
        "cdr_public_not_a_case": 2,
    }
    # How long a search's text is kept for its `?search=` id (tracker.searches).
    SEARCH_KEEP_MINUTES = int(os.environ.get("SEARCH_KEEP_MINUTES", "120"))

    # Security events as JSON lines (tracker.security_log, README "Security log"): a file
    # path, "-" for standard error, or empty for none. Production defaults to standard error.
    SECURITY_LOG_PATH = os.environ.get("SECURITY_LOG_PATH", "")

    PAGE_SIZE = 50
    DEBUG = False
    TESTING = False
    # `flask demo seed` (fake users with a published password) is refused where this is False.
    DEMO_DATA_ALLOWED = True
    # How many reverse proxies (e.g. nginx) set X-Forwarded-For/-Proto in front of the app, so
    # the audit trail records the user's address rather than the proxy's.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))


class DevelopmentConfig(Config):
    """Local development: plain HTTP on 127.0.0.1, so cookies cannot be Secure.

    Mail goes to the local SMTP server `make run` starts (`flask mail-sink`), which keeps
    every message as a file under instance/mail/.
    """

    MAIL_PORT = int(os.environ.get("MAIL_PORT", "8025"))

    DEBUG = _bool("FLASK_DEBUG", False)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    # The demo's users sign in with a password alone unless this is set.
    TWO_FACTOR_REQUIRED = _bool("TWO_FACTOR_REQUIRED", False)
    REMEMBER_COOKIE_SECURE = False


class TestConfig(Config):
    """The test suite: an isolated database per test (set by the fixtures)."""

    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-only-used-by-the-test-suite"  # noqa: S105
    # DATABASE_URL runs the suite on PostgreSQL (tests/conftest.py refuses a database whose
    # name does not contain "test", so it can never wipe a real one); else in-memory SQLite.
    SQLALCHEMY_DATABASE_URI = _database_url(default="sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # Argon2 at production cost would make each login in the suite take ~50 ms; tests use less.
    PASSWORD_HASH_FAST = True
    # Tests of two-factor sign-in turn it on (tests/tracker/test_two_factor.py).
    TWO_FACTOR_REQUIRED = False


class ProductionConfig(Config):
    """Production: refuses to start with debug on or a missing or weak secret key."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEMO_DATA_ALLOWED = False
    SECURITY_LOG_PATH = os.environ.get("SECURITY_LOG_PATH", "-")
    # Database errors in logs must not carry the values of a query (names, NHS numbers).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    @classmethod
    def check(cls, database_uri=None):
        """Raise RuntimeError when the environment is not safe to serve real data.

        `database_uri` is the URI the app will really use (after any overrides).
        """
        secret = os.environ.get("SECRET_KEY", "")
        if secret.lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production "
                '(for example: python -c "import secrets; print(secrets.token_hex(32))").'
            )
        if _bool("FLASK_DEBUG") or cls.DEBUG:
            raise RuntimeError("Debug mode must be off in production (unset FLASK_DEBUG).")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must point at the production PostgreSQL database.")
        uri = database_uri or _database_url()
        if uri.lower().startswith("sqlite") and not _bool("ALLOW_SQLITE_IN_PRODUCTION"):
            # SQLite has no row locks and one writer at a time: safe for a single process only.
            raise RuntimeError(
                "DATABASE_URL points at SQLite. Production runs on PostgreSQL; for a "
                "single-process install on SQLite, set ALLOW_SQLITE_IN_PRODUCTION=1."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env():
    """The config class named by TRACKER_ENV.

    The default is production, so a server started without the variable fails safe (it
    refuses to start without a strong SECRET_KEY) rather than running with development's
    well-known key. `make run` sets TRACKER_ENV=development.
    """
    name = os.environ.get("TRACKER_ENV", "production").lower()
    if name not in CONFIGS:
        raise RuntimeError(f"TRACKER_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    return CONFIGS[name]
