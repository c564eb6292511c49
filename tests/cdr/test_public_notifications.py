"""The public notification form (/notify/<code>): no sign-in, question pages,
check-your-answers, a submission number by e-mail, and its refusals."""

import contextlib
import logging
from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase
from cdr.models.public import DRAFT, SUBMITTED, PublicFormUse, PublicNotification
from forms.cdr.public_notification import HONEYPOT
from tests.conftest import csrf_token_from, page
from tracker import mail
from tracker.extensions import db

START = "/notify/NSP"
CHILD = {"given_names": "Zebedee", "family_name": "Quartermaine",
         "date_of_birth": ["3", "4", "2020"], "sex": "male", "nhs_number": "9434765919",
         "la_of_residence": "Northshire"}
DEATH = {"date_of_death": ["1", "3", "2026"], "birth_outcome": "no",
         "place_of_death": "hospital", "circumstances": "Collapsed at home"}
RESPONSE = {"death_expected": "no", "jar_criteria": ["jar_sudden_unexplained"]}
AGENCIES = {"agency_1_name": "Northshire Primary School", "agency_1_kind": "school"}
NOTIFIER = {"notifier_name": "Dr Ada Practitioner", "notifier_role": "GP",
            "notifier_agency": "Northshire Surgery",
            "notifier_email": "ada.practitioner@example.nhs.uk"}
ANSWERS = (("child", CHILD), ("death", DEATH), ("response", RESPONSE),
           ("agencies", AGENCIES), ("notifier", NOTIFIER))


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(date(2026, 3, 4))


@pytest.fixture
def taking(partnership):
    partnership.takes_public_notifications = True
    db.session.commit()
    return partnership


def post(client, url, data, page_url=None):
    html = client.get(page_url or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token_from(html)})


def begin(client):
    return post(client, f"{START}/begin", {}, page_url=START)


def fill_in(client, answers=ANSWERS):
    begin(client)
    for slug, data in answers:
        response = post(client, f"{START}/{slug}", data)
        assert response.status_code == 302, (slug, page(response).get_text(" ", strip=True))
    return client.get(f"{START}/check")


def send(client):
    return post(client, f"{START}/check", {}, page_url=START)


def test_a_practitioner_notifies_a_death_without_an_account(client, taking):
    check = fill_in(client)
    text = page(check).get_text(" ", strip=True)
    assert check.status_code == 200
    assert "Zebedee" in text and "Northshire Primary School" in text
    assert "Change" in text
    response = send(client)
    assert response.headers["Location"].endswith(f"{START}/sent")
    sent = page(client.get(f"{START}/sent")).get_text(" ", strip=True)
    row = db.session.scalar(sa.select(PublicNotification))
    assert row.status == SUBMITTED and row.reference == "PN-NSP-2026-0001"
    assert row.reference in sent
    assert row.notifier_email == "ada.practitioner@example.nhs.uk"
    assert row.answers["given_names"] == ["Zebedee"]
    # Nothing becomes a case without triage.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 0


def test_the_confirmation_email_names_the_number_never_the_child(client, taking):
    fill_in(client)
    send(client)
    email = db.session.scalar(sa.select(mail.OutboundEmail))
    assert email.to_address == "ada.practitioner@example.nhs.uk"
    assert "PN-NSP-2026-0001" in email.text_body
    for value in ("Zebedee", "Quartermaine", "9434765919", "Collapsed", "2020"):
        assert value not in email.subject + email.text_body + email.html_body


def test_the_public_pages_need_no_sign_in_and_show_no_staff_navigation(client, taking):
    for url in ("/notify/", START):
        response = client.get(url)
        assert response.status_code == 200
        assert "Sign out" not in response.get_data(as_text=True)
        assert "Content-Security-Policy" in response.headers
    begin(client)
    response = client.get(f"{START}/child")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert page(response).find("a", string="Child deaths") is None


