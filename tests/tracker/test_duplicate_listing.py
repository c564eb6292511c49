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
        groups, more = duplicate_groups(partnership.id)
    assert not more
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


def _rows(shown):
    return [[cell.get_text(" ", strip=True) for cell in row("td")]
            for row in shown.html.select("#duplicate-groups tbody tr")]


def test_the_groups_come_a_page_at_a_time_in_order_and_each_group_once(
        admin_client, partnership, app, call):
    """A page reads only its own groups of each kind; a group of the same death that is
    every case of one NHS number is that number's group, listed once, though that group is
    on a later page; a group of the same death with one more case is its own group."""
    app.config["PAGE_SIZE"] = 1
    other_name = [make_case(partnership), make_case(partnership)]  # NHS ...0026, first
    for case in other_name:
        _identity(case, nhs_number="9990000026", given_names=f"Name{case.id}",
                  name_search=f"name{case.id} invented")
    one_death = [make_case(partnership), make_case(partnership)]  # NHS ...0034, and one death
    for case in one_death:
        _identity(case, nhs_number="9990000034", given_names="Testchild",
                  name_search="testchild invented")
    wider = [make_case(partnership) for _ in range(3)]  # one death, two NHS numbers
    for case, number in zip(wider, ("9990000042", "9990000042", None), strict=True):
        _identity(case, nhs_number=number, given_names="Otherchild",
                  name_search="otherchild invented")

    first = call(admin_client, "partnerships.duplicates", code=partnership.code)
    assert _rows(first) == [
        ["Child death cases", "Same NHS number", " ".join(c.reference for c in other_name)],
        ["Child death cases", "Same name, date of birth and date of death",
         " ".join(c.reference for c in wider)],
    ]
    assert first.html.select_one(".govuk-pagination__prev") is None
    assert first.html.select_one(".govuk-pagination__next a")["href"] == \
        f"/partnerships/{partnership.code}/duplicates?page=2"

    second = call(admin_client, "partnerships.duplicates", code=partnership.code,
                  page=2)
    assert _rows(second) == [
        ["Child death cases", "Same NHS number", " ".join(c.reference for c in one_death)]]
    third = call(admin_client, "partnerships.duplicates", code=partnership.code,
                 page=3)
    assert _rows(third) == [
        ["Child death cases", "Same NHS number", " ".join(c.reference for c in wider[:2])]]
    assert third.html.select_one(".govuk-pagination__next") is None
    assert third.html.select_one(".govuk-pagination__prev a")["href"] == \
        f"/partnerships/{partnership.code}/duplicates?page=2"
    past = call(admin_client, "partnerships.duplicates", code=partnership.code,
                page=4)
    assert past.text("#no-duplicates") == "No more records seem to be stored twice."


def test_an_incident_group_of_one_child_that_is_every_incident_of_a_case_is_listed_once(
        admin_client, partnership, app, call):
    app.config["PAGE_SIZE"] = 1
    first, second = make_case(partnership), make_case(partnership)
    same_child_and_case = [make_incident(partnership, cdr_case_id=second.id,
                                         child_reference=name) for name in ("Child S", "child s")]
    other_case = [make_incident(partnership, cdr_case_id=first.id, child_reference=name)
                  for name in ("Child T", "Child U")]
    shown = [_rows(call(admin_client, "partnerships.duplicates", code=partnership.code,
                        page=page)) for page in (1, 2)]
    assert shown == [
        [["Serious incidents", "Same child death case",
          " ".join(i.reference for i in other_case)]],
        [["Serious incidents", "Same child death case",
          " ".join(i.reference for i in same_child_and_case)]],
    ]
