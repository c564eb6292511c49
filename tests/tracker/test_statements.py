"""The accessibility statement, the privacy notice and the cookies page: open without signing
in, linked from the footer of every layout, showing each partnership's own contacts as its
system administrator set them; and the cookies page names every cookie the tracker sets."""

import sqlalchemy as sa
from bs4 import BeautifulSoup

from tests.conftest import Page, csrf_token_from, sign_in, submit
from tests.factories import make_user
from tests.tracker.test_agency_access import _signed_in as agency_signed_in
from tests.tracker.test_agency_access import sent  # noqa: F401 (a fixture)
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role
from tracker.statements import PartnershipContacts

PAGES = {"Accessibility statement": "/accessibility", "Privacy notice": "/privacy",
         "Cookies": "/cookies"}
CONTACTS = {
    "data_protection_officer": "Dana Protector, Northshire Council DPO, dpo@northshire.example",
    "privacy_contact": "Information governance team\nCounty Hall, Northtown",
    "accessibility_email": "cdop@northshire.example",
    "lawful_basis": "Our own words on the lawful basis, as agreed by our DPO.",
}


def _footer_links(html):
    footer = BeautifulSoup(html, "html.parser").find("footer")
    return {a.get_text(strip=True): a["href"] for a in footer.find_all("a")}


def _save_contacts(admin_client, code="NSP", **changes):
    return submit(admin_client, f"/partnerships/{code}/contacts", {**CONTACTS, **changes})


def test_each_page_opens_signed_out_from_the_staff_layouts_footer(client, partnership):
    links = _footer_links(client.get("/sign-in").get_data(as_text=True))
    assert {name: href.split("?")[0] for name, href in links.items()} == PAGES
    for name, href in links.items():
        response = client.get(href)
        assert response.status_code == 200, href
        assert Page(response).text("h1").startswith(name.split(" ")[0]), href


def test_the_signed_in_footer_links_to_them_too(cdop_client):
    links = _footer_links(cdop_client.get("/").get_data(as_text=True))
    assert {name: href.split("?")[0] for name, href in links.items()} == PAGES


def test_the_public_forms_footer_names_its_partnership(client, partnership):
    partnership.takes_public_notifications = True
    db.session.commit()
    links = _footer_links(client.get("/notify/NSP").get_data(as_text=True))
    assert links["Privacy notice"] == "/privacy?partnership=NSP"
    assert links["Accessibility statement"] == "/accessibility?partnership=NSP"
    assert client.get(links["Privacy notice"]).status_code == 200


def test_the_agency_sides_footer_links_to_them(client, partnership):
    refused = client.get("/agency/not-a-live-link")
    links = _footer_links(refused.get_data(as_text=True))
    assert {name: href.split("?")[0] for name, href in links.items()} == PAGES
    for href in links.values():
        assert client.get(href).status_code == 200


def test_the_statements_show_the_contacts_the_administrator_set(
        app, admin_client, client, partnership, other_partnership):
    before = client.get("/privacy").get_data(as_text=True)
    assert "Not given yet by Northshire Partnership" in before
    assert "Dana Protector" not in before

    response = _save_contacts(admin_client)
    assert response.status_code == 302

    privacy = Page(client.get("/privacy"))
    assert "Dana Protector, Northshire Council DPO" in privacy.text()
    assert "Information governance team" in privacy.text()
    assert "Our own words on the lawful basis" in privacy.text()
    # Every partnership is listed signed out: the other one has given nothing yet.
    assert "Not given yet by Southvale Partnership" in privacy.text()
    accessibility = client.get("/accessibility").get_data(as_text=True)
    assert 'href="mailto:cdop@northshire.example"' in accessibility
    # Named in the query, only that partnership.
    one = Page(client.get("/privacy?partnership=SVP")).text()
    assert "Southvale Partnership" in one and "Northshire" not in one
    assert client.get("/privacy?partnership=NOPE").status_code == 404


def test_a_change_of_contacts_is_audited_and_a_stale_save_refused(admin_client, partnership):
    assert _save_contacts(admin_client).status_code == 302
    opened = admin_client.get("/partnerships/NSP/contacts").get_data(as_text=True)
    assert _save_contacts(admin_client, privacy_contact="Moved to the Town Hall").status_code \
        == 302
    stale = admin_client.post("/partnerships/NSP/contacts", data={
        **CONTACTS, "privacy_contact": "Overwritten", "csrf_token": csrf_token_from(opened),
        "version": BeautifulSoup(opened, "html.parser").find(
            "input", attrs={"name": "version"})["value"]})
    assert stale.status_code == 409
    row = db.session.scalar(sa.select(PartnershipContacts))
    db.session.refresh(row)
    assert row.privacy_contact == "Moved to the Town Hall"
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "PartnershipContacts").order_by(AuditEvent.id)).all()
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].changes["privacy_contact"][1] == "Moved to the Town Hall"


def test_a_wrong_email_address_is_shown_as_an_error_and_nothing_is_saved(
        admin_client, partnership):
    response = _save_contacts(admin_client, accessibility_email="not an address")
    assert response.status_code == 400
    assert Page(response).errors == [
        "Enter an email address in the correct format, like name@example.org"]
    assert "Dana Protector" in response.get_data(as_text=True)  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnershipContacts)) == 0


def test_only_a_system_administrator_of_the_partnership_sets_them(
        app, admin_client, cdop_client, other_partnership):
    assert cdop_client.get("/partnerships/NSP/contacts").status_code == 403
    assert admin_client.get("/partnerships/SVP/contacts").status_code == 404
    assert _save_contacts(admin_client, code="SVP").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnershipContacts)) == 0


def test_the_settings_page_links_to_the_contacts(admin_client, partnership):
    settings = admin_client.get("/partnerships/NSP").get_data(as_text=True)
    assert 'href="/partnerships/NSP/contacts"' in settings


def _cookie_names(client):
    return {cookie.key for cookie in client._cookies.values()}


def test_the_cookies_page_names_every_cookie_the_tracker_sets(
        app, partnership, sent):  # noqa: F811 (the fixture imported above)
    _case, _link, token = sent
    staff = app.test_client()
    user = make_user(Role.CDOP_ADMIN, [partnership])
    assert sign_in(staff, user.email).status_code == 302
    staff.get("/")
    partnership.takes_public_notifications = True
    db.session.commit()
    public = app.test_client()
    start = public.get("/notify/NSP").get_data(as_text=True)
    assert public.post("/notify/NSP/begin", data={
        "csrf_token": csrf_token_from(start)}).status_code == 302
    agency = app.test_client()
    agency_signed_in(agency, token)

    set_by_the_tracker = _cookie_names(staff) | _cookie_names(public) | _cookie_names(agency)
    assert {"session", "agency_session"} <= set_by_the_tracker
    listed = Page(app.test_client().get("/cookies"))
    names = {cell.get_text(strip=True) for cell in listed.html.select("tbody code")}
    assert set_by_the_tracker == names
    assert "analytics" in listed.text()  # "no analytics ... cookies"