def test_the_answers_stay_server_side(client, taking):
    fill_in(client)
    cookie = client.get_cookie("session")
    assert "Zebedee" not in (cookie.value if cookie else "")
    import base64
    import zlib
    raw = cookie.value.lstrip(".").split(".")[0]
    padded = raw + "=" * (-len(raw) % 4)
    decoded = base64.urlsafe_b64decode(padded)
    with contextlib.suppress(zlib.error):
        decoded = zlib.decompress(decoded)
    assert b"Zebedee" not in decoded


def test_a_page_shows_its_own_errors_and_keeps_the_answers(client, taking):
    begin(client)
    response = post(client, f"{START}/child", {**CHILD, "nhs_number": "1234567890"})
    assert response.status_code == 400
    summary = page(response).find(class_="govuk-error-summary").get_text(" ", strip=True)
    assert "NHS number" in summary
    assert "Zebedee" in response.get_data(as_text=True)


def test_check_your_answers_sends_back_to_a_missing_page(client, taking):
    fill_in(client, ANSWERS[:2])
    check = client.get(f"{START}/check")
    assert "Send notification" not in check.get_data(as_text=True)
    response = send(client)
    assert response.headers["Location"].endswith(f"{START}/response")
    assert db.session.scalar(sa.select(PublicNotification.status)) == DRAFT


def test_a_partnership_not_taking_notifications_is_not_found(client, partnership):
    assert client.get(START).status_code == 404
    assert "Northshire" not in client.get("/notify/").get_data(as_text=True)


def test_the_hidden_field_is_one_autofill_never_fills(client, taking):
    begin(client)
    html = page(client.get(f"{START}/child"))
    field = html.find("input", attrs={"name": HONEYPOT})
    assert field is not None and field["name"] not in ("website", "url", "email", "name")
    assert field["autocomplete"] == "off" and field["tabindex"] == "-1"
    assert field.find_parent(attrs={"aria-hidden": "true"}) is not None
    assert "Leave this empty" in html.find("label", attrs={"for": field["id"]}).get_text()


def test_a_filled_hidden_field_keeps_the_notification_marked_for_triage(
        client, cdop_client, taking):
    """Autofill (or a robot) filling the hidden field never loses a real notification: it
    is stored and sent with its real number, marked, and no e-mail goes to the notifier."""
    begin(client)
    response = post(client, f"{START}/child", {**CHILD, HONEYPOT: "Ada"})
    assert response.status_code == 302
    for slug, data in ANSWERS[1:]:
        assert post(client, f"{START}/{slug}", data).status_code == 302
    response = send(client)
    assert response.headers["Location"].endswith(f"{START}/sent")
    row = db.session.scalar(sa.select(PublicNotification))
    assert row.status == SUBMITTED and row.reference == "PN-NSP-2026-0001"
    assert row.suspected_automated
    assert row.answers["given_names"] == ["Zebedee"]
    assert "PN-NSP-2026-0001" in client.get(f"{START}/sent").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(mail.OutboundEmail)) == 0
    queue = page(cdop_client.get("/child-deaths/public-notifications"))
    assert "Suspected automated" in queue.get_text(" ", strip=True)
    submission = page(cdop_client.get(triage_url(row))).get_text(" ", strip=True)
    assert "Suspected automated" in submission


def test_a_hidden_field_filled_only_at_send_is_kept_and_marked(client, taking):
    fill_in(client)
    response = post(client, f"{START}/check", {HONEYPOT: "http://spam.example"})
    assert response.headers["Location"].endswith(f"{START}/sent")
    row = db.session.scalar(sa.select(PublicNotification))
    assert row.status == SUBMITTED and row.suspected_automated
    assert row.reference in client.get(f"{START}/sent").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(mail.OutboundEmail)) == 0


def test_an_unmarked_notification_is_not_shown_as_suspected(cdop_client, sent_notification):
    assert not sent_notification.suspected_automated
    queue = cdop_client.get("/child-deaths/public-notifications").get_data(as_text=True)
    assert sent_notification.reference in queue and "Suspected automated" not in queue


