"""A serious incident recorded a second time (by someone else, or from another tab) is
answered with the one already recorded, never saved twice: the same child (pseudonym) with
the same incident and awareness dates, or the same linked child death case. (Two at the same
moment: tests/tracker/test_duplicate_races.py.)"""

from datetime import date

import pytest
import sqlalchemy as sa

from reviews.models import SeriousIncident
from tests.cdr.factories import make_case
from tests.conftest import sign_in
from tests.factories import make_partnership, make_user
from tests.reviews.factories import make_incident
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 1, 10)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def answers(**changes):
    data = {
        "child_reference": "Child P", "outcome": "harmed",
        "incident_date": day(date(2024, 12, 20)), "la_aware_on": day(date(2024, 12, 23)),
        "abuse_or_neglect": "yes", "location": "in_area", "looked_after": "no", "care_leaver": "no",
        "cp_plan": "recently_removed",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def incidents():
    return db.session.scalars(sa.select(SeriousIncident).order_by(SeriousIncident.id)).all()


def test_the_same_child_and_dates_again_is_answered_with_the_incident_recorded(
        business_client, partnership, call):
    recorded = make_incident(partnership, child_reference="Child P",
                             incident_date=date(2024, 12, 20), la_aware_on=date(2024, 12, 23))

    again = call(business_client, "reviews.new_incident", status=409,
                 data=answers(child_reference="  child P ", other_areas="Added later"))

    assert incidents() == [recorded]
    assert again.errors == [f"Serious incident {recorded.reference} is already recorded for "
                            "this child with the same incident date and date the local "
                            "authority became aware"]
    link = again.html.select_one("#duplicate a")
    assert link["href"] == f"/practice-reviews/{recorded.id}"
    # The answers stay, to change them if this is another incident.
    assert again.html.select_one("textarea[name=other_areas]").get_text(strip=True) == \
        "Added later"
    viewed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "view")).all()
    assert [(v.object_id, v.detail) for v in viewed][-1] == (
        str(recorded.id), "Viewed as the same incident as a new record")


@pytest.mark.parametrize("changes", [
    {"la_aware_on": day(date(2024, 12, 24))},
    {"incident_date": day(date(2024, 12, 19))},
    {"child_reference": "Child Q"},
    {"child_reference": None},  # no pseudonym given: one is made from the reference
])
def test_another_child_or_other_dates_is_another_incident(business_client, partnership,
                                                          call, changes):
    make_incident(partnership, child_reference="Child P", incident_date=date(2024, 12, 20),
                  la_aware_on=date(2024, 12, 23))
    call(business_client, "reviews.new_incident", status=302, data=answers(**changes))
    assert len(incidents()) == 2


def test_the_same_child_in_another_partnership_is_not_a_duplicate_here(business_client,
                                                                       call):
    make_incident(make_partnership(code="ZZP"), child_reference="Child P",
                  incident_date=date(2024, 12, 20), la_aware_on=date(2024, 12, 23))
    call(business_client, "reviews.new_incident", status=302, data=answers())
    assert len(incidents()) == 2


def test_a_child_death_case_already_linked_is_answered_with_its_incident(
        business_client, partnership, call):
    case = make_case(partnership, abuse_or_neglect_suspected=True)
    recorded = make_incident(partnership, cdr_case_id=case.id, child_died=True,
                             child_reference="Child D")

    again = call(business_client, "reviews.new_incident", status=409, data=answers(
        outcome="died", child_reference="Child E", cdr_reference=case.reference))

    assert incidents() == [recorded]
    assert again.errors == [f"Child death case {case.reference} is already linked to serious "
                            f"incident {recorded.reference}"]
    assert again.html.select_one("#duplicate a")["href"] == f"/practice-reviews/{recorded.id}"


def test_an_incident_linked_in_a_partnership_the_user_cannot_see_is_not_shown(
        app, partnership, call):
    """The case moved here after another partnership linked it: that incident is not named
    (the user could not open it), and this partnership may record its own."""
    other = make_partnership(code="ZZP")
    case = make_case(partnership, abuse_or_neglect_suspected=True)
    make_incident(other, cdr_case_id=case.id, child_died=True)
    client = app.test_client()
    sign_in(client, make_user(Role.BUSINESS_UNIT, [partnership]).email)
    call(client, "reviews.new_incident", status=302, data=answers(
        outcome="died", cdr_reference=case.reference))
    assert len(incidents()) == 2


def test_a_pseudonym_typed_with_extra_spaces_is_the_same_child(business_client, call):
    call(business_client, "reviews.new_incident", status=302,
         data=answers(child_reference="child  p"))
    [recorded] = incidents()
    assert recorded.child_reference == "child p"

    call(business_client, "reviews.new_incident", status=409, data=answers())
    assert incidents() == [recorded]
