"""Records stored twice before the tracker refused them (a death notified as two cases, an
incident recorded twice) are listed for the system administrator to merge, by reference,
never by the child's details, and never changed or deleted."""

from datetime import date

import sqlalchemy as sa
from flask_login import login_user

from cdr.models import ChildDeathCase, ChildIdentity
from cdr.services.notifications import duplicate_groups
from tests.cdr.factories import make_case
from tests.factories import make_user
from tests.reviews.factories import make_incident
from tracker.extensions import db
from tracker.roles import Role


def _identity(case, **values):
    identity = db.session.scalar(sa.select(ChildIdentity).where(ChildIdentity.case_id == case.id))
    for name, value in values.items():
        setattr(identity, name, value)
    db.session.commit()


def _stored_twice(partnership, other_partnership):
    """Cases and incidents of one partnership stored twice, and records that are not."""
    same_nhs = [make_case(partnership), make_case(partnership)]
    for case in same_nhs:
        _identity(case, nhs_number="9990000018", given_names=f"Name{case.id}",
                  name_search=f"name{case.id} invented")
    same_death = [make_case(partnership), make_case(partnership)]
    for case in same_death:
        _identity(case, nhs_number=None, given_names="Testchild", name_search="testchild invented")
    # Another date of death, another partnership: not the same death here.
    later = make_case(partnership, date_of_death=date(2025, 3, 2))
    _identity(later, nhs_number=None, given_names="Testchild", name_search="testchild invented")
    theirs = make_case(other_partnership)
    _identity(theirs, nhs_number="9990000018")
    same_child = [make_incident(partnership, child_reference="Child P"),
                  make_incident(partnership, child_reference="child p")]
    linked = [make_incident(partnership, cdr_case_id=later.id, child_reference=name)
              for name in ("Child Q", "Child R")]
    return same_nhs, same_death, same_child, linked


def test_records_stored_twice_are_listed_by_reference_for_the_administrator(
        admin_client, partnership, other_partnership, call):
    same_nhs, same_death, same_child, linked = _stored_twice(partnership, other_partnership)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase))

    shown = call(admin_client, "partnerships.duplicates", code=partnership.code)

    rows = [[cell.get_text(" ", strip=True) for cell in row("td")]
            for row in shown.html.select("#duplicate-groups tbody tr")]
    assert rows == [
        ["Child death cases", "Same NHS number", " ".join(c.reference for c in same_nhs)],
        ["Child death cases", "Same name, date of birth and date of death",
         " ".join(c.reference for c in same_death)],
        ["Serious incidents", "Same child death case", " ".join(i.reference for i in linked)],
        ["Serious incidents", "Same child, incident date and date the local authority became "
         "aware", " ".join(i.reference for i in same_child)],
    ]
    text = shown.text()
    for identifying in ("9990000018", "999 000 0018", "Testchild", f"Name{same_nhs[0].id}",
                        "Imaginary Lane"):
        assert identifying not in text
    # The administrator sees no case records: references, not links.
    assert shown.html.select("#duplicate-groups a") == []
    # Nothing was changed or deleted.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == before
    settings = call(admin_client, "partnerships.show", code=partnership.code)
    assert settings.html.select_one(
        f"a[href='/partnerships/{partnership.code}/duplicates']") is not None


def test_a_user_who_may_open_the_records_gets_links(app, partnership, other_partnership):
    same_nhs, *_ = _stored_twice(partnership, other_partnership)
    # No administrator may open cases today: the finder links a record only for a user who
    # may open it, so it is asked directly as a CDOP administrator of the partnership.
    with app.test_request_context():
        login_user(make_user(Role.CDOP_ADMIN, [partnership]))
        groups = duplicate_groups(partnership.id)
    assert [record.href for record in groups[0].records] == [
        f"/child-deaths/{case.id}" for case in same_nhs]


def test_no_records_stored_twice_says_so(admin_client, partnership, call):
    make_case(partnership)
    make_case(partnership)
    shown = call(admin_client, "partnerships.duplicates", code=partnership.code)
    assert shown.text("#no-duplicates") == "No records seem to be stored twice."


def test_only_the_administrator_of_the_partnership_sees_the_list(
        admin_client, cdop_client, other_partnership, call):
    call(cdop_client, "partnerships.duplicates", code="NSP", status=403)
    call(admin_client, "partnerships.duplicates", code=other_partnership.code, status=404)
