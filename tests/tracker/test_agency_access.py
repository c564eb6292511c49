"""The agency side of a personal link: every refused token gets one answer, the one-time
code (second e-mail, used once, ten minutes, five wrong ones lock the link), the short agency
session of its own, and no identifying value in an e-mail, a URL or a log line."""

import contextlib
import logging
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from cdr.services.request_links import due_on
from tests.conftest import csrf_token_from
from tracker import agency_access, deadline_service
from tracker import agency_links as links
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.mail import OutboundEmail

NOW = datetime(2025, 3, 3, 9, 0)


@pytest.fixture
def sent(app, partnership, clock):
    """A reporting-form request of a case, sent to a directory contact: (case, link, token)."""
    from cdr.models import AgencyRequest
    from tests.cdr.factories import make_case

    clock.set(NOW)
    case = make_case(partnership)
    request = AgencyRequest(partnership_id=partnership.id, case_id=case.id,
                            agency="Hill Surgery", sent_on=date(2025, 3, 3))
    agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                             name_key="hill surgery", kind="gp")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@hill.example")
    db.session.add_all([request, agency, contact])
    db.session.flush()
    deadline_service.sync_case(request)  # its own stored deadline, as the request page does
    db.session.commit()
    with app.test_request_context():
        link, token = links.issue(owner_type="cdr_agency_request", owner_id=request.id,
                                  contact=contact, partnership=partnership,
                                  reference=case.reference, due_on=date(2025, 3, 31))
        db.session.commit()
    return case, link, token


def _ask_for_code(client, token):
    page = client.get(f"/agency/{token}")
    assert page.status_code == 200 and "Send me a code" in page.get_data(as_text=True)
    sent = client.post(f"/agency/{token}",
                       data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/agency/{token}/code")
    email = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_code").order_by(OutboundEmail.id.desc())).first()
    return re.search(r"\b(\d{6})\b", email.text_body).group(1)


def _enter(client, token, code):
    page = client.get(f"/agency/{token}/code")
    if page.status_code != 200:
        return page
    return client.post(f"/agency/{token}/code", data={
        "code": code, "csrf_token": csrf_token_from(page.get_data(as_text=True))})


def _signed_in(client, token):
    code = _ask_for_code(client, token)
    response = _enter(client, token, code)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/agency/request")
    return code


def _wrong(code):
    return f"{(int(code) + 1) % 10**6:06d}"


def test_every_refused_token_gets_the_same_page_and_status(app, sent, clock):
    case, link, token = sent
    client = app.test_client()
    wrong = client.get("/agency/" + "x" * 43)
    assert wrong.status_code == 404
    answer = wrong.get_data(as_text=True)
    assert "This link does not work" in answer
    # Expired, revoked, returned: each the same page, the same status, on every agency page.
    clock.set(NOW + timedelta(days=29))
    for path in (f"/agency/{token}", f"/agency/{token}/code"):
        refused = client.get(path)
        assert (refused.status_code, refused.get_data(as_text=True)) == (404, answer)
    clock.set(NOW)
    link.revoked_at = NOW
    db.session.commit()
    refused = client.get(f"/agency/{token}")
    assert (refused.status_code, refused.get_data(as_text=True)) == (404, answer)
    link.revoked_at, link.returned_at = None, NOW
    db.session.commit()
    refused = client.get(f"/agency/{token}")
    assert (refused.status_code, refused.get_data(as_text=True)) == (404, answer)
    # And a POST (asking for a code) with a refused token sends nothing.
    csrf = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    refused = client.post(f"/agency/{token}", data={"csrf_token": csrf})
    assert (refused.status_code, refused.get_data(as_text=True)) == (404, answer)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail).where(
        OutboundEmail.kind == "agency_code")) == 0


def test_the_link_alone_shows_nothing_of_the_child(app, sent):
    case, link, token = sent
    client = app.test_client()
    for path in (f"/agency/{token}", f"/agency/{token}/code", "/agency/request"):
        html = client.get(path).get_data(as_text=True)
        assert "Testchild" not in html and case.reference not in html


