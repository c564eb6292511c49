"""A guard over the whole URL map: no bad input of a known kind ever gives a 5xx.

For every endpoint, as anonymous and as a signed-in user of each kind that sees different
pages, it sends: query names that mean something to url_for, and an unknown one; CR/LF and
NUL in every query parameter and form field; an integer too large for the database in every
query parameter and every integer path parameter (a 404, never a 500); and a multipart file
part in place of each text field of the endpoint's forms. Lists are one row a page, so
pagination is exercised.
"""

import io
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from werkzeug.routing import IntegerConverter

from tests.conftest import sign_in
from tests.factories import make_user
from tests.tracker.test_url_map_permissions import _records_elsewhere
from tracker.extensions import db
from tracker.models import ClosureDay, RuleOverride
from tracker.roles import Role

# The pages read the real today (the relative_dates CI step runs these on awkward days).
pytestmark = pytest.mark.relative_dates

RESERVED_NAMES = ["_anchor", "_scheme", "_method", "_external", "endpoint", "values", "zzz"]
# CR/LF and NUL together: whichever a field mishandles first, the answer must not be a 5xx.
BAD = "a\r\n\x00b"
# Names tried where there is no form to read them from (POST-only endpoints, and pages the
# user may not open), all in one request.
COMMON_FIELDS = ["email", "password", "full_name", "description", "reason", "confirm", "next"]
# Query parameters read as integers (ids, pages) that no GET form on the page names; the query
# names of the page's own links are tried too.
COMMON_QUERY = ["page", "next", "cdr_case", "partnership"]
# Too large for the database: one past PostgreSQL's INTEGER (its ids), one past SQLite's
# 64-bit integers, and a 20-digit number. The first two go in every query parameter.
HUGE = [str(2**31), str(2**63), "99999999999999999999"]
RULE_KEY = "panel_notification"


def _forms(html, method):
    """{name: [values]} of each field of the page's forms with this method."""
    fields = {}
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() != method:
            continue
        for tag in form.find_all(["input", "textarea", "select"]):
            name = tag.get("name")
            if not name or tag.get("type") in ("submit", "button"):
                continue
            values = fields.setdefault(name, [])
            if tag.name == "select":
                chosen = tag.find("option", selected=True) or tag.find("option")
                values.append(chosen.get("value", "") if chosen else "")
            elif tag.get("type") in ("radio", "checkbox"):
                if tag.has_attr("checked") or not values:
                    values[:] = [tag.get("value", "on")]
            else:
                values.append(tag.get("value") or tag.get_text() or "x")
    return fields


