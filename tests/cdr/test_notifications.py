"""Notifying a child death through the web form: scope, references, duplicates, the case
page's notifications section, and the registrar's and coroner's dates."""

import threading
from datetime import date

import pytest

from cdr.models import CaseNotification, ChildDeathCase, ChildIdentity
from cdr.services import notifications as service
from tests.cdr.factories import make_case
from tests.conftest import sign_in
from tests.factories import make_user
from tracker import references
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role
from tracker.timeline import TimelineEntry

TODAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _today(clock):
    """The pages' today is fixed: 10 March 2025."""
    clock.set(TODAY)


def day(value: date) -> list[str]:
    """A date as the three boxes of the GOV.UK date input post it."""
    return [str(value.day), str(value.month), str(value.year)]


def answers(**changes):
    """A complete, valid notification; `changes` replace or (None) remove answers."""
    data = {
        "given_names": "Testchild", "family_name": "Invented",
        "date_of_birth": day(date(2024, 1, 26)), "sex": "female",
        "nhs_number": "999 000 0018", "address": "1 Imaginary Lane, Northtown",
        "postcode": "zz99 3aa", "la_of_residence": "Northshire",
        "date_of_death": day(date(2025, 3, 1)), "time_of_death": "14:30",
        "birth_outcome": "no", "place_of_death": "hospital", "la_of_death": "Northshire",
        "death_expected": "no", "circumstances": "Found unresponsive.",
        "source": "practitioner", "notifier_name": "Dr Example Notifier",
        "notifier_role": "Paediatric registrar", "notifier_agency": "Northshire Hospitals",
        "notifier_contact": "notifier@example.org", "received_on": day(date(2025, 3, 2)),
        "flags": ["looked_after", "coroner_investigating"],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def cases():
    return db.session.scalars(db.select(ChildDeathCase).order_by(ChildDeathCase.id)).all()


def test_a_notification_opens_a_case_with_its_reference_and_shows_it(cdop_client, call):
    page = call(cdop_client, "cdr.notify", data=answers(), status=302)

    [case] = cases()
    assert case.reference == "CDOP-NSP-2025-0001"
    assert page.response.headers["Location"].endswith(f"/child-deaths/{case.id}")
    identity = db.session.scalar(db.select(ChildIdentity))
    assert identity.nhs_number == "9990000018" and identity.postcode == "ZZ99 3AA"
    assert identity.name_search == "testchild invented"
    assert case.age_at_death_days == (date(2025, 3, 1) - date(2024, 1, 26)).days
    assert case.looked_after and case.coroner_investigating and not case.post_mortem_ordered
    [notification] = db.session.scalars(db.select(CaseNotification)).all()
    assert notification.source == "practitioner" and not notification.further

    shown = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Notification recorded: the case reference is CDOP-NSP-2025-0001" in shown.text()
    summary = shown.text("#child + .govuk-summary-list")
    for words in ("Testchild Invented", "14:30", "Hospital", "Looked-after child",
                  "Coroner investigating", "Female"):
        assert words in summary
    notifications = shown.text("#notification-table")
    assert "2 March 2025" in notifications and "Dr Example Notifier" in notifications
    timeline = shown.text("#timeline + ol")
    assert "Death notified by the practitioner (Northshire Hospitals)" in timeline
    assert "Testchild" not in timeline


def test_references_count_per_partnership_and_year_of_death(cdop_client, call):
    call(cdop_client, "cdr.notify", data=answers(), status=302)
    call(cdop_client, "cdr.notify", status=302, data=answers(
        nhs_number="999 000 0026", given_names="Other", date_of_death=day(date(2025, 3, 2))))
    call(cdop_client, "cdr.notify", status=302, data=answers(
        nhs_number="999 000 0034", given_names="Third", date_of_birth=day(date(2023, 1, 1)),
        date_of_death=day(date(2024, 12, 30))))

    assert [c.reference for c in cases()] == [
        "CDOP-NSP-2025-0001", "CDOP-NSP-2025-0002", "CDOP-NSP-2024-0001"]


def test_a_reference_already_stored_is_never_issued_again(cdop_client, call, partnership):
    make_case(partnership, reference="CDOP-NSP-2025-0001", identity=False)
    call(cdop_client, "cdr.notify", data=answers(), status=302)

    assert [c.reference for c in cases()] == ["CDOP-NSP-2025-0001", "CDOP-NSP-2025-0002"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ChildIdentity)) == 1