def test_the_right_code_opens_the_request_with_the_childs_details(app, sent):
    case, link, token = sent
    client = app.test_client()
    _signed_in(client, token)
    page = client.get("/agency/request")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Testchild" in html and "Invented" in html and "26 January 2024" in html
    assert "Imaginary Lane" in html and "1 March 2025" in html
    from cdr.models import AgencyRequest
    from tracker.timeutil import format_date

    due = due_on(db.session.get(AgencyRequest, link.owner_id))
    assert due is not None
    assert case.reference in html and format_date(due) in html
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # No staff navigation, no sign-in session of Flask-Login.
    assert "Child deaths" not in html and "Sign in" not in html
    cookie = client.get_cookie(agency_access.COOKIE, path="/agency/")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    assert "_user_id" not in (client.get_cookie("session").value
                              if client.get_cookie("session") else "")
    db.session.expire_all()
    assert link.state(NOW) == links.OPENED


def test_the_code_email_holds_the_code_only_and_is_blanked_once_sent(app, sent, smtp_server):
    from tracker import mail

    case, link, token = sent
    code = _ask_for_code(app.test_client(), token)
    email = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_code")).one()
    assert email.to_address == "jo@hill.example"
    assert code in email.text_body and code not in email.subject
    for value in ("Testchild", "Invented", "Imaginary", case.reference, token):
        assert value not in email.subject + email.text_body + email.html_body
    assert code not in " ".join(str(row.changes) + str(row.detail)
                                for row in db.session.scalars(sa.select(AuditEvent)))
    with app.app_context():
        mail.send_due(NOW + timedelta(minutes=1))
    db.session.expire_all()
    assert code not in email.text_body + email.html_body
    assert agency_access.AgencyCode.query.one().code_hash != code


def test_five_wrong_codes_lock_the_link_and_the_request_page_says_so(
        app, sent, call, cdop_client):
    case, link, token = sent
    client = app.test_client()
    code = _ask_for_code(client, token)
    for _ in range(4):
        wrong = _enter(client, token, _wrong(code))
        assert wrong.status_code == 400
        assert "The code is not right" in wrong.get_data(as_text=True)
    locked = _enter(client, token, _wrong(code))
    assert locked.status_code == 404
    # Now even the right code is refused, with the one refused answer.
    assert _enter(client, token, code).status_code == 404
    assert client.get(f"/agency/{token}").status_code == 404
    db.session.expire_all()
    assert link.state(NOW) == links.LOCKED
    shown = call(cdop_client, "cdr.edit_request", case_id=case.id, request_id=link.owner_id)
    assert "Locked" in shown.text("#request-links")
    actions = [row.action for row in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "AgencyLink"))]
    assert actions.count("wrong_code") == 4 and "locked_out" in actions


def test_sending_a_locked_link_again_issues_a_fresh_one(app, sent, partnership):
    case, link, token = sent
    link.locked_at, link.failed_codes = NOW, 5
    db.session.commit()
    contact = db.session.get(AgencyContact, link.contact_id)
    with app.test_request_context():
        _, fresh = links.issue(owner_type=link.owner_type, owner_id=link.owner_id,
                               contact=contact, partnership=partnership,
                               reference=case.reference, due_on=None)
        db.session.commit()
    client = app.test_client()
    assert client.get(f"/agency/{token}").status_code == 404
    _signed_in(client, fresh)


def test_a_used_code_cannot_be_used_again(app, sent):
    case, link, token = sent
    code = _signed_in(app.test_client(), token)
    again = _enter(app.test_client(), token, code)
    assert again.status_code == 400
    db.session.expire_all()
    assert link.failed_codes == 1


def test_an_expired_code_is_refused(app, sent, clock):
    case, link, token = sent
    client = app.test_client()
    code = _ask_for_code(client, token)
    clock.set(NOW + timedelta(minutes=11))
    assert _enter(client, token, code).status_code == 400