def _link_query_names(html):
    """The query parameter names of the page's own links (?cdr_case=, ?partnership=…)."""
    names = set()
    for link in BeautifulSoup(html, "html.parser").find_all("a", href=True):
        parts = urlsplit(link["href"])
        if not parts.netloc:
            names.update(name for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    return names


def _sample_values(app, samples):
    """(endpoint, methods, url, [urls with a huge integer path value]) for every rule of the
    URL map, with sample path values."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith("static"):
            continue
        values, integers = {}, []
        for name, converter in rule._converters.items():
            is_int = isinstance(converter, IntegerConverter)
            values[name] = samples.get(name, 1 if is_int else "x")
            if is_int:
                integers.append(name)
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
            huge = [app.url_for(rule.endpoint, **{**values, name: int(number)})
                    for name in integers for number in HUGE]
        yield rule.endpoint, rule.methods, url, huge


class Guard:
    """Sends the bad input and keeps every response of 500 or more."""

    def __init__(self, client, token):
        self.client, self.token, self.failures, self.count = client, token, [], 0

    def check(self, what, response):
        if response.status_code >= 500:
            self.failures.append(f"{what}: {response.status_code}")
        # As a WSGI server does: a download's spooled file is closed once it is sent.
        response.close()
        # A server starts each request with a fresh session; the tests share one app context.
        db.session.remove()
        self.count += 1

    def query(self, url):
        """GET the page with bad query strings; the fields of its POST forms, if it opened."""
        page = self.client.get(url)
        self.check(f"GET {url}", page)
        # A download (a spreadsheet, an invitation) has no forms to fill in.
        html = page.get_data(as_text=True) if page.status_code == 200 \
            and page.mimetype == "text/html" else ""
        reserved = dict.fromkeys(RESERVED_NAMES, "x")
        self.check(f"GET {url} ?{'&'.join(RESERVED_NAMES)}",
                   self.client.get(url, query_string={**reserved, "page": "2"}))
        for name in {*_forms(html, "get"), *_link_query_names(html), *COMMON_QUERY}:
            self.check(f"GET {url} ?{name}={BAD!r}",
                       self.client.get(url, query_string={name: BAD}))
            for number in HUGE[:2]:
                self.check(f"GET {url} ?{name}={number}",
                           self.client.get(url, query_string={name: number}))
        return _forms(html, "post")

    def huge_path(self, methods, urls):
        """An integer path value too large for the database answers 404, as an unknown id."""
        for url in urls:
            for method in {"GET", "POST"} & methods:
                response = self.client.open(url, method=method,
                                            data={"csrf_token": self.token})
                # Signed out, a page first asks to sign in: that is the same for any id.
                if response.status_code not in (302, 404):
                    self.failures.append(f"{method} {url}: {response.status_code}, not 404")
                self.check(f"{method} {url}", response)

    def post(self, url, fields):
        """POST a file, then CR/LF and NUL, in each field of the form (or the common ones)."""
        base = {name: values for name, values in fields.items() if name != "csrf_token"}
        base["csrf_token"] = self.token
        each = [[name] for name in fields] if fields else [COMMON_FIELDS]
        for names in each:
            files = {name: (io.BytesIO(b"not text"), "upload.txt") for name in names}
            self.check(f"POST {url} file in {names}", self.client.post(
                url, data={**base, **files}, content_type="multipart/form-data"))
            self.check(f"POST {url} {BAD!r} in {names}", self.client.post(
                url, data={**base, **dict.fromkeys(names, BAD)}))
        self.check(f"POST {url} ?{'&'.join(RESERVED_NAMES)}", self.client.post(
            url, query_string=dict.fromkeys(RESERVED_NAMES, "x"), data=base))


@pytest.fixture
def world(app, partnership):
    """Records for every kind of path value, and one row a page so lists paginate."""
    app.config["PAGE_SIZE"] = 1
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is a status here, not an exception
    target = make_user(Role.CDOP_ADMIN, [partnership], full_name="Target Person")
    make_user(Role.PANEL_MEMBER, [partnership])
    closure = ClosureDay(partnership_id=partnership.id, day=date(2025, 12, 24),
                         description="Office closed")
    db.session.add_all([
        closure,
        RuleOverride(partnership_id=partnership.id, rule_key=RULE_KEY, amount=7,
                     reason="Local agreement"),
    ])
    db.session.commit()
    # A record of every kind a case page names, so those pages and their forms are reached
    # with real ids (id 1 of nothing only ever met a 404).
    records = _records_elsewhere(partnership)
    return {**records, "user_id": target.id, "closure_id": closure.id,
            "code": partnership.code, "rule_key": RULE_KEY}


ROLES = [None, Role.SYSTEM_ADMIN, Role.AUDITOR, Role.CDOP_ADMIN, Role.BUSINESS_UNIT]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_no_bad_input_gives_a_server_error(app, partnership, world, role):
    client = app.test_client()
    if role is not None:
        user = make_user(role, [partnership])
        assert sign_in(client, user.email).status_code == 302
    sign_in_page = client.get("/change-password" if role else "/sign-in")
    token = _forms(sign_in_page.get_data(as_text=True), "post")["csrf_token"][0]
    guard = Guard(client, token)

    # Sign-out (and ending a session: id 1 is the client's own) last: it would end the
    # session the other requests are checked in.
    endpoints = sorted(_sample_values(app, world),
                       key=lambda e: e[0] in ("auth.logout", "account.end_session"))
    for _endpoint, methods, url, huge in endpoints:
        fields = guard.query(url) if "GET" in methods else {}
        if "POST" in methods:
            guard.post(url, fields)
        guard.huge_path(methods, huge)

    assert guard.failures == []