def test_an_odd_reference_in_any_partnership_never_stops_notifications(
        cdop_client, call, partnership, other_partnership):
    """On PostgreSQL the next number was a CAST over every partnership's references: one
    imported "CDOP-NSP-2025-X1", even in another partnership, made every notification of
    that year a 500."""
    make_case(other_partnership, reference="CDOP-NSP-2025-X1", identity=False)
    make_case(partnership, reference="CDOP-NSP-2025-0042/A", identity=False)

    call(cdop_client, "cdr.notify", data=answers(), status=302)
    call(cdop_client, "cdr.notify", status=302, data=answers(
        nhs_number="999 000 0026", given_names="Other", date_of_death=day(date(2025, 3, 2))))

    assert sorted(c.reference for c in cases())[:2] == ["CDOP-NSP-2025-0001",
                                                         "CDOP-NSP-2025-0002"]


BAD_ANSWERS = [
    ({"date_of_death": None}, "Enter the date of death"),
    ({"date_of_death": day(date(2025, 3, 11))}, "Date of death must be today or in the past"),
    ({"date_of_birth": day(date(2025, 3, 2))},
     "Date of death must be the same as or after the date of birth"),
    ({"date_of_birth": day(date(2007, 3, 1))},
     "Child death reviews are only for children under 18: this person was 18 or over when "
     "they died"),
    ({"date_of_birth": day(date(1990, 6, 1))},
     "Child death reviews are only for children under 18: this person was 18 or over when "
     "they died"),
    ({"birth_outcome": "attended_stillbirth"},
     "A stillbirth with a healthcare professional present is not reviewed as a child death"),
    ({"birth_outcome": "termination"},
     "A termination of pregnancy carried out within the law is not reviewed as a child death"),
    ({"birth_outcome": None},
     "Select whether this was a stillbirth or a termination of pregnancy"),
    ({"nhs_number": "999 000 0019"},
     "The NHS number is not valid: check each digit and enter it again"),
    ({"nhs_number": "999 000 001"}, "NHS number must be 10 digits, like 943 476 5919"),
    ({"nhs_number": "999a000018"}, "NHS number must be 10 digits, like 943 476 5919"),
    ({"date_of_birth": None}, "Enter the date of birth, or select that it is not known"),
    ({"age_uncertain": "y"}, "Leave the date of birth empty if you select that it is not known"),
    ({"received_on": day(date(2025, 2, 28))},
     "Date the notification was received must be the same as or after the date of death"),
    ({"received_on": day(date(2025, 3, 11))},
     "Date the notification was received must be today or in the past"),
    ({"received_on": None}, "Enter the date the notification was received"),
    ({"place_of_death": "other"}, "Describe the place where the child died"),
    ({"place_of_death": None}, "Select where the child died"),
    ({"given_names": "  "}, "Enter the child's given names"),
    ({"family_name": None}, "Enter the child's family name"),
    ({"la_of_residence": None}, "Enter the local authority where the child normally lived"),
    ({"source": None}, "Select who told the CDOP"),
    ({"source": "neighbour"}, "Select who told the CDOP"),
    ({"death_expected": None}, "Select whether the death was unexpected, or not known"),
    ({"sex": None}, "Select the child's sex, or not known"),
    ({"notifier_name": None}, "Enter the notifier's name"),
    ({"notifier_agency": None}, "Enter the notifier's agency"),
    ({"time_of_death": "25:00"}, "Enter the time of death on the 24-hour clock, like 14:30"),
    ({"postcode": "not a postcode"}, "Enter a real postcode, like AA1 1AA"),
    ({"date_of_death": ["31", "2", "2025"]}, "Date of death must be a real date"),
    ({"flags": ["nonsense"]}, "Select flags from the list"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_ANSWERS)
def test_each_bad_answer_is_refused_with_a_clear_message_and_saves_nothing(
        cdop_client, call, changes, message):
    page = call(cdop_client, "cdr.notify", data=answers(**changes), status=400)

    assert message in page.errors
    assert page.text("title").startswith("Error:")
    assert cases() == []
    assert db.session.scalars(db.select(CaseNotification)).all() == []


def test_the_day_before_the_18th_birthday_is_in_scope_and_the_birthday_is_not(cdop_client,
                                                                              call):
    call(cdop_client, "cdr.notify", status=400, data=answers(
        date_of_birth=day(date(2007, 3, 1)), date_of_death=day(date(2025, 3, 1))))
    call(cdop_client, "cdr.notify", status=302, data=answers(
        date_of_birth=day(date(2007, 3, 2)), date_of_death=day(date(2025, 3, 1))))

    assert [c.age_at_death_days for c in cases()] == [(date(2025, 3, 1) - date(2007, 3, 2)).days]


def test_a_death_with_no_date_of_birth_that_may_have_been_under_18_is_in_scope(cdop_client,
                                                                               call):
    call(cdop_client, "cdr.notify", status=302,
         data=answers(date_of_birth=None, age_uncertain="y", nhs_number=None,
                      nhs_number_absent="not_available"))

    [case] = cases()
    assert case.age_uncertain and case.age_at_death_days is None
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Not known, may have been under 18" in page.text("#child + .govuk-summary-list")


@pytest.mark.parametrize("outcome", ["no", "unattended_stillbirth"])
def test_a_baby_who_showed_signs_of_life_or_an_unattended_birth_is_in_scope(cdop_client,
                                                                            call, outcome):
    call(cdop_client, "cdr.notify", status=302, data=answers(
        birth_outcome=outcome, date_of_birth=day(date(2025, 3, 1))))

    [case] = cases()
    # An unattended stillbirth is one of the Joint Agency Response criteria.
    assert case.jar_required is (outcome == "unattended_stillbirth")
    assert case.age_at_death_days == 0


def _post_duplicate_page(client, page, action):
    """Press a button of the duplicate page: post its form as a browser would."""
    form = page.html.select_one("form[action$='/notify']")
    fields = [(tag["name"], tag.get("value", "")) for tag in form.select("input[type=hidden]")]
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    data["action"] = action
    return client.post(form["action"], data=data)


def test_a_second_notification_of_the_same_nhs_number_is_a_further_notification(cdop_client,
                                                                                call):
    call(cdop_client, "cdr.notify", data=answers(), status=302)
    [case] = cases()
    second = answers(given_names="Spelt Differently", source="coroner",
                     notifier_agency="Northshire Coroner", received_on=day(date(2025, 3, 5)))

    page = call(cdop_client, "cdr.notify", data=second)

    assert page.text("h1") == f"This death has already been notified: {case.reference}"
    viewed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "view")).all()
    assert [(v.object_id, v.detail) for v in viewed][-1] == (
        str(case.id), "Viewed as the same death as a new notification")
    assert len(cases()) == 1
    assert len(db.session.scalars(db.select(CaseNotification)).all()) == 1
    response = _post_duplicate_page(cdop_client, page, "further")
    assert response.status_code == 302
    assert len(cases()) == 1
    notifications = db.session.scalars(
        db.select(CaseNotification).order_by(CaseNotification.id)).all()
    assert [(n.further, n.source, n.case_id) for n in notifications] == [
        (False, "practitioner", case.id), (True, "coroner", case.id)]
    shown = call(cdop_client, "cdr.case", case_id=case.id)
    assert f"Recorded as a further notification on {case.reference}" in shown.text()
    assert "Further notification" in shown.text("#notification-table")
    assert "Further notification from the coroner (Northshire Coroner)" in shown.text(
        "#timeline + ol")