def test_asking_again_kills_the_earlier_code(app, sent):
    case, link, token = sent
    client = app.test_client()
    first = _ask_for_code(client, token)
    second = _ask_for_code(client, token)
    if first != second:
        assert _enter(client, token, first).status_code == 400
    assert _enter(client, token, second).status_code == 302


def test_codes_an_hour_are_limited(app, sent):
    case, link, token = sent
    client = app.test_client()
    for _ in range(agency_access.CODES_AN_HOUR + 2):
        _ask_for_code(client, token)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail).where(
        OutboundEmail.kind == "agency_code")) == agency_access.CODES_AN_HOUR


def test_a_post_without_its_csrf_token_sends_no_code(app, sent):
    case, link, token = sent
    response = app.test_client().post(f"/agency/{token}", data={})
    assert response.status_code in (400, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail).where(
        OutboundEmail.kind == "agency_code")) == 0


def test_the_agency_session_ends_after_thirty_idle_minutes(app, sent, clock):
    case, link, token = sent
    client = app.test_client()
    _signed_in(client, token)
    clock.set(NOW + timedelta(minutes=29))
    assert client.get("/agency/request").status_code == 200
    clock.set(NOW + timedelta(minutes=58))  # 29 minutes after the last request: still live
    assert client.get("/agency/request").status_code == 200
    clock.set(NOW + timedelta(minutes=89))
    ended = client.get("/agency/request")
    assert ended.status_code == 401 and "Testchild" not in ended.get_data(as_text=True)
    clock.set(NOW + timedelta(minutes=90))
    assert client.get("/agency/request").status_code == 401


def test_the_agency_session_ends_when_its_link_is_revoked(app, sent):
    case, link, token = sent
    client = app.test_client()
    _signed_in(client, token)
    links.revoke(link, NOW)
    db.session.commit()
    assert client.get("/agency/request").status_code == 401


def test_signing_out_ends_the_session(app, sent):
    case, link, token = sent
    client = app.test_client()
    _signed_in(client, token)
    page = client.get("/agency/request")
    cookie = client.get_cookie(agency_access.COOKIE, path="/agency/").value
    out = client.post("/agency/sign-out",
                      data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert out.status_code == 302
    client.set_cookie(agency_access.COOKIE, cookie, path="/agency/")
    assert client.get("/agency/request").status_code == 401


def test_a_staff_session_does_not_open_the_agency_page(app, sent, cdop_client):
    assert cdop_client.get("/agency/request").status_code == 401


def test_another_links_session_cookie_is_not_guessable(app, sent):
    client = app.test_client()
    client.set_cookie(agency_access.COOKIE, "x" * 43, path="/agency/")
    assert client.get("/agency/request").status_code == 401


def test_what_the_contact_does_is_audited_under_the_contact(app, sent):
    case, link, token = sent
    client = app.test_client()
    _signed_in(client, token)
    client.get("/agency/request")
    rows = list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "AgencyLink", AuditEvent.object_id == str(link.id),
        AuditEvent.action != "create")))  # the link's sending, by staff
    assert {row.action for row in rows} >= {"code_sent", "login", "view"}
    assert {(row.user_id, row.user_email) for row in rows } == {
        (None, f"Agency contact {link.contact_id}")}
    assert all(row.partnership_id == link.partnership_id for row in rows)


def test_no_identifying_value_in_a_url_or_a_log_line(app, sent, caplog):
    case, link, token = sent
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    urls = [f"/agency/{token}", f"/agency/{token}/code"]
    _signed_in(client, token)
    page = client.get("/agency/request")
    urls += [page.request.path]
    html = page.get_data(as_text=True)
    urls += re.findall(r'(?:href|action)="([^"]+)"', html)
    identity = ("Testchild", "Invented", "Imaginary", "26 January 2024", "ZZ99")
    for value in identity:
        assert not any(value in url for url in urls)
        assert value not in caplog.text
    assert token not in caplog.text


# --- The online reporting form ---------------------------------------------------------------

