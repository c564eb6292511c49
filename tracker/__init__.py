"""The tracker's application factory."""

import contextlib
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    Request,
    abort,
    current_app,
    g,
    render_template,
)
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy.engine import Engine
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, IntegerConverter
from werkzeug.utils import cached_property

import config as config_module
from tracker import db_maintenance  # noqa: F401 (PostgreSQL's connection settings)
from tracker.extensions import LARGEST_ID, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
GOVUK_DIST = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"


def create_app(config=None):
    """Build the Flask app. `config` is a config class, a name, or a dict of overrides."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.request_class = NulFreeRequest
    _load_config(app, config)
    _trust_proxies(app)
    app.url_map.converters["int"] = DatabaseIdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = NoNulConverter
    register_extensions(app)
    register_templates(app)
    register_blueprints(app)
    register_domains(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    return app




class QueryArgs(ImmutableMultiDict):
    """Query arguments whose integers always fit the database's.

    `request.args.get(name, type=int)` (an id, a page) answers 404 for a number outside the
    database's integers (LARGEST_ID), as DatabaseIdConverter does for one in the path,
    instead of overflowing the query with a 500: whichever view reads which parameter.
    """

    def get(self, key, default=None, type=None):  # noqa: A002 (MultiDict's own signature)
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not -LARGEST_ID - 1 <= value <= LARGEST_ID:
            abort(404)
        return value


class NulFreeRequest(Request):
    """A request whose query arguments never hold a NUL character, nor too large an integer.

    PostgreSQL refuses NUL in a query's parameters (a 500), and a query argument can reach one
    from any page (?from_case=, ?q=, filters). Forms drop it in forms/base.py and path segments
    in NoNulConverter; this covers every query argument at once, whichever view reads it.
    Integers read with `type=int` are kept to the database's range (QueryArgs).
    """

    @cached_property
    def args(self):
        raw = super().args
        return QueryArgs(
            (key.replace("\x00", ""), value.replace("\x00", ""))
            for key, value in raw.items(multi=True)
        )


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in a URL: a positive id that fits the database's integers (LARGEST_ID).

    Anything larger answers 404 like any unknown id, instead of overflowing the driver.
    """

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


class NoNulConverter(BaseConverter):
    """A path segment without NUL characters (PostgreSQL refuses them in a query): 404.

    Based on BaseConverter: UnicodeConverter rebuilds its regex in __init__, losing this one.
    """

    regex = "[^/\x00]+"