def test_the_same_name_date_of_birth_and_death_is_the_same_death(cdop_client, call):
    call(cdop_client, "cdr.notify", status=302,
         data=answers(nhs_number=None, nhs_number_absent="not_available"))
    [case] = cases()

    page = call(cdop_client, "cdr.notify",
                data=answers(nhs_number=None, nhs_number_absent="not_available",
                             given_names="TESTCHILD", family_name="invented"))

    assert page.text("h1") == f"This death has already been notified: {case.reference}"
    # Another date of death is another death.
    call(cdop_client, "cdr.notify", status=302, data=answers(
        nhs_number=None, nhs_number_absent="not_available",
        date_of_death=day(date(2025, 3, 2))))
    assert len(cases()) == 2


def test_changing_the_notification_from_the_duplicate_page_keeps_the_answers(cdop_client,
                                                                            call):
    call(cdop_client, "cdr.notify", data=answers(), status=302)
    page = call(cdop_client, "cdr.notify", data=answers(notifier_name="Second Notifier"))

    response = _post_duplicate_page(cdop_client, page, "change")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Second Notifier"' in html and "Save notification" in html
    assert len(db.session.scalars(db.select(CaseNotification)).all()) == 1


def test_a_death_notified_in_another_partnership_is_not_a_duplicate_here(cdop_client, call,
                                                                         other_partnership):
    make_case(other_partnership, identity=False)
    theirs = make_case(other_partnership)
    identity = db.session.scalar(db.select(ChildIdentity).where(
        ChildIdentity.case_id == theirs.id))

    call(cdop_client, "cdr.notify", status=302,
         data=answers(nhs_number=identity.nhs_number))

    assert len([c for c in cases() if c.partnership_id != other_partnership.id]) == 1


