"""A serious incident and its child death case link to each other, both ways, without cdr
importing reviews: each page shows the other's reference, as a link for users who may open
it; a case with abuse or neglect suspected and no incident offers to open one."""

from datetime import date

import pytest

from reviews.models import SeriousIncident
from tests.cdr.factories import make_case
from tests.reviews.factories import make_incident
from tracker.extensions import db
from tracker.roles import PERMISSIONS, Permission, Role

TODAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def links(page):
    """(text, href or None) of the related links on a page."""
    return [(item.get_text(" ", strip=True), item.a["href"] if item.a else None)
            for item in page.html.select("#related-links li")]


def test_each_page_links_to_the_other_for_a_user_who_may_open_both(auditor_client,
                                                                   partnership, call):
    case = make_case(partnership, abuse_or_neglect_suspected=True)
    incident = make_incident(partnership, cdr_case_id=case.id, child_died=True)

    on_case = links(call(auditor_client, "cdr.case", case_id=case.id))
    on_incident = links(call(auditor_client, "reviews.incident", incident_id=incident.id))

    assert on_case == [(f"Linked serious incident {incident.reference}",
                        f"/practice-reviews/{incident.id}")]
    assert on_incident == [(f"Child death case {case.reference}", f"/child-deaths/{case.id}")]


def test_a_user_who_may_not_open_the_other_page_sees_its_reference_only(
        cdop_client, business_client, partnership, call):
    case = make_case(partnership, abuse_or_neglect_suspected=True)
    incident = make_incident(partnership, cdr_case_id=case.id, child_died=True)

    assert links(call(cdop_client, "cdr.case", case_id=case.id)) == [
        (f"Linked serious incident {incident.reference}", None)]
    assert links(call(business_client, "reviews.incident", incident_id=incident.id)) == [
        (f"Child death case {case.reference}", None)]


def test_a_case_with_abuse_suspected_tells_the_cdop_to_hand_it_to_the_business_unit(
        cdop_client, partnership, call):
    suspected = make_case(partnership, abuse_or_neglect_suspected=True)
    not_suspected = make_case(partnership, abuse_or_neglect_suspected=False)

    [(text, href)] = links(call(cdop_client, "cdr.case", case_id=suspected.id))
    assert href is None
    assert "no serious incident is linked" in text and suspected.reference in text
    assert links(call(cdop_client, "cdr.case", case_id=not_suspected.id)) == []


def test_a_user_who_records_incidents_is_offered_the_linked_incident_with_dates_carried_over(
        business_client, partnership, call, monkeypatch):
    monkeypatch.setitem(PERMISSIONS, Role.BUSINESS_UNIT,
                        PERMISSIONS[Role.BUSINESS_UNIT] | {Permission.VIEW_CDR_CASES})
    case = make_case(partnership, abuse_or_neglect_suspected=True,
                     date_of_death=date(2025, 3, 1), notification_received_on=date(2025, 3, 3))

    [(text, href)] = links(call(business_client, "cdr.case", case_id=case.id))
    assert text == "Open the linked serious incident"
    assert href == f"/practice-reviews/new?cdr_case={case.id}"

    form = call(business_client, "reviews.new_incident", cdr_case=case.id)
    data = {field["name"]: field.get("value", "") for field in form.html.select(
        "form[method=post] input[type=text]")}
    assert data["cdr_reference"] == case.reference
    posted = {"incident_date": ["1", "3", "2025"], "la_aware_on": ["3", "3", "2025"],
              "outcome": "died", "abuse_or_neglect": "yes", "location": "in_area",
              "looked_after": "no", "care_leaver": "no", "cp_plan": "no",
              "cdr_reference": case.reference}
    call(business_client, "reviews.new_incident", data=posted, status=302)

    incident = db.session.scalars(db.select(SeriousIncident)).one()
    assert incident.cdr_case_id == case.id
    assert links(call(business_client, "cdr.case", case_id=case.id)) == [
        (f"Linked serious incident {incident.reference}", f"/practice-reviews/{incident.id}")]