def _trust_proxies(app):
    """Behind PROXY_COUNT reverse proxies, take the client's address and scheme from them."""
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _load_config(app, config):
    """Apply the config class, then any overrides; check production safety."""
    overrides = {}
    if isinstance(config, dict):
        overrides = config
        config = overrides.pop("CONFIG_CLASS", None)
    if isinstance(config, str):
        config = config_module.CONFIGS[config]
    config = config or config_module.config_from_env()
    app.config.from_object(config)
    app.config.update(overrides)
    if hasattr(config, "check"):
        # An override names the database the app will really use: check that one.
        config.check(overrides.get("SQLALCHEMY_DATABASE_URI"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_busy_timeout(app)


def _sqlite_busy_timeout(app):
    """SQLite: a write waits SQLITE_BUSY_TIMEOUT seconds for the writer before it (pysqlite's
    `timeout`, its busy timeout), unless the engine options already give one."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT"])
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_extensions(app):
    """Bind the extensions to the app."""
    # Import the shell's models so SQLAlchemy and Alembic know them; each domain imports
    # its own in its init_app (register_domains).
    from tracker import (  # noqa: F401
        agencies,
        agency_access,
        agency_chasing,
        agency_links,
        attachments,
        deadline_models,
        export_jobs,
        mail,
        models,
        references,
        retention,
        searches,
        statements,
        submissions,
        timeline,
        two_factor,
        user_sessions,
    )
    from tracker.compliance_tally import DeadlineTally  # noqa: F401
    from tracker.reminders import models as reminder_models  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    # Before CSRFProtect reads the form: the agency upload page's own request size limit.
    app.before_request(attachments.fit_request_limit)
    csrf.init_app(app)
    from tracker import log_redaction

    log_redaction.init_app(app)  # no agency link token in a request log line
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)


def _load_user(session_id):
    """Flask-Login: the user for a session id '<id>:<session_version>', whose server-side
    session (tracker.user_sessions) is live: both in one query."""
    from tracker.user_sessions import load_user_with_session

    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = load_user_with_session(int(user_id))
    if user is None or str(user.session_version) != version or not user.active:
        return None
    return user


# Registered once at import (not per create_app, which would stack a listener per app).
@sa.event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    """SQLite enforces foreign keys only when asked, on each connection.

    A file database is put in WAL mode (kept in the file): readers and the one writer never
    block each other, so a save neither waits for an export being read nor stops pages being
    read while it commits. `synchronous` stays FULL: in WAL mode NORMAL could lose the last
    saves a user was told had succeeded at a power cut. Transactions keep pysqlite's own
    BEGIN, issued just before a transaction's first write (see README, "SQLite").
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if _is_file_database(cursor):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def _is_file_database(cursor) -> bool:
    """Whether the connection's main database is a file (not `sqlite://`, in memory)."""
    return any(name == "main" and path
               for _, name, path in cursor.execute("PRAGMA database_list").fetchall())


def register_templates(app):
    """GOV.UK Frontend macros and WTForms widgets, our filters, strict undefined in tests."""
    from tracker import templating

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    if app.testing:
        app.jinja_env.undefined = templating.StrictNameUndefined
    templating.init_app(app)
    # GOV.UK Frontend's compiled CSS and JS (/govuk) and its fonts and images (/assets, the
    # path its CSS expects), served straight from the npm package rather than copied.
    for name, folder, url in (
        ("govuk_assets", GOVUK_DIST, "/govuk"),
        ("govuk_fonts", GOVUK_DIST / "assets", "/assets"),
    ):
        app.register_blueprint(
            Blueprint(name, __name__, static_folder=str(folder), static_url_path=url)
        )


def register_blueprints(app):
    """The shell's pages (each domain registers its own in register_domains)."""
    from tracker.views import (
        agencies,
        agency,
        archive,
        audit,
        auth,
        compliance,
        exports,
        home,
        imports,
        partnership_settings,  # noqa: F401 (adds its pages to partnerships.bp)
        partnerships,
        timescales,
        users,
    )

    for module in (auth, home, users, audit, timescales, partnerships, imports, compliance,
                   exports, agencies, agency, archive):
        app.register_blueprint(module.bp)
    from tracker import templating

    templating.register_error_layout(app, agency.bp.name, "tracker/agency/layout.html")

    from tracker.views import retention as retention_pages

    app.register_blueprint(retention_pages.bp)
    register_reminder_pages(app)


def register_reminder_pages(app):
    """Notices, one's own reminder settings, and the reminders admin page."""
    from tracker.views import account, notices, reminders_admin

    for module in (notices, account, reminders_admin):
        app.register_blueprint(module.bp)
    # The accessibility statement, privacy notice and cookies page, and their contacts.
    from tracker.views import statements

    app.register_blueprint(statements.bp)


def register_domains(app):
    """The domains, each registering its pages, deadlines and demo data with the shell.

    The only place in the shell that names them (an import-linter contract checks it).
    """
    import cdr
    import reviews

    for domain in (cdr, reviews):
        domain.init_app(app)


def register_errorhandlers(app):
    """Plain GOV.UK error pages that say nothing about the record asked for."""

    def render_error(error):
        code = getattr(error, "code", None) or 500
        if code == 403:
            from tracker import security_log

            with contextlib.suppress(Exception):  # the page comes first
                security_log.permission_refused()
        if code in (400, 403, 404, 405, 413):
            template = f"errors/{code}.html"
        else:  # any other refusal (429, 415, …) is a problem with the request; 5xx ours
            template = "errors/400.html" if 400 <= code < 500 else "errors/500.html"
        return render_error_page(template, code)

    for code in (400, 403, 404, 405, 413, 500):
        app.errorhandler(code)(render_error)
    # Every other HTTP error too, so no page is ever Werkzeug's plain one.
    app.errorhandler(HTTPException)(render_error)

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error_page("errors/csrf.html", 400)

    from tracker import submissions

    submissions.register(app)


# The last resort when even the layout cannot be rendered: the 500 page without the layout.
BARE_PROBLEM_PAGE = (
    '<!DOCTYPE html><html lang="en" class="govuk-template"><head><meta charset="utf-8">'
    "<title>Sorry, there is a problem with the service</title></head>"
    '<body class="govuk-template__body"><main class="govuk-main-wrapper" id="main-content">'
    '<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1>'
    '<p class="govuk-body">Nothing you entered was saved. Try again later.</p>'
    "</main></body></html>"
)


def end_failed_transaction():
    """Roll the request's database session back, whatever state a failure left it in.

    After a database error (a connection the server terminated, a full disk) the session is
    still in its failed transaction and every query raises PendingRollbackError, the
    layout's reading of the signed-in user among them. A second failure here (the database
    still unreachable) is swallowed: the session is closed, its connection given up.
    """
    try:
        db.session.rollback()
    except Exception:  # an error page must not fail on the database
        with contextlib.suppress(Exception):
            db.session.close()


def render_error_page(template, code):
    """An error page in the GOV.UK layout, whatever state the database is in.

    The session is rolled back first, so the layout can read the signed-in user again. If
    that fails too (the database is still down), the page is rendered for nobody signed in,
    which needs no database; the user stays signed in for their next request. Should even
    that fail, the page's words without the layout.
    """
    end_failed_transaction()
    from tracker import templating

    layout = templating.error_layout()
    try:
        return render_template(template, error_layout=layout), code
    except Exception:
        current_app.logger.exception("The error page could not read the signed-in user")
    end_failed_transaction()
    # Flask-Login's current user for the rest of this request: nobody (no query).
    g._login_user = login_manager.anonymous_user()
    try:
        return render_template(template, error_layout=layout), code
    except Exception:
        current_app.logger.exception("The error page could not be rendered")
    return BARE_PROBLEM_PAGE, code


def register_request_hooks(app):
    """Login requirement, idle timeout and security headers on every request."""
    from tracker import security

    app.before_request(security.require_login)
    app.before_request(security.enforce_idle_timeout)
    app.before_request(security.require_second_factor)
    app.after_request(security.set_security_headers)

    @app.teardown_appcontext
    def _no_half_saved_records(exc):
        if exc is not None:
            db.session.rollback()


def register_commands(app):
    """The `flask users`, `flask demo` and `flask deadlines` commands."""
    from tracker import commands
    from tracker.reminders import commands as reminder_commands

    commands.init_app(app)
    reminder_commands.init_app(app)