def test_a_user_of_two_partnerships_chooses_which_one(app, partnership, other_partnership,
                                                      call):
    user = make_user(Role.CDOP_ADMIN, [partnership, other_partnership])
    client = app.test_client()
    sign_in(client, user.email)
    form = call(client, "cdr.notify")
    assert form.html.select_one("select[name=partnership]") is not None

    call(client, "cdr.notify", status=302, data=answers(partnership=str(other_partnership.id)))

    [case] = cases()
    assert case.partnership_id == other_partnership.id
    assert case.reference == "CDOP-SVP-2025-0001"


def test_only_editors_may_notify(auditor_client, panel_client, call):
    call(auditor_client, "cdr.notify", status=403)
    call(panel_client, "cdr.notify", status=403)


def test_the_case_list_links_editors_to_the_form(cdop_client, auditor_client, call):
    assert call(cdop_client, "cdr.cases").html.find("a", string="Notify a death") is not None
    assert call(auditor_client, "cdr.cases").html.find("a", string="Notify a death") is None


# --- Registrar and coroner -------------------------------------------------------------------


def test_registrar_and_coroner_dates_start_their_deadlines(cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))

    call(cdop_client, "cdr.registrar_and_coroner", case_id=case.id, status=302, data={
        "version": str(case.version),
        "death_registered_on": day(date(2025, 3, 3)),
        "coroner_decision_on": day(date(2025, 3, 3)),
        "coroner_flags": ["post_mortem_ordered"],
    })

    page = call(cdop_client, "cdr.case", case_id=case.id)
    # 7 calendar days after registration; 3 working days after the coroner's decision.
    assert "10 March 2025" in page.text("#deadline-registrar_notification")
    assert "6 March 2025" in page.text("#deadline-coroner_notification")
    section = page.text("#registrar-and-coroner + .govuk-summary-list")
    assert "3 March 2025" in section and "Post-mortem ordered Yes" in section
    assert "Registrar and coroner:" in page.text("#timeline + ol")
    db.session.refresh(case)
    assert case.post_mortem_ordered and not case.coroner_investigating


