"""A search that may name a child never lands in a URL, a log line or an export job: the
filter form is posted and the list is reached by a saved search's id, bound to its user."""

import json
import logging
import threading
import urllib.parse
import urllib.request
from datetime import date, datetime
from http.cookiejar import CookieJar

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.cdr.factories import make_case
from tests.conftest import Page, csrf_token_from, sign_in
from tests.factories import PASSWORD, make_user
from tracker import export_jobs
from tracker.export_jobs import ExportJob
from tracker.extensions import db
from tracker.reminders import scheduler
from tracker.roles import Role
from tracker.searches import SavedSearch

TODAY = date(2025, 6, 2)
TEXT = "Invented"  # the family name of every test child (tests/cdr/factories.py)


@pytest.fixture(autouse=True)
def _today(clock, app, tmp_path):
    clock.set(TODAY)
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")


@pytest.fixture
def cases(partnership):
    return [make_case(partnership, date_of_death=date(2025, 5, day)) for day in (1, 2, 3)]


def search(client, text=TEXT, **filters):
    """Post the list's filter form; the redirect's response."""
    token = csrf_token_from(client.get("/child-deaths/").get_data(as_text=True))
    return client.post("/child-deaths/", data={"q": text, **filters, "csrf_token": token})


def urls_of(page):
    """Every URL the page links to, posts to or loads."""
    return [node.get(name) for name in ("href", "action", "src")
            for node in page.html.select(f"[{name}]")]


def references(page):
    return [a.get_text(strip=True) for a in page.html.select("#case-list tbody td:first-child a")]


def test_a_name_search_reaches_the_list_by_an_id_that_every_link_keeps(app, cdop_client,
                                                                       cases):
    app.config["PAGE_SIZE"] = 2

    moved = search(cdop_client, f"  {TEXT.lower()} ", jar="no", sort="reference", order="asc",
                   died_from=["1", "5", "2025"])

    assert moved.status_code == 302
    location = urllib.parse.urlsplit(moved.location)
    query = urllib.parse.parse_qs(location.query)
    assert set(query) == {"search", "jar", "sort", "order", "died_from"}
    assert query["died_from"] == ["1", "5", "2025"]
    assert TEXT.lower() not in moved.location.lower()
    page = Page(cdop_client.get(moved.location))
    assert page.status == 200
    assert references(page) == [cases[0].reference, cases[1].reference]
    assert page.html.select_one("input[name=q]")["value"] == TEXT.lower()
    links = urls_of(page)
    assert not [url for url in links if TEXT.lower() in url.lower()]
    kept = [url for url in links if f"search={query['search'][0]}" in url]
    # Three sort headers, the next page and its number, and both spreadsheet downloads.
    assert len(kept) >= 6, links
    second = Page(cdop_client.get(page.html.select_one(".govuk-pagination__next a")["href"]))
    assert references(second) == [cases[2].reference]


def test_the_filter_form_is_posted_with_its_csrf_token(cdop_client, cases):
    form = Page(cdop_client.get("/child-deaths/")).html.select_one("#case-filters")
    assert form["method"] == "post" and form.select_one("input[name=csrf_token]")["value"]
    refused = cdop_client.post("/child-deaths/", data={"q": TEXT})
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0


def test_a_reference_search_stays_in_the_url(cdop_client, cases):
    moved = search(cdop_client, cases[1].reference)

    assert moved.location == f"/child-deaths/?q={cases[1].reference}"
    assert references(Page(cdop_client.get(moved.location))) == [cases[1].reference]
    assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0


def test_a_name_in_an_old_link_leaves_the_url_at_once(cdop_client, cases):
    for url in (f"/child-deaths/?q={TEXT}&stage=notified",
                f"/child-deaths/spreadsheet?q={TEXT}&identifying=yes"):
        moved = cdop_client.get(url)
        assert moved.status_code == 302, url
        assert TEXT.lower() not in moved.location.lower() and "search=" in moved.location


