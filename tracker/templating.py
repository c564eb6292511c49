"""Template filters and the navigation shown to each role."""

import re
import sys
from html import unescape
from pathlib import Path

import govuk_frontend_jinja
import govuk_frontend_wtf
from flask import current_app, has_request_context, request, url_for
from flask_login import current_user
from jinja2 import Undefined
from jinja2.utils import missing

from tracker.deadlines import EDITION_LABELS
from tracker.domains import registered_domains, related_links
from tracker.edition_words import words_for
from tracker.next_step import next_step
from tracker.roles import Permission
from tracker.timeutil import format_date, format_datetime

# (label, endpoint, permission needed or None for every signed-in user)
NAVIGATION = [
    ("Home", "main.home", None),
    ("Statutory timescales", "timescales.index", Permission.VIEW_TIMESCALES),
    ("Users", "users.index", Permission.MANAGE_USERS),
    ("Partnerships", "partnerships.index", Permission.MANAGE_PARTNERSHIP_SETTINGS),
    ("Reminders", "admin.reminders", Permission.MANAGE_PARTNERSHIP_SETTINGS),
    ("Retention", "retention.index", Permission.MANAGE_PARTNERSHIP_SETTINGS),
    ("Audit trail", "audit.index", Permission.VIEW_AUDIT),
    ("Import", "imports.index", Permission.IMPORT),
    ("Agency directory", "agencies.index", Permission.MANAGE_AGENCIES),
]


# GOV.UK Frontend's own macros lean on undefined names being falsy (`{% if caller %}`,
# `{% if successBanner %}`, `describedBy = undefined`): the strict check spares them.
_LIBRARY_TEMPLATES = tuple(
    str(Path(package.__file__).parent) for package in (govuk_frontend_jinja, govuk_frontend_wtf)
)


def _rendering_library_template():
    """Whether the innermost template being rendered is one of the GOV.UK libraries'."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.endswith(".html"):
            return filename.startswith(_LIBRARY_TEMPLATES)
        frame = frame.f_back
    return False


class StrictNameUndefined(Undefined):
    """In tests, an undefined template variable fails the test.

    A missing key of a dict stays falsy, as the GOV.UK Frontend macros expect
    (`params.classes`); only a name that was never defined fails, in our own templates.
    """

    __slots__ = ()

    def _check(self):
        if self._undefined_obj is missing and not _rendering_library_template():
            self._fail_with_undefined_error()

    def __str__(self):
        self._check()
        return ""

    def __bool__(self):
        self._check()
        return False

    def __iter__(self):
        self._check()
        return iter(())

    def __len__(self):
        self._check()
        return 0


def _navigation():
    """Home, then each registered domain's entries, then the shell's own pages, as
    (text, endpoint, permission, section, count)."""
    domain_items = [
        (item.text, item.endpoint, item.permission, item.section, item.count)
        for domain in registered_domains()
        for item in domain.navigation
    ]
    shell = [(*item, None, None) for item in NAVIGATION]
    return [shell[0], *domain_items, *shell[1:]]


def _active(entries) -> str | None:
    """The endpoint of the one entry marked as the current section: the page's own entry,
    else the entry whose section holds the page, else the first entry of its blueprint."""
    endpoint = request.endpoint or ""
    if any(entry_endpoint == endpoint for _, entry_endpoint, *_ in entries):
        return endpoint
    for _, entry_endpoint, _, section, _ in entries:
        if section and request.path.startswith(section):
            return entry_endpoint
    blueprint = endpoint.split(".")[0]
    return next((entry_endpoint for _, entry_endpoint, *_ in entries
                 if entry_endpoint.split(".")[0] == blueprint), None)


def navigation_items():
    """Service navigation for the signed-in user, marking the current section."""
    if not current_user.is_authenticated:
        return []
    entries = [entry for entry in _navigation()
               if entry[2] is None or current_user.can(entry[2])]
    active = _active(entries)
    return [{"text": label if count is None else f"{label} ({count(current_user)})",
             "href": url_for(endpoint), "active": endpoint == active}
            for label, endpoint, _, _, count in entries]


_SECTION = re.compile(r'<h2 class="govuk-heading-m" id="([^"]+)">\s*([^<]+?)\s*<')


def sections(html) -> list[tuple[str, str]]:
    """(id, title) of each section heading (h2) in rendered page content, in order: a page's
    contents list, always what the page holds."""
    return [(anchor, unescape(title)) for anchor, title in _SECTION.findall(str(html))]


def init_app(app):
    """Register the filters and globals used by every template."""
    app.add_template_filter(sections, "sections")
    app.add_template_global(next_step)
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_global(navigation_items)
    app.add_template_global(related_links)
    app.add_template_global(words_for, "edition_words")
    app.jinja_env.globals["service_name"] = app.config["SERVICE_NAME"]
    # "WT2023" -> "Working Together 2023": the edition a case's deadlines follow.
    app.jinja_env.globals["edition_labels"] = EDITION_LABELS


ERROR_LAYOUTS_KEY = "tracker.error_layouts"
STAFF_LAYOUT = "base.html"


def register_error_layout(app, blueprint_name: str, layout: str) -> None:
    """Error pages (400, 404, an out-of-date form…) on a blueprint's pages use its layout:
    the pages for people without an account (the public notification form, the agency
    side) must not turn into the staff layout, with its sign-in and navigation, when a
    request is refused. A domain registers its own, as it registers its blueprints."""
    app.extensions.setdefault(ERROR_LAYOUTS_KEY, {})[blueprint_name] = layout


def error_layout() -> str:
    """The layout of the error page for this request: its blueprint's, else the staff one."""
    if not has_request_context():
        return STAFF_LAYOUT
    return current_app.extensions.get(ERROR_LAYOUTS_KEY, {}).get(request.blueprint,
                                                                  STAFF_LAYOUT)
