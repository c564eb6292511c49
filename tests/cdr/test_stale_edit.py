"""Changing a case's details, and two people editing one case at once: the second save is
refused with a message saying who changed what, never overwriting silently."""

from datetime import date, time

import pytest

from cdr.models import ChildDeathCase, ChildIdentity
from tests.cdr.factories import TEST_NHS_NUMBERS, make_case
from tests.conftest import Page, csrf_token_from
from tracker.extensions import db
from tracker.timeline import TimelineEntry

TODAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def form_answers(page) -> dict:
    """The answers of the details form as the page shows them (what a browser would post)."""
    data = {}
    form = page.html.select_one("form[action$='/edit']")
    for tag in form.select("input, textarea"):
        name = tag.get("name")
        if not name or tag.get("type") == "submit":
            continue
        if tag.get("type") in ("radio", "checkbox") and not tag.has_attr("checked"):
            continue
        value = tag.get_text() if tag.name == "textarea" else tag.get("value", "")
        data.setdefault(name, []).append(value)
    return data


def open_form(client, call, case):
    """Open the details form: (its answers, including the hidden version)."""
    return form_answers(call(client, "cdr.edit_case", case_id=case.id))


def save(client, case, answers, **changes):
    """Save the form with some answers changed (the form's own CSRF token)."""
    data = {**answers, **changes}
    response = client.post(f"/child-deaths/{case.id}/edit", data=data)
    return Page(response)


@pytest.fixture
def case(partnership):
    return make_case(partnership, date_of_death=date(2025, 3, 1),
                     notification_received_on=date(2025, 3, 2), place_of_death="home",
                     death_expected="no", sex="female")


def test_changing_the_details_saves_them_and_says_what_changed(cdop_client, call, case):
    answers = open_form(cdop_client, call, case)
    assert answers["version"] == ["1"]

    page = save(cdop_client, case, answers, date_of_death=day(date(2025, 2, 28)),
                time_of_death="09:05", family_name="Renamed", flags=["looked_after"])

    assert page.status == 302
    db.session.refresh(case)
    identity = db.session.scalar(db.select(ChildIdentity))
    assert case.date_of_death == date(2025, 2, 28) and case.time_of_death == time(9, 5)
    assert case.looked_after and identity.family_name == "Renamed"
    assert identity.name_search.endswith(" renamed")
    assert case.age_at_death_days == (date(2025, 2, 28) - date(2024, 1, 26)).days
    assert case.version == 2
    [entry] = db.session.scalars(db.select(TimelineEntry)).all()
    assert entry.text == "Changed: Name, Date of death, Time of death, Looked-after child"


def test_a_save_made_stale_by_someone_else_is_refused_and_names_what_changed(
        cdop_client, doctor_client, call, case):
    mine = open_form(cdop_client, call, case)
    theirs = open_form(doctor_client, call, case)
    assert save(doctor_client, case, theirs, date_of_death=day(date(2025, 2, 27)),
                place_of_death="hospital").status == 302

    page = save(cdop_client, case, mine, la_of_death="Southvale",
                date_of_death=day(date(2025, 3, 1)))

    assert page.status == 409
    message = page.text("#stale-message")
    assert message.startswith(doctor_client.user.full_name)
    assert message.endswith("changed this case after you opened this page: "
                            "Date of death, Place of death.")
    db.session.refresh(case)
    assert case.date_of_death == date(2025, 2, 27) and case.la_of_death is None
    assert case.place_of_death == "hospital"
    # The form keeps what the user typed, at the case's current version: saving again is a
    # choice made knowing what changed.
    again = form_answers(page)
    assert again["version"] == [str(case.version)]
    assert again["date_of_death"] == ["1", "3", "2025"] and again["la_of_death"] == ["Southvale"]
    assert save(cdop_client, case, again).status == 302
    db.session.refresh(case)
    assert case.la_of_death == "Southvale" and case.date_of_death == date(2025, 3, 1)