def test_an_oversized_request_is_refused(client, taking):
    begin(client)
    response = post(client, f"{START}/death", {**DEATH, "circumstances": "x" * 70_000})
    assert response.status_code == 413
    assert db.session.scalar(sa.select(PublicNotification.answers)) == {}


def test_an_answer_over_its_length_is_refused(client, taking):
    begin(client)
    response = post(client, f"{START}/death", {**DEATH, "circumstances": "x" * 10_001})
    assert response.status_code == 400
    assert "10000 characters or fewer" in response.get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(client, taking):
    begin(client)
    response = client.post(f"{START}/child", data=CHILD)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(PublicNotification.answers)) == {}


def test_rate_limited_per_address(app, client, taking):
    app.config["PUBLIC_NOTIFY_PER_CLIENT"] = 2
    for _ in range(2):
        fresh = app.test_client()
        assert begin(fresh).status_code == 302
    response = begin(app.test_client())
    assert response.status_code == 429
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicNotification)) == 2
    # Another address is not held up by this one.
    other = app.test_client()
    html = other.get(START).get_data(as_text=True)
    response = other.post(f"{START}/begin", data={"csrf_token": csrf_token_from(html)},
                          environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 302


def test_rate_limited_per_partnership(app, client, taking):
    app.config["PUBLIC_NOTIFY_PER_PARTNERSHIP"] = 1
    other = app.test_client()
    html = other.get(START).get_data(as_text=True)
    assert other.post(f"{START}/begin", data={"csrf_token": csrf_token_from(html)},
                      environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 302
    assert begin(client).status_code == 429
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicFormUse)) == 1


def test_a_draft_expires(client, taking, clock):
    begin(client)
    row = db.session.scalar(sa.select(PublicNotification))
    row.expires_at = row.created_at
    db.session.commit()
    response = client.get(f"{START}/child")
    assert response.headers["Location"].endswith(START)


def test_nothing_typed_reaches_the_log(client, taking, caplog):
    caplog.set_level(logging.DEBUG)
    fill_in(client)
    send(client)
    for value in ("Zebedee", "Quartermaine", "9434765919", "ada.practitioner"):
        assert value not in caplog.text


# --- Triage ----------------------------------------------------------------------------------


@pytest.fixture
def sent_notification(client, taking):
    fill_in(client)
    send(client)
    return db.session.scalar(sa.select(PublicNotification))


def triage_url(submission, tail=""):
    return f"/child-deaths/public-notifications/{submission.id}{tail}"


def test_a_cdop_administrator_opens_a_case_from_the_submission(cdop_client,
                                                                sent_notification):
    from cdr.models import CaseAgency
    from tests.conftest import submit

    queue = cdop_client.get("/child-deaths/public-notifications")
    assert "PN-NSP-2026-0001" in queue.get_data(as_text=True)
    shown = cdop_client.get(triage_url(sent_notification))
    assert "Zebedee" in shown.get_data(as_text=True)
    form = cdop_client.get(triage_url(sent_notification, "/new-case"))
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert 'value="Zebedee"' in html and 'value="Northshire Surgery"' in html
    response = cdop_client.post(triage_url(sent_notification, "/new-case"),
                                data=_posted_fields(html))
    assert response.status_code == 302, page(response).get_text(" ", strip=True)[:2000]
    case = db.session.scalar(sa.select(ChildDeathCase))
    assert case.reference == "CDOP-NSP-2026-0001"
    assert case.jar_sudden_unexplained
    db.session.refresh(sent_notification)
    assert sent_notification.status == "new_case"
    assert sent_notification.case_id == case.id
    assert sent_notification.triaged_by_id == cdop_client.user.id
    assert db.session.scalar(sa.select(CaseAgency.name)) == "Northshire Primary School"
    # Once triaged it is off the queue and cannot be triaged again.
    assert "PN-NSP-2026-0001" not in cdop_client.get(
        "/child-deaths/public-notifications").get_data(as_text=True)
    again = submit(cdop_client, triage_url(sent_notification, "/decline"),
                   {"reason": "other", "where": "x"}, page_url=triage_url(sent_notification))
    assert again.status_code == 302
    db.session.refresh(sent_notification)
    assert sent_notification.status == "new_case"


