"""An agency contact opens a personal link, gets a one-time code by e-mail, fills in the
reporting form, attaches a PDF (a disguised file refused) and sends it; the CDOP
administrator downloads the PDF, accepts the form and the request's deadline is met. Axe on
every agency page (and the review on the request page)."""

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.cdr.factories import make_case
from tracker import agency_links, deadline_service
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _sent_link(live_server):
    from cdr.models import AgencyRequest

    with live_server.app.test_request_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        case = make_case(partnership, date_of_death=date(2031, 4, 1),
                         notification_received_on=date(2031, 4, 2))
        request = AgencyRequest(partnership_id=partnership.id, case_id=case.id,
                                agency="Hill Surgery", sent_on=date(2031, 4, 3),
                                rules_edition=case.rules_edition)
        agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                                 name_key="hill surgery", kind="gp")
        contact = AgencyContact(agency=agency, partnership_id=partnership.id,
                                name="Jo Hill", email="jo@hill.example")
        db.session.add_all([request, agency, contact])
        db.session.flush()
        deadline_service.sync_case(request)
        _, token = agency_links.issue(owner_type="cdr_agency_request", owner_id=request.id,
                                      contact=contact, partnership=partnership,
                                      reference=case.reference, due_on=None)
        db.session.commit()
        found = case.id, request.id, token
        db.session.remove()
    return found


def _code(live_server):
    with live_server.app_context():
        body = db.session.scalars(sa.select(OutboundEmail.text_body).where(
            OutboundEmail.kind == "agency_code").order_by(OutboundEmail.id.desc())).first()
        db.session.remove()
    return re.search(r"\b(\d{6})\b", body).group(1)


PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def test_an_agency_sends_its_reporting_form_and_the_administrator_accepts_it(
        page, live_server, sign_in_as, clock, tmp_path):
    live_server.app.config["ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    clock.set(datetime(2031, 4, 10, 10, 0))
    case_id, request_id, token = _sent_link(live_server)

    page.goto("/agency/" + "x" * 43)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_no_axe_violations(page)

    page.goto(f"/agency/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get a one-time code")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your one-time code")
    assert_no_axe_violations(page)
    page.get_by_label("One-time code").fill("000000" if _code(live_server) != "000000"
                                            else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    assert_no_axe_violations(page)
    page.get_by_label("One-time code").fill(_code(live_server))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Reporting form request")
    expect(page.locator("main")).to_contain_text("Invented")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Start the reporting form").click()
    assert_no_axe_violations(page)
    page.get_by_label("Your agency's involvement with the child and family").fill(
        "Registered with the practice since birth.")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the circumstances of the death")
    assert_no_axe_violations(page)
    page.get_by_label("The circumstances of the death as known to your agency").fill(
        "Told by the hospital.")
    page.get_by_role("group", name="Was bereavement support offered to the family?") \
        .get_by_label("Yes").check()
    page.get_by_label("What support was offered?").fill("A call from the GP.")
    page.get_by_role("button", name="Save and attach files").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Attach files to the reporting form")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_label("Upload a file").set_input_files(
        {"name": "notes.pdf", "mimeType": "application/pdf",
         "buffer": b"<html><script>alert(1)</script></html>"})
    page.get_by_role("button", name="Attach the file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The selected file must be a PDF")
    assert_no_axe_violations(page)
    page.get_by_label("Upload a file").set_input_files(
        {"name": "Surgery notes.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Attach the file").click()
    expect(page.locator("main .govuk-summary-list")).to_contain_text("Surgery notes.pdf")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Back to the reporting form").click()
    expect(page.locator("main")).to_contain_text("1 file attached: Surgery notes.pdf")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    expect(page.locator("main")).to_contain_text("Surgery notes.pdf")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send the reporting form").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reporting form sent")
    assert_no_axe_violations(page)
    page.context.clear_cookies()

    clock.set(datetime(2031, 4, 12, 10, 0))
    sign_in_as(Role.CDOP_ADMIN)
    page.goto(f"/child-deaths/{case_id}/requests/{request_id}")
    expect(page.locator("#online-answers")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Returned, awaiting review")
    assert_no_axe_violations(page)
    with page.expect_download() as started:
        page.get_by_role("link", name="Surgery notes.pdf").click()
    download = started.value
    assert download.suggested_filename == "Surgery-notes.pdf"
    assert download.path().read_bytes() == PDF
    page.get_by_role("button", name="Accept the reporting form").click()
    expect(page.locator("main")).to_contain_text("Accepted")
    page.goto(f"/child-deaths/{case_id}#information")
    expect(page.locator("main")).to_contain_text("10 April 2031")