ANSWERS = {"involvement": "Registered with the practice since birth.",
           "history": "Seen for asthma.", "circumstances": "Told by the hospital.",
           "bereavement_offered": "yes", "bereavement_detail": "A call from the GP."}


def _post_page(client, url, data, page_url=None):
    html = client.get(page_url or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token_from(html)})


def test_save_and_return_then_send_once_returns_the_request_awaiting_review(
        app, sent, cdop_client):
    from tests.factories import make_user  # noqa: F401 (the cdop_client's user is a reviewer)

    case, link, token = sent
    client = app.test_client()
    _signed_in(client, token)
    saved = _post_page(client, "/agency/form", {"involvement": "Half written", "save": "y"})
    assert saved.status_code == 302
    assert "Half written" in client.get("/agency/form").get_data(as_text=True)
    # Continue with a required section missing: an error, nothing lost.
    short = _post_page(client, "/agency/form", {"involvement": "Half written"})
    assert short.status_code == 400
    html = short.get_data(as_text=True)
    assert "Enter the circumstances of the death" in html and "Half written" in html
    assert _post_page(client, "/agency/form", ANSWERS).status_code == 302
    check = client.get("/agency/check")
    assert check.status_code == 200 and "A call from the GP." in check.get_data(as_text=True)
    token_field = csrf_token_from(check.get_data(as_text=True))
    first = client.post("/agency/check", data={"csrf_token": token_field})
    assert first.status_code == 302 and first.headers["Location"].endswith("/agency/sent")
    # Replayed: the session ended with the link's return; nothing happens twice.
    again = client.post("/agency/check", data={"csrf_token": token_field})
    assert again.status_code == 401
    db.session.expire_all()
    answer = agency_access.AgencyAnswer.query.one()
    assert answer.status == agency_access.SUBMITTED and answer.answers["history"]
    assert link.state(NOW) == links.RETURNED
    assert client.get(f"/agency/{token}").status_code == 404
    told = list(db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_return")))
    assert len(told) == 1  # the cdop_client's user, once
    for value in ("Testchild", "Invented", case.reference, "asthma"):
        assert value not in told[0].subject + told[0].text_body + told[0].html_body
    assert agency_access.submit(link, None, "/", NOW) is False


def test_another_links_draft_is_not_reachable(app, sent, partnership):
    case, link, token = sent
    client = app.test_client()
    _signed_in(client, token)
    _post_page(client, "/agency/form", {"involvement": "Only for the first link", "save": "y"})
    contact = db.session.get(AgencyContact, link.contact_id)
    with app.test_request_context():
        _, fresh = links.issue(owner_type=link.owner_type, owner_id=link.owner_id,
                               contact=contact, partnership=partnership,
                               reference=case.reference, due_on=None)
        db.session.commit()
    other = app.test_client()
    _signed_in(other, fresh)
    assert "Only for the first link" not in other.get("/agency/form").get_data(as_text=True)
    # And the first session ended with its link, replaced.
    assert client.get("/agency/form").status_code == 401


def test_a_supplementary_form_request_has_its_own_section(app, sent):
    from cdr.models import REPORTING_FORMS, AgencyRequest

    case, link, token = sent
    request = db.session.get(AgencyRequest, link.owner_id)
    key = next(k for k in REPORTING_FORMS if k != request.reporting_form)
    request.reporting_form = key
    db.session.commit()
    client = app.test_client()
    _signed_in(client, token)
    assert REPORTING_FORMS[key] in client.get("/agency/form").get_data(as_text=True)
    assert _post_page(client, "/agency/form", ANSWERS).status_code == 400


# --- Review on the request page --------------------------------------------------------------

def _sent_online(app, sent, clock, when=NOW):
    case, link, token = sent
    clock.set(when)
    client = app.test_client()
    _signed_in(client, token)
    assert _post_page(client, "/agency/form", ANSWERS).status_code == 302
    page = client.get("/agency/check")
    assert client.post("/agency/check", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True))}).status_code == 302
    return client