def _posted_fields(html):
    """Every field of the page's notify form as a browser posts it."""
    from bs4 import BeautifulSoup
    from werkzeug.datastructures import MultiDict

    data = MultiDict()
    form = BeautifulSoup(html, "html.parser").find("form", action=lambda a: a and "new-case" in a)
    for tag in form.find_all(["input", "textarea", "select"]):
        name = tag.get("name")
        if not name:
            continue
        if tag.name == "textarea":
            data.add(name, tag.get_text())
        elif tag.name == "select":
            chosen = tag.find("option", selected=True)
            data.add(name, chosen.get("value", "") if chosen else "")
        elif tag.get("type") in ("radio", "checkbox"):
            if tag.has_attr("checked"):
                data.add(name, tag.get("value", "y"))
        else:
            data.add(name, tag.get("value", ""))
    return data


def test_add_to_an_existing_case_as_a_further_notification(cdop_client, sent_notification,
                                                           partnership):
    from cdr.models import CaseNotification, ChildIdentity
    from tests.cdr.factories import make_case

    case = make_case(partnership, date_of_death=date(2026, 3, 1))
    identity = db.session.scalar(sa.select(ChildIdentity).where(ChildIdentity.case_id == case.id))
    identity.nhs_number = "9434765919"  # the number the notifier gave
    db.session.commit()
    shown = cdop_client.get(triage_url(sent_notification)).get_data(as_text=True)
    assert case.reference in shown
    from tests.conftest import submit
    response = submit(cdop_client, triage_url(sent_notification, "/add-to-case"),
                      {"case_id": str(case.id)}, page_url=triage_url(sent_notification))
    assert response.headers["Location"].endswith(f"/child-deaths/{case.id}")
    db.session.refresh(sent_notification)
    assert sent_notification.status == "added_to_case"
    assert sent_notification.case_id == case.id
    further = db.session.scalar(sa.select(CaseNotification).where(CaseNotification.further))
    assert further.notifier_agency == "Northshire Surgery"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 1


def test_decline_and_forward_to_another_partnership(app, cdop_client, sent_notification,
                                                    other_partnership):
    from tests.conftest import sign_in, submit
    from tests.factories import make_user
    from tracker.roles import Role

    response = submit(cdop_client, triage_url(sent_notification, "/decline"),
                      {"reason": "another_area", "forward_to": str(other_partnership.id)})
    assert response.status_code == 302
    db.session.refresh(sent_notification)
    assert sent_notification.status == "forwarded"
    assert sent_notification.forwarded_to_id == other_partnership.id
    other = app.test_client()
    sign_in(other, make_user(Role.CDOP_ADMIN, [other_partnership]).email)
    queue = other.get("/child-deaths/public-notifications").get_data(as_text=True)
    assert "PN-SVP-2026-0001" in queue


def test_decline_needs_a_reason_and_says_where(cdop_client, sent_notification):
    from tests.conftest import submit

    response = submit(cdop_client, triage_url(sent_notification, "/decline"),
                      {"reason": "another_area"})
    assert response.status_code == 400
    assert db.session.get(PublicNotification, sent_notification.id).status == SUBMITTED
    response = submit(cdop_client, triage_url(sent_notification, "/decline"),
                      {"reason": "not_in_scope"})
    assert response.status_code == 302
    db.session.refresh(sent_notification)
    assert sent_notification.status == "declined"
    assert sent_notification.decline_reason == "not_in_scope"
    from tracker.audit import AuditEvent
    row = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "PublicNotification", AuditEvent.action == "update",
        AuditEvent.user_id == cdop_client.user.id))
    assert row.changes["status"] == ["submitted", "declined"]