@pytest.mark.parametrize(("answers_", "message"), [
    ({"death_registered_on": day(date(2025, 3, 11))},
     "Date the death was registered must be today or in the past"),
    ({"death_registered_on": day(date(2025, 2, 27))},
     "Date the death was registered must be the same as or after the date of death"),
    ({"death_registered_on": day(date(2025, 3, 5)),
      "registrar_notified_on": day(date(2025, 3, 4))},
     "Date the registrar notified the CDOP must be the same as or after the date of the "
     "registration"),
    ({"coroner_decision_on": day(date(2025, 3, 5))}, "Select what the coroner decided"),
    ({"coroner_decision_on": day(date(2025, 3, 5)), "coroner_flags": ["coroner_investigating"],
      "coroner_notified_on": day(date(2025, 3, 4))},
     "Date the coroner notified the CDOP must be the same as or after the date of the "
     "coroner's decision"),
    ({"coroner_notified_on": ["40", "3", "2025"]},
     "Date the coroner notified the CDOP must be a real date"),
])
def test_bad_registrar_and_coroner_dates_are_refused(cdop_client, partnership, call, answers_,
                                                     message):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))

    page = call(cdop_client, "cdr.registrar_and_coroner", case_id=case.id, status=400,
                data={"version": str(case.version), **answers_})

    assert message in page.errors
    db.session.refresh(case)
    assert case.death_registered_on is None and case.coroner_decision_on is None
    assert db.session.scalars(db.select(TimelineEntry)).all() == []


@pytest.mark.parametrize("first_of_the_year", [True, False],
                         ids=["first-of-the-year", "counter-row-held"])
def test_two_notifications_at_the_same_moment_get_different_references(
        app, partnership, monkeypatch, first_of_the_year):
    """On PostgreSQL, two saves that take a number at the same moment, each in its own
    thread and transaction: the counter gives each its own. First of the year, both find no
    counter row and insert one (ON CONFLICT); otherwise both update the row at once."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs two connections to one database (PostgreSQL)")
    if not first_of_the_year:
        make_case(partnership, reference="CDOP-NSP-2025-0001", identity=False)
        references.move_past(ChildDeathCase, service.SERIES, partnership, 2025, 1)  # the row
        db.session.commit()
    # Each thread stops where the other would once have computed the same number.
    both_there = threading.Barrier(2, timeout=10)
    name = "highest_issued" if first_of_the_year else "take"
    real = getattr(references, name)

    def together(*args):
        if name == "take":
            both_there.wait()
            return real(*args)
        found = real(*args)
        both_there.wait()  # both have read the stored references; neither has inserted
        return found

    monkeypatch.setattr(references, name, together)
    base = {"date_of_birth": date(2024, 1, 26), "date_of_death": date(2025, 3, 1),
            "received_on": date(2025, 3, 2), "birth_outcome": "no", "age_uncertain": False,
            "family_name": "Invented", "nhs_number": None, "address": None, "postcode": None,
            **dict.fromkeys(service.DEATH_FIELDS), **dict.fromkeys(service.NOTIFIER_FIELDS)}
    base.update({name: False for name in service.FLAGS}, age_uncertain=False,
                date_of_death=date(2025, 3, 1), source="practitioner")
    made, errors = [], []
    model, partnership_id = type(partnership), partnership.id
    db.session.remove()  # each thread has its own session; this one stays out of their way

    def save(child):
        try:
            with app.app_context():
                found = db.session.get(model, partnership_id)
                case = service.notify_and_commit({**base, "given_names": child}, found, None,
                                                 TODAY)
                made.append(case.reference)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=save, args=(child,)) for child in ("One", "Two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    first = 1 if first_of_the_year else 2
    assert sorted(made) == [f"CDOP-NSP-2025-{first:04d}", f"CDOP-NSP-2025-{first + 1:04d}"]