def _deadline(link):
    from tracker.deadline_models import Deadline

    db.session.expire_all()
    return db.session.scalars(sa.select(Deadline).where(
        Deadline.owner_type == "cdr_agency_request", Deadline.owner_id == link.owner_id)).one()


def test_accepting_returns_the_request_on_the_day_it_was_sent(app, sent, clock, call,
                                                              cdop_client, days_pass):
    from cdr.models import AgencyRequest

    case, link, token = sent
    _sent_online(app, sent, clock, NOW + timedelta(days=2))
    clock.set(NOW + timedelta(days=9))
    page = call(cdop_client, "cdr.edit_request", case_id=case.id, request_id=link.owner_id)
    assert "Seen for asthma." in page.text("main")
    assert "Returned, awaiting review" in page.text("main")
    assert _deadline(link).met_on is None
    call(cdop_client, "cdr.accept_agency_answer", status=302, form_page=(
        "cdr.edit_request", {"case_id": case.id, "request_id": link.owner_id}),
        case_id=case.id, request_id=link.owner_id, data={"link_id": str(link.id)})
    request = db.session.get(AgencyRequest, link.owner_id)
    assert request.returned_on == date(2025, 3, 5)
    assert _deadline(link).met_on == date(2025, 3, 5)
    # Accepted twice is accepted once.
    call(cdop_client, "cdr.accept_agency_answer", status=302, form_page=(
        "cdr.edit_request", {"case_id": case.id, "request_id": link.owner_id}),
        case_id=case.id, request_id=link.owner_id, data={"link_id": str(link.id)})
    assert agency_access.AgencyAnswer.query.one().status == agency_access.ACCEPTED


def test_a_query_reopens_the_same_link_with_the_question_shown(app, sent, clock, call,
                                                               cdop_client):
    case, link, token = sent
    _sent_online(app, sent, clock)
    refused = call(cdop_client, "cdr.query_agency_answer", status=400, form_page=(
        "cdr.edit_request", {"case_id": case.id, "request_id": link.owner_id}),
        case_id=case.id, request_id=link.owner_id, data={"link_id": str(link.id)})
    assert refused.errors == ["Enter your question to the agency"]
    call(cdop_client, "cdr.query_agency_answer", status=302, form_page=(
        "cdr.edit_request", {"case_id": case.id, "request_id": link.owner_id}),
        case_id=case.id, request_id=link.owner_id,
        data={"link_id": str(link.id), "question": "When was the last appointment?"})
    email = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_query")).one()
    for value in ("Testchild", "Invented", "last appointment", "asthma"):
        assert value not in email.subject + email.text_body + email.html_body
    client = app.test_client()
    _signed_in(client, token)
    form = client.get("/agency/form").get_data(as_text=True)
    assert "When was the last appointment?" in form and "Seen for asthma." in form
    _sent_online(app, sent, clock)
    db.session.expire_all()
    assert agency_access.AgencyAnswer.query.one().status == agency_access.SUBMITTED


def test_an_error_on_the_agency_side_keeps_the_agency_layout(app, sent):
    """A refused form (no CSRF token) on an agency page answers in the agency layout, with
    nothing of the staff side (its sign-in, its home page)."""
    _case, _link, token = sent
    client = app.test_client()
    response = client.post(f"/agency/{token}/code", data={"code": "123456"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your form could not be sent" in html
    assert "agency reporting" in html
    assert 'href="/sign-in"' not in html and "Go to the home page" not in html


def test_the_request_log_never_holds_a_link_token(app, sent, caplog):
    """The development server logs each request line (gunicorn does with its access log on):
    a link's token in it would let a reader of the log open the link."""
    import threading

    from werkzeug.serving import make_server

    from tracker.log_redaction import REDACTED

    _case, _link, token = sent
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        import urllib.request
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in (f"/agency/{token}", f"/agency/{token}/code", f"/agency/{token[:-1]}"):
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(
                        f"http://127.0.0.1:{server.server_port}{path}").close()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(lines) == 3
    assert all(REDACTED in line for line in lines)
    assert not any(token[:20] in line for line in lines)