def test_another_partnerships_administrator_cannot_see_or_triage_it(app, sent_notification,
                                                                     other_partnership):
    from tests.conftest import csrf_token_from, sign_in
    from tests.factories import make_user
    from tracker.roles import Role

    other = app.test_client()
    sign_in(other, make_user(Role.CDOP_ADMIN, [other_partnership]).email)
    assert "PN-NSP" not in other.get("/child-deaths/public-notifications").get_data(
        as_text=True)
    assert other.get(triage_url(sent_notification)).status_code == 404
    token = csrf_token_from(other.get("/change-password").get_data(as_text=True))
    for tail in ("/decline", "/add-to-case", "/new-case"):
        response = other.post(triage_url(sent_notification, tail),
                              data={"csrf_token": token, "reason": "not_in_scope"})
        assert response.status_code == 404
    assert db.session.get(PublicNotification, sent_notification.id).status == SUBMITTED


def test_only_a_cdop_administrator_triages(doctor_client, sent_notification):
    assert doctor_client.get("/child-deaths/public-notifications").status_code == 403
    assert doctor_client.get(triage_url(sent_notification)).status_code == 403
    from tests.conftest import csrf_token_from
    token = csrf_token_from(doctor_client.get("/change-password").get_data(as_text=True))
    response = doctor_client.post(triage_url(sent_notification, "/decline"),
                                  data={"csrf_token": token, "reason": "not_in_scope"})
    assert response.status_code == 403
    assert db.session.get(PublicNotification, sent_notification.id).status == SUBMITTED


def test_viewing_a_submission_is_audited(cdop_client, sent_notification):
    from tracker.audit import AuditEvent

    cdop_client.get(triage_url(sent_notification))
    row = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "PublicNotification", AuditEvent.action == "view"))
    assert row is not None and row.user_id == cdop_client.user.id


def test_the_header_and_the_home_page_count_what_waits(cdop_client, sent_notification):
    home = page(cdop_client.get("/"))
    link = home.find("a", href="/child-deaths/public-notifications")
    assert link is not None and "Public notifications (1)" in link.get_text(" ", strip=True)
    assert "1 public notification waiting for triage" in home.get_text(" ", strip=True)


def test_the_header_count_is_one_query_whatever_waits(app, cdop_client, sent_notification,
                                                      partnership):
    from cdr.services import home

    for _ in range(5):
        db.session.add(PublicNotification(partnership_id=partnership.id, status=SUBMITTED,
                                          answers={}, submitted_at=sent_notification.submitted_at))
    db.session.commit()
    statements = []

    def listen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    user = cdop_client.user
    user.partnership_ids  # noqa: B018 (loaded before counting)
    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert home.public_count(user) == 6
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert len(statements) == 1


def test_the_demo_has_a_partnership_taking_public_notifications(app):
    from tracker import demo
    from tracker.models import Partnership

    demo.seed_people()
    demo.seed_cases(4, today=date(2026, 3, 4))
    rows = db.session.scalars(sa.select(PublicNotification)).all()
    assert [row.status for row in rows] == [SUBMITTED]
    assert db.session.get(Partnership, rows[0].partnership_id).takes_public_notifications
    demo.seed_cases(4, today=date(2026, 3, 4))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicNotification)) == 1


def test_a_system_administrator_switches_the_public_form_on(app, client, partnership):
    from tests.conftest import sign_in, submit
    from tests.factories import make_user
    from tracker.audit import AuditEvent
    from tracker.models import Partnership
    from tracker.roles import Role

    assert client.get(START).status_code == 404
    admin = app.test_client()
    sign_in(admin, make_user(Role.SYSTEM_ADMIN, [partnership]).email)
    response = submit(admin, "/partnerships/NSP/public-notifications", {"takes": "yes"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Partnership.takes_public_notifications))
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "Partnership", AuditEvent.action == "update")) is not None
    assert client.get(START).status_code == 200