def test_the_business_unit_starts_from_a_case_reference(business_client, partnership,
                                                        other_partnership, call):
    case = make_case(partnership, abuse_or_neglect_suspected=True,
                     date_of_death=date(2025, 2, 1), notification_received_on=date(2025, 2, 3))
    theirs = make_case(other_partnership, abuse_or_neglect_suspected=True)

    form = call(business_client, "reviews.new_incident", from_case=case.reference.lower())
    assert [box["value"] for box in form.html.select("input[name=incident_date]")] == \
        ["01", "02", "2025"]
    refused = call(business_client, "reviews.new_incident", from_case=theirs.reference)
    assert "There is no child death case with this reference" in refused.text(
        ".govuk-notification-banner")
    assert refused.html.select_one("input[name=cdr_reference]").get("value", "") == ""


def _carried_over_views(case):
    """The VIEW audit rows of the case."""
    from tracker.audit import AuditEvent

    return db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "view", AuditEvent.object_type == "ChildDeathCase",
        AuditEvent.object_id == str(case.id))).all()


def test_carrying_a_case_over_is_audited(business_client, partnership, call):
    case = make_case(partnership, abuse_or_neglect_suspected=True,
                     date_of_death=date(2025, 2, 1), notification_received_on=date(2025, 2, 3))

    call(business_client, "reviews.new_incident", cdr_case=case.id)
    call(business_client, "reviews.new_incident", from_case=case.reference)

    views = _carried_over_views(case)
    assert [(view.user_email, view.partnership_id) for view in views] == \
        [(business_client.user.email, partnership.id)] * 2
    assert all("carried over to a new serious incident" in view.detail for view in views)


HANDED_OFF_NOT = {
    "no abuse or neglect suspected": lambda p, o: make_case(p, abuse_or_neglect_suspected=False),
    "a serious incident already linked": lambda p, o: _linked(p),
    "another partnership's case": lambda p, o: make_case(o, abuse_or_neglect_suspected=True),
}


def _linked(partnership):
    case = make_case(partnership, abuse_or_neglect_suspected=True)
    make_incident(partnership, cdr_case_id=case.id, child_died=True)
    return case


@pytest.mark.parametrize("kind", list(HANDED_OFF_NOT))
def test_a_case_the_hand_off_did_not_offer_is_not_shown(business_client, partnership,
                                                       other_partnership, call, kind):
    """The business unit may not open a child death case: the form shows its date of death
    and safeguarding answers only for a case whose page offers them the incident."""
    case = HANDED_OFF_NOT[kind](partnership, other_partnership)
    case.date_of_death = date(2024, 11, 17)
    db.session.commit()
    call(business_client, "cdr.case", case_id=case.id, status=403)

    call(business_client, "reviews.new_incident", cdr_case=case.id, status=404)
    typed = call(business_client, "reviews.new_incident", from_case=case.reference)

    assert typed.html.select_one("input[name=cdr_reference]").get("value", "") == ""
    assert [box.get("value", "") for box in typed.html.select("input[name=incident_date]")] \
        == ["", "", ""]
    assert "There is no child death case with this reference" in typed.text(
        ".govuk-notification-banner")
    assert _carried_over_views(case) == []


@pytest.mark.parametrize("case_id", ["0", "-1", "abc", "", str(2**31 - 1), str(2**31),
                                     str(2**63), "99999999999999999999"])
def test_a_case_id_that_names_no_case_is_a_404(business_client, call, case_id):
    call(business_client, "reviews.new_incident", cdr_case=case_id, status=404)


def test_an_incident_in_another_partnership_is_not_linked_from_the_case(
        auditor_client, partnership, call):
    from tests.factories import make_partnership

    elsewhere = make_partnership(code="ZZP")
    case = make_case(partnership, abuse_or_neglect_suspected=False)
    make_incident(elsewhere, cdr_case_id=case.id)

    assert links(call(auditor_client, "cdr.case", case_id=case.id)) == []
