"""The page for several requests at once also sends each new request to a chosen directory
contact as a personal link, in the transaction that adds the requests; the contact of the
directory agency of the same name is offered."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import AgencyRequest
from tests.cdr.factories import make_case
from tests.cdr.test_reporting_forms import form_fields, post_several
from tests.cdr.test_requests import as_form, make_request
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.agency_links import AgencyLink
from tracker.extensions import db
from tracker.mail import OutboundEmail


@pytest.fixture(autouse=True)
def frozen_today(clock):
    clock.set(date(2025, 4, 1))


def _directory(partnership, name, *people):
    agency = DirectoryAgency(partnership_id=partnership.id, name=name,
                             name_key=name.casefold(), kind="gp")
    contacts = [AgencyContact(agency=agency, partnership_id=partnership.id, name=person,
                              email=f"{person.split()[0].lower()}@{name.split()[0].lower()}"
                                    ".example", escalation=escalation)
                for person, escalation in people]
    db.session.add_all([agency, *contacts])
    db.session.commit()
    return contacts


def test_the_page_offers_the_directory_contact_of_the_agency_of_the_same_name(
        cdop_client, partnership, call):
    case = make_case(partnership)
    make_request(case, "Hill Surgery", date(2025, 3, 3))
    make_request(case, "Police", date(2025, 3, 3))
    lead, jo = _directory(partnership, "Hill Surgery", ("Amy Lead", True), ("Jo Hill", False))

    page = call(cdop_client, "cdr.several_requests", case_id=case.id)

    fields = form_fields(page)
    assert fields["suggested-0-contact"] == str(jo.id)  # not the escalation contact
    assert fields["suggested-1-contact"] == "0"  # no directory agency called Police
    assert fields["typed-0-contact"] == "0"
    assert "Send a personal link for Hill Surgery to" in page.text()


def test_the_new_requests_are_sent_as_personal_links_with_them(cdop_client, partnership,
                                                               call):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))
    make_request(case, "Hill Surgery", date(2025, 3, 3))
    _lead, jo = _directory(partnership, "Hill Surgery", ("Amy Lead", True), ("Jo Hill", False))
    pc, = _directory(partnership, "Northshire Police", ("Pat Constable", False))

    post_several(call, cdop_client, case, {
        "suggested-0-asked": "y", "typed-0-agency": "Northshire Police",
        "typed-0-contact": str(pc.id), "typed-1-agency": "School",
        "sent_on": as_form(date(2025, 3, 25))})

    added = {r.agency: r for r in db.session.scalars(
        sa.select(AgencyRequest).where(AgencyRequest.sent_on == date(2025, 3, 25)))}
    assert sorted(added) == ["Hill Surgery", "Northshire Police", "School"]
    links = {link.owner_id: link.contact_id for link in db.session.scalars(
        sa.select(AgencyLink))}
    assert links == {added["Hill Surgery"].id: jo.id, added["Northshire Police"].id: pc.id}
    emails = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_link")).all()
    assert sorted(e.to_address for e in emails) == ["jo@hill.example", "pat@northshire.example"]
    assert all(case.reference in e.subject for e in emails)
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "3 requests added, 2 sent as personal links" in page.text()


def test_a_contact_of_another_partnership_saves_nothing(cdop_client, partnership,
                                                        other_partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))
    theirs, = _directory(other_partnership, "Far Surgery", ("Fay Far", False))

    page = post_several(call, cdop_client, case, {
        "typed-0-agency": "Far Surgery", "typed-0-contact": str(theirs.id),
        "sent_on": as_form(date(2025, 3, 25))}, status=400)

    assert "Select a contact from the agency directory" in page.text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyRequest)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyLink)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0