def test_the_confirmation_goes_over_smtp(client, taking, smtp_server):
    fill_in(client)
    send(client)
    assert mail.send_due() == (1, 0)
    [message] = smtp_server.messages
    assert message["Subject"] == "Your submission PN-NSP-2026-0001 has been received"
    assert message["To"] == "ada.practitioner@example.nhs.uk"
    body = message.get_body(("plain",)).get_content()
    assert "PN-NSP-2026-0001" in body and "Zebedee" not in body


# --- Review of this session's form: sends, limits and triage that race ----------------------


def test_the_confirmation_email_is_neutral_about_what_was_sent(client, taking):
    """It goes to whatever address was typed: it names the submission and partnership."""
    fill_in(client)
    send(client)
    email = db.session.scalar(sa.select(mail.OutboundEmail))
    assert email.subject == "Your submission PN-NSP-2026-0001 has been received"
    assert ("Your submission PN-NSP-2026-0001 has been received by Northshire"
            in email.text_body)
    for words in ("child death", "death", "CDOP"):
        assert words not in email.subject + email.text_body + email.html_body


def test_a_finished_form_is_never_refused_at_send(app, client, taking):
    app.config["PUBLIC_NOTIFY_PER_PARTNERSHIP"] = 1
    app.config["PUBLIC_NOTIFY_PER_CLIENT"] = 1
    fill_in(client)
    assert begin(app.test_client()).status_code == 429  # the limit is reached
    response = send(client)
    assert response.headers["Location"].endswith(f"{START}/sent")
    assert db.session.scalar(sa.select(PublicNotification.status)) == SUBMITTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicFormUse)) == 1


def _begin_from(app, address):
    fresh = app.test_client()
    html = fresh.get(START).get_data(as_text=True)
    return fresh.post(f"{START}/begin", data={"csrf_token": csrf_token_from(html)},
                      environ_base={"REMOTE_ADDR": address})


def test_an_ipv6_client_is_counted_by_its_64(app, client, taking):
    """One device can take any address of its /64: rotating them does not escape the limit."""
    app.config["PUBLIC_NOTIFY_PER_CLIENT"] = 1
    assert _begin_from(app, "2001:db8:1:2::1").status_code == 302
    assert _begin_from(app, "2001:db8:1:2:abcd::9").status_code == 429
    assert _begin_from(app, "2001:db8:1:3::1").status_code == 302
    assert _begin_from(app, "192.0.2.7").status_code == 302
    assert _begin_from(app, "192.0.2.8").status_code == 302


def test_a_send_replayed_after_it_went_shows_the_same_number(client, taking):
    fill_in(client)
    before = client.get_cookie("session").value
    send(client)
    client.set_cookie("session", before)  # the same Send again (back button, double click)
    response = send(client)
    assert response.headers["Location"].endswith(f"{START}/sent")
    assert "PN-NSP-2026-0001" in client.get(f"{START}/sent").get_data(as_text=True)
    assert db.session.scalars(sa.select(PublicNotification.reference)).all() == [
        "PN-NSP-2026-0001"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(mail.OutboundEmail)) == 1


def test_two_sends_of_one_draft_at_once_issue_one_number(client, taking, monkeypatch):
    """The second Send read the draft before the first committed: it changes nothing and
    shows the number the first was given."""
    from cdr.services import public_notifications as service

    fill_in(client)
    seen = {}
    real = service.find_draft

    def read_before_the_other_committed(partnership, token):
        found = real(partnership, token)
        return seen.setdefault("draft", found) if found is not None else seen.get("draft")

    monkeypatch.setattr(service, "find_draft", read_before_the_other_committed)
    send(client)
    response = send(client)
    assert response.headers["Location"].endswith(f"{START}/sent")
    assert "PN-NSP-2026-0001" in client.get(f"{START}/sent").get_data(as_text=True)
    assert db.session.scalars(sa.select(PublicNotification.reference)).all() == [
        "PN-NSP-2026-0001"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(mail.OutboundEmail)) == 1