def test_a_change_of_the_childs_details_alone_also_makes_a_save_stale(cdop_client,
                                                                      doctor_client, call,
                                                                      case):
    mine = open_form(cdop_client, call, case)
    theirs = open_form(doctor_client, call, case)
    other_number = next(n for n in TEST_NHS_NUMBERS if [n] != theirs["nhs_number"])
    assert save(doctor_client, case, theirs, nhs_number=other_number).status == 302

    page = save(cdop_client, case, mine, sex="male")

    assert page.status == 409
    assert page.text("#stale-message").endswith(": NHS number.")
    db.session.refresh(case)
    assert case.sex == "female"


def test_a_form_without_its_version_is_refused_as_stale(cdop_client, call, case):
    answers = open_form(cdop_client, call, case)
    answers.pop("version")

    assert save(cdop_client, case, answers, sex="male").status == 409
    db.session.refresh(case)
    assert case.sex == "female"


def test_the_registrar_and_coroner_form_refuses_a_stale_save_too(cdop_client, doctor_client,
                                                                 call, case):
    page = call(cdop_client, "cdr.registrar_and_coroner", case_id=case.id)
    version = page.html.select_one("input[name=version]")["value"]
    token = csrf_token_from(str(page.html))
    call(doctor_client, "cdr.edit_case", case_id=case.id)
    theirs = open_form(doctor_client, call, case)
    assert save(doctor_client, case, theirs, la_of_death="Eastshire").status == 302

    response = cdop_client.post(f"/child-deaths/{case.id}/registrar-and-coroner", data={
        "csrf_token": token, "version": version,
        "death_registered_on": day(date(2025, 3, 3))})

    assert response.status_code == 409
    assert "Local authority where the child died" in Page(response).text("#stale-message")
    db.session.refresh(case)
    assert case.death_registered_on is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"date_of_death": day(date(2025, 3, 11))}, "Date of death must be today or in the past"),
    ({"date_of_death": day(date(2024, 1, 25))},
     "Date of death must be the same as or after the date of birth"),
    ({"date_of_birth": day(date(2007, 2, 1))},
     "Child death reviews are only for children under 18: this person was 18 or over when "
     "they died"),
    ({"nhs_number": "999 000 0019"},
     "The NHS number is not valid: check each digit and enter it again"),
    ({"notification_received_on": day(date(2025, 2, 1))},
     "Date the notification was received must be the same as or after the date of death"),
])
def test_bad_changes_are_refused_and_nothing_is_saved(cdop_client, call, case, changes,
                                                      message):
    answers = open_form(cdop_client, call, case)

    page = save(cdop_client, case, answers, **changes)

    assert page.status == 400
    assert message in page.errors
    db.session.refresh(case)
    assert case.version == 1 and case.date_of_death == date(2025, 3, 1)


def test_another_partnerships_case_cannot_be_changed(cdop_client, other_partnership, call):
    theirs = make_case(other_partnership)
    call(cdop_client, "cdr.edit_case", case_id=theirs.id, status=404)
    call(cdop_client, "cdr.registrar_and_coroner", case_id=theirs.id, status=404)


def test_only_editors_may_change_a_case(auditor_client, call, case):
    call(auditor_client, "cdr.edit_case", case_id=case.id, status=403)
    assert db.session.get(ChildDeathCase, case.id).version == 1


def test_a_case_recorded_without_the_childs_details_gets_them(cdop_client, call, partnership):
    bare = make_case(partnership, identity=False, date_of_death=date(2025, 3, 1),
                     place_of_death="home", death_expected="no")
    answers = open_form(cdop_client, call, bare)

    refused = save(cdop_client, bare, answers)
    assert refused.status == 400
    assert "Enter the child's given names" in refused.errors
    saved = save(cdop_client, bare, answers, given_names="Added", family_name="Later",
                 age_uncertain="y")

    assert saved.status == 302
    identity = db.session.scalar(db.select(ChildIdentity).where(ChildIdentity.case_id == bare.id))
    assert identity.name_search == "added later" and identity.partnership_id == partnership.id
    assert "Added Later" in call(cdop_client, "cdr.case", case_id=bare.id).text(
        "#child + .govuk-summary-list")