@pytest.mark.parametrize("whose", ["another user's", "expired"])
def test_another_users_or_an_expired_search_asks_to_search_again(app, cdop_client, partnership,
                                                                 cases, clock, days_pass,
                                                                 whose):
    location = search(cdop_client, "Zebedee").location
    client = cdop_client
    if whose == "expired":
        clock.advance(minutes=app.config["SEARCH_KEEP_MINUTES"] + 1)
    else:
        client = app.test_client()
        sign_in(client, make_user(Role.CDOP_ADMIN, [partnership]).email)

    page = Page(client.get(location))

    assert page.status == 400
    assert page.errors == ["Your search has expired. Enter it again"]
    assert page.html.select_one("input[name=q]").get("value", "") == ""
    assert "zebedee" not in str(page.html).lower()
    # A download asked for with the lost id answers with the list, to search again.
    export = client.get(location.replace("/child-deaths/?", "/child-deaths/spreadsheet?"))
    assert export.status_code == 302 and export.location.startswith("/child-deaths/?")


def test_expired_searches_are_swept(app, cdop_client, cases, clock, days_pass):
    search(cdop_client, "first")
    clock.advance(minutes=app.config["SEARCH_KEEP_MINUTES"] + 1)

    search(cdop_client, "second")

    assert db.session.scalars(sa.select(SavedSearch.text)).all() == ["second"]
    clock.advance(minutes=app.config["SEARCH_KEEP_MINUTES"])
    scheduler.exports_job(app)  # by the scheduler too, when nobody searches
    db.session.expire_all()
    assert db.session.scalars(sa.select(SavedSearch.text)).all() == []


def test_after_a_timeout_the_sign_in_page_returns_to_the_search_by_its_id(app, cdop_client,
                                                                          cases, clock):
    location = search(cdop_client).location
    clock.advance(minutes=31)

    timed_out = cdop_client.get(location)

    assert timed_out.status_code == 302 and timed_out.location.startswith("/sign-in")
    assert TEXT.lower() not in urllib.parse.unquote(timed_out.location).lower()
    assert "search=" in urllib.parse.unquote(timed_out.location)
    token = csrf_token_from(cdop_client.get(timed_out.location).get_data(as_text=True))
    signed_in = cdop_client.post(timed_out.location, data={
        "email": cdop_client.user.email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302 and signed_in.location == location
    assert references(Page(cdop_client.get(location))) == [c.reference for c in cases[::-1]]


def test_a_queued_export_stores_the_search_id_never_the_text(app, cdop_client, cases):
    app.config["EXPORT_INLINE_MAX_ROWS"] = 1
    page = Page(cdop_client.get(search(cdop_client).location))
    downloads = [a["href"] for a in page.html.select("#case-downloads a")]

    for href in downloads:
        queued = cdop_client.get(href)
        assert queued.status_code == 302 and queued.location.startswith("/exports/")
    export_jobs.build_queued(lambda: datetime(2025, 6, 2, 9, 30))

    jobs = db.session.scalars(sa.select(ExportJob).order_by(ExportJob.id)).all()
    assert len(jobs) == 2
    for job in jobs:
        assert TEXT.lower() not in job.arguments.lower()
        assert "search" in dict(json.loads(job.arguments))
        assert (job.status, job.row_count) == (export_jobs.READY, 3), job.error


def test_the_server_log_holds_the_search_id_never_the_text(app, partnership, cases, caplog):
    user = make_user(Role.CDOP_ADMIN, [partnership])
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def post(path, data):
        token = csrf_token_from(browser.open(base + path).read().decode())
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        return browser.open(base + path, body)

    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            post("/sign-in", {"email": user.email, "password": PASSWORD})
            listed = post("/child-deaths/", {"q": TEXT})
            html = listed.read().decode()
    finally:
        server.shutdown()
        thread.join()

    assert "search=" in listed.url and TEXT.lower() not in listed.url.lower()
    assert cases[0].reference in html
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("POST /child-deaths/ " in line for line in lines), lines
    assert any("GET /child-deaths/?search=" in line for line in lines), lines
    assert not [line for line in lines if TEXT.lower() in line.lower()]