def test_one_partnerships_confirmation_never_shows_on_anothers(client, taking,
                                                              other_partnership):
    other_partnership.takes_public_notifications = True
    db.session.commit()
    fill_in(client)
    send(client)
    assert "PN-NSP-2026-0001" in client.get(f"{START}/sent").get_data(as_text=True)
    response = client.get("/notify/SVP/sent")
    assert response.status_code == 302 and response.headers["Location"].endswith("/notify/SVP")


def test_two_administrators_triaging_at_once_change_it_once(app, cdop_client, partnership,
                                                           sent_notification,
                                                           other_partnership, monkeypatch):
    """The second read the submission as waiting before the first committed: it gets a
    message, never a second forwarded copy (nor a forward of an opened case)."""
    from cdr.views import public_triage
    from tests.conftest import sign_in, submit
    from tests.factories import make_user
    from tracker.roles import Role

    second = app.test_client()
    sign_in(second, make_user(Role.CDOP_ADMIN, [partnership]).email)
    forward = {"reason": "another_area", "forward_to": str(other_partnership.id)}
    assert submit(cdop_client, triage_url(sent_notification, "/decline"),
                  forward).status_code == 302
    monkeypatch.setattr(public_triage, "_waiting_or_back", lambda _submission: None)
    response = submit(second, triage_url(sent_notification, "/decline"),
                      {"reason": "other", "where": "Elsewhere"})
    assert response.headers["Location"].endswith(triage_url(sent_notification))
    assert "already been triaged" in second.get(response.headers["Location"]).get_data(
        as_text=True)
    db.session.refresh(sent_notification)
    assert sent_notification.status == "forwarded"
    assert sent_notification.decline_reason == "another_area"
    assert submit(second, triage_url(sent_notification, "/decline"),
                  forward).status_code == 302
    copies = db.session.scalar(sa.select(sa.func.count()).select_from(
        PublicNotification).where(PublicNotification.forwarded_from_id.is_not(None)))
    assert copies == 1


def test_an_out_of_date_form_keeps_the_public_layout(client, taking):
    """A refused form (no CSRF token: a page left open past the session) answers in the
    public form's own layout, never the staff one that points to a home page behind
    sign-in."""
    response = client.post(f"{START}/begin", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page(response).h1.get_text(strip=True) == "Your form could not be sent"
    assert "This form is for professionals notifying the death of a child" in html
    assert "Go to the home page" not in html


def test_a_draft_writes_nothing_to_the_audit_trail_until_it_is_sent(client, taking, clock):
    """Each page of an anonymous draft is saved, and expired drafts are purged: none of it is
    anyone's record yet, so the trail holds only the sending and what follows."""
    from cdr.services import public_notifications
    from tracker.audit import AuditEvent

    def rows():
        return db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "PublicNotification")).all()

    fill_in(client)
    assert rows() == []
    send(client)
    assert rows() == ["update"]
    other = client.application.test_client()
    begin(other)
    clock.advance(hours=public_notifications.DRAFT_HOURS + 1)
    assert public_notifications.purge_expired() == 1
    db.session.commit()
    assert rows() == ["update"]


def test_the_scheduler_deletes_drafts_nobody_sent(client, taking, clock, app):
    """A draft left behind is deleted once it expires, by the scheduler's frequent job, not
    only when someone next starts the form."""
    from cdr.services import public_notifications
    from tracker.reminders import scheduler

    clock.set(clock.now(), ticking=False)
    begin(client)
    scheduler.exports_job(app)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicNotification)) == 1
    clock.advance(hours=public_notifications.DRAFT_HOURS, minutes=1)
    scheduler.exports_job(app)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicNotification)) == 0
