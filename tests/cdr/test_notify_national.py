"""The national notification form on the notify page: the Joint Agency Response decided
there, the reason for no NHS number, the rest of the national form's questions, and the
case's list of agencies involved (made there, then added to and removed from on the case)."""

from datetime import date, datetime

import pytest

from cdr.models import CaseAgency, ChildDeathCase, ChildIdentity
from tests.cdr.factories import make_case
from tests.cdr.test_notifications import TODAY, answers, cases, day
from tests.cdr.test_stale_edit import open_form, save
from tests.conftest import Page
from tests.workbooks import download, sheet_rows, workbook_text
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def rules_of(case):
    return sorted(db.session.scalars(db.select(Deadline.rule_key).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id)).all())


# --- The Joint Agency Response on the notification ------------------------------------------


def test_the_question_gives_the_national_definition_and_reveals_the_criteria_under_unexpected(
        cdop_client, call):
    page = call(cdop_client, "cdr.notify")

    fieldset = page.html.select_one("input[name=death_expected]").find_parent("fieldset")
    assert "Was the death unexpected?" in fieldset.legend.get_text()
    assert "not anticipated as a significant possibility 24 hours" in fieldset.get_text()
    unexpected = page.html.select_one("input[name=death_expected][value=no]")
    assert "unexpected" in page.html.select_one(f"label[for={unexpected['id']}]").get_text()
    reveal = page.html.select_one(f"#{unexpected['data-aria-controls']}")
    boxes = [box["value"] for box in reveal.select("input[name=jar_criteria]")]
    assert boxes == ["jar_external_causes", "jar_sudden_unexplained", "jar_custody_or_detained",
                     "jar_suspicious"]  # the stillbirth one is the stillbirth question's


def test_an_unexpected_death_meeting_a_criterion_opens_with_its_jar_and_meeting_deadlines(
        cdop_client, call):
    call(cdop_client, "cdr.notify", status=302,
         data=answers(death_expected="no", jar_criteria=["jar_sudden_unexplained"]))

    [case] = cases()
    assert case.jar_required and case.jar_sudden_unexplained and not case.jar_suspicious
    assert rules_of(case) == ["rr_meeting_1", "rr_meeting_2"]
    shown = call(cdop_client, "cdr.case", case_id=case.id)
    deadlines = shown.text("#deadline-table")
    assert "First rapid response meeting" in deadlines
    assert "Second rapid response meeting" in deadlines
    assert "Required" in shown.text("#child + .govuk-summary-list")
    # The JAR page's own timeline line: the same code path saved it.
    assert "Joint Agency Response required: The death is sudden" in shown.text("#timeline + ol")


def test_an_unexpected_death_meeting_no_criterion_has_no_jar(cdop_client, call):
    call(cdop_client, "cdr.notify", status=302, data=answers(death_expected="no"))

    [case] = cases()
    assert not case.jar_required and rules_of(case) == []


def test_criteria_left_ticked_under_unexpected_do_not_count_for_an_expected_death(
        cdop_client, call):
    call(cdop_client, "cdr.notify", status=302,
         data=answers(death_expected="yes", jar_criteria=["jar_external_causes"]))

    [case] = cases()
    assert not case.jar_required and not case.jar_external_causes
    assert case.death_expected == "yes"


def test_an_expected_death_that_is_sudden_with_no_apparent_cause_is_refused_saying_why(
        cdop_client, call):
    page = call(cdop_client, "cdr.notify", status=400,
                data=answers(death_expected="yes", jar_criteria=["jar_sudden_unexplained"]))

    [error] = [e for e in page.errors if "expected" in e]
    assert "cannot be both expected and sudden with no immediately apparent cause" in error
    assert "unexpected" in error
    assert cases() == []
    # What was typed is kept.
    assert page.html.select_one("input[name=jar_criteria][value=jar_sudden_unexplained]"
                                ).has_attr("checked")


def test_an_unattended_stillbirth_still_needs_a_jar_whatever_the_criteria(cdop_client, call):
    call(cdop_client, "cdr.notify", status=302, data=answers(
        birth_outcome="unattended_stillbirth", death_expected="not_known",
        date_of_birth=day(date(2025, 3, 1))))

    [case] = cases()
    assert case.jar_required and case.jar_unattended_stillbirth
    assert rules_of(case) == ["rr_meeting_1", "rr_meeting_2"]


def test_the_case_details_refuse_an_expected_death_the_jar_calls_unexplained(
        cdop_client, call, partnership):
    case = make_case(partnership, death_expected="no", jar_sudden_unexplained=True,
                     jar_required=True)
    refused = save(cdop_client, case, open_form(cdop_client, call, case),
                   place_of_death="hospital", death_expected="yes")

    assert refused.status == 400
    assert any("cannot be expected" in error for error in refused.errors)
    db.session.refresh(case)
    assert case.death_expected == "no"


def test_the_jar_page_refuses_sudden_and_unexplained_for_an_expected_death(
        cdop_client, call, partnership):
    case = make_case(partnership, death_expected="yes")
    page = call(cdop_client, "cdr.joint_agency_response", status=400, case_id=case.id,
                data={"criteria": ["jar_sudden_unexplained"], "version": str(case.version)})

    assert any("recorded as expected" in error for error in page.errors)
    db.session.refresh(case)
    assert not case.jar_required


# --- The rest of the national form ------------------------------------------------------------


def test_no_nhs_number_needs_the_reason_and_an_nhs_number_needs_none(cdop_client, call):
    missing = call(cdop_client, "cdr.notify", status=400, data=answers(nhs_number=None))
    assert "Enter the NHS number, or select why there is none" in missing.errors
    both = call(cdop_client, "cdr.notify", status=400,
                data=answers(nhs_number_absent="non_resident"))
    assert "Do not select why there is no NHS number when you enter one" in both.errors
    assert cases() == []

    call(cdop_client, "cdr.notify", status=302,
         data=answers(nhs_number=None, nhs_number_absent="non_resident"))
    [case] = cases()
    assert case.nhs_number_absent == "non_resident"
    shown = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Child non-resident in England" in shown.text("#national-notification + dl")


NATIONAL = {
    "ethnicity": "white_roma", "fatal_event_on": day(date(2025, 2, 28)),
    "fatal_event_time": "23:10", "fatal_event_place": "Riverside park",
    "senior_practitioner": "Dr Senior Example, consultant", "cause_1a": "Drowning",
    "cause_1b": "", "cause_1c": "", "cause_2": "Epilepsy", "post_mortem_required": "yes",
    "ncmd_alert": "yes", "ncmd_alert_details": "Third drowning at this park this year",
    "carers": "Alex Example, mother",
}


def test_the_national_forms_answers_are_saved_and_shown(cdop_client, call):
    call(cdop_client, "cdr.notify", status=302, data=answers(**NATIONAL))

    [case] = cases()
    assert (case.ethnicity, case.fatal_event_on, case.fatal_event_time.strftime("%H:%M"),
            case.fatal_event_place) == ("white_roma", date(2025, 2, 28), "23:10",
                                        "Riverside park")
    assert (case.cause_1a, case.cause_1b, case.cause_2) == ("Drowning", None, "Epilepsy")
    assert case.post_mortem_required == "yes" and case.ncmd_alert == "yes"
    assert case.senior_practitioner == "Dr Senior Example, consultant"
    identity = db.session.scalar(db.select(ChildIdentity))
    assert identity.carers == "Alex Example, mother"
    shown = call(cdop_client, "cdr.case", case_id=case.id)
    summary = shown.text("#national-notification + dl")
    for words in ("White: Roma", "28 February 2025 at 23:10, Riverside park", "1a: Drowning",
                  "2: Epilepsy", "Third drowning", "Dr Senior Example", "Alex Example, mother"):
        assert words in summary
    # Nothing that names anyone reaches the timeline.
    timeline = shown.text("#timeline + ol")
    assert "Alex Example" not in timeline and "Senior Example" not in timeline


@pytest.mark.parametrize(("changes", "message"), [
    ({"ncmd_alert": "yes", "ncmd_alert_details": ""},
     "Enter what the National Child Mortality Database should be alerted to"),
    ({"fatal_event_on": day(date(2025, 3, 2))},
     "Date of the fatal event must be the same as or before the date of death"),
    ({"fatal_event_time": "25:99"},
     "Enter the time of the fatal event on the 24-hour clock, like 14:30"),
    ({"ethnicity": "martian"}, "Select an ethnic group from the list"),
    ({"post_mortem_required": "perhaps"}, "Select one of the answers"),
])
def test_bad_national_answers_are_refused_and_save_nothing(cdop_client, call, changes, message):
    page = call(cdop_client, "cdr.notify", status=400, data=answers(**changes))

    assert message in page.errors
    assert cases() == []


def test_the_national_answers_can_be_changed_on_the_case_details(cdop_client, call,
                                                                  partnership):
    case = make_case(partnership, death_expected="no", place_of_death="hospital",
                     nhs_number_absent=None)
    saved = save(cdop_client, case, open_form(cdop_client, call, case),
                 ethnicity="asian_indian", cause_1a="Sepsis", carers="A Carer, aunt")
    assert saved.status == 302, saved.errors

    db.session.refresh(case)
    assert case.ethnicity == "asian_indian" and case.cause_1a == "Sepsis"
    assert db.session.scalar(db.select(ChildIdentity.carers).where(
        ChildIdentity.case_id == case.id)) == "A Carer, aunt"


# --- The agencies involved ---------------------------------------------------------------------


AGENCIES = {
    "agency_1_name": "Northshire Primary School", "agency_1_kind": "school",
    "agency_2_name": "Dr Example's surgery", "agency_2_kind": "gp",
    "agency_2_professional": "Dr Example, GP",
}


def agencies_of(case):
    return [(a.name, a.kind, a.professional) for a in db.session.scalars(
        db.select(CaseAgency).where(CaseAgency.case_id == case.id).order_by(CaseAgency.id))]


def test_the_agencies_named_on_the_notification_become_the_cases_list(cdop_client, call):
    call(cdop_client, "cdr.notify", status=302, data=answers(**AGENCIES))

    [case] = cases()
    assert agencies_of(case) == [("Northshire Primary School", "school", None),
                                 ("Dr Example's surgery", "gp", "Dr Example, GP")]
    assert {a.added_on for a in case_agencies(case)} == {date(2025, 3, 2)}
    shown = call(cdop_client, "cdr.case", case_id=case.id)
    listed = shown.text("#agency-list")
    assert "Northshire Primary School" in listed and "School or nursery" in listed
    assert "Dr Example, GP" in listed


def case_agencies(case):
    return db.session.scalars(db.select(CaseAgency).where(CaseAgency.case_id == case.id)).all()


@pytest.mark.parametrize(("changes", "message"), [
    ({"agency_3_name": "Northshire Police"}, "Select what kind of agency agency 3 is"),
    ({"agency_4_kind": "police"}, "Enter the name of agency 4"),
    ({"agency_4_professional": "PC Example"}, "Enter the name of agency 4"),
    ({"agency_1_name": "X", "agency_1_kind": "spies"}, "Select a kind of agency from the list"),
])
def test_an_agency_row_half_filled_is_refused(cdop_client, call, changes, message):
    page = call(cdop_client, "cdr.notify", status=400, data=answers(**changes))

    assert message in page.errors
    assert cases() == [] and db.session.scalar(db.select(db.func.count(CaseAgency.id))) == 0


def test_agencies_are_added_and_removed_on_the_case(cdop_client, call, partnership):
    case = make_case(partnership)
    call(cdop_client, "cdr.case_agencies", status=302, case_id=case.id, data={
        "name": "Northshire Ambulance Service", "kind": "ambulance", "professional": ""})
    refused = call(cdop_client, "cdr.case_agencies", status=400, case_id=case.id,
                   data={"name": "", "kind": ""})
    assert "Enter the agency's name" in refused.errors
    assert "Select what kind of agency it is" in refused.errors
    [agency] = case_agencies(case)
    assert (agency.name, agency.kind, agency.professional, agency.added_on) == (
        "Northshire Ambulance Service", "ambulance", None, TODAY)

    call(cdop_client, "cdr.remove_case_agency", status=302, case_id=case.id,
         data={"agency_id": str(agency.id)}, form_page=("cdr.case_agencies",
                                                        {"case_id": case.id}))
    assert case_agencies(case) == []
    timeline = call(cdop_client, "cdr.case", case_id=case.id).text("#timeline + ol")
    assert "Agency added to the list of agencies involved: Northshire Ambulance" in timeline
    assert "Agency removed from the list of agencies involved: Northshire Ambulance" in timeline
    audited = db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.object_type == "CaseAgency").order_by(AuditEvent.id)).all()
    assert audited == ["create", "delete"]


def test_an_agency_of_another_case_is_never_removed(cdop_client, call, partnership):
    case, other = make_case(partnership), make_case(partnership)
    db.session.add(CaseAgency(case_id=other.id, partnership_id=partnership.id, name="GP",
                              kind="gp", added_on=TODAY))
    db.session.commit()
    [agency] = case_agencies(other)

    call(cdop_client, "cdr.remove_case_agency", status=302, case_id=case.id,
         data={"agency_id": str(agency.id)}, form_page=("cdr.case_agencies",
                                                        {"case_id": case.id}))
    assert case_agencies(other) == [agency]


def test_the_agencies_page_is_for_editors_of_the_partnerships_cases(
        auditor_client, panel_client, cdop_client, call, partnership, other_partnership):
    case = make_case(partnership)
    call(auditor_client, "cdr.case_agencies", status=403, case_id=case.id)
    call(panel_client, "cdr.case_agencies", status=403, case_id=case.id)
    elsewhere = make_case(other_partnership)
    call(cdop_client, "cdr.case_agencies", status=404, case_id=elsewhere.id)
    assert isinstance(case, ChildDeathCase)


# --- The case list export ------------------------------------------------------------------


def test_the_case_list_export_carries_the_national_answers_and_names_only_when_asked(
        cdop_client, call):
    call(cdop_client, "cdr.notify", status=302, data=answers(**NATIONAL))

    _, book = download(cdop_client, "/child-deaths/spreadsheet")
    [row] = sheet_rows(book, "Cases")
    assert row["Ethnicity"] == "White: Roma" and row["Cause of death 1a"] == "Drowning"
    assert row["Date of the fatal event"] == datetime(2025, 2, 28)
    assert row["Time of the fatal event"] == "23:10" and row["Post-mortem required"] == "Yes"
    assert row["Alert to the NCMD"] == "Yes"
    text = workbook_text(book)
    for named in ("Alex Example", "Senior Example", "Riverside park", "Third drowning"):
        assert named not in text

    _, named = download(cdop_client, "/child-deaths/spreadsheet?identifying=yes")
    [row] = sheet_rows(named, "Cases")
    assert row["Carers"] == "Alex Example, mother"
    assert row["Senior practitioner present"] == "Dr Senior Example, consultant"
    assert row["Place of the fatal event"] == "Riverside park"
    assert row["What the NCMD was alerted to"] == "Third drowning at this park this year"


# --- The import ----------------------------------------------------------------------------


def test_the_import_carries_the_national_answers_and_checks_them(cdop_client):
    from tests.cdr.test_import import HEADERS, row
    from tests.import_files import confirm, problems, upload, workbook

    national = {"Why there is no NHS number": "NHS number not currently available",
                "Ethnicity": "White: Irish", "Date of the fatal event": date(2025, 2, 28),
                "Time of the fatal event": "07:45", "Cause of death 1a": "Pneumonia",
                "Post-mortem required": "No", "Alert to the NCMD": "No",
                "Senior practitioner present": "Dr Senior Example",
                "Carers": "Alex Example, father"}
    bad = upload(cdop_client, "child-deaths", workbook(HEADERS, [
        row(**{**national, "NHS number": "999 000 0018"}),
        row(**{**national, "Date of the fatal event": date(2025, 3, 5),
               "Time of the fatal event": "25:99"}),
    ]))
    found = " ".join(str(problem) for problem in problems(bad))
    assert "Leave why there is no NHS number empty when the NHS number is given" in found
    assert "Date of the fatal event must be the same as or before the date of death" in found
    assert "Enter the time on the 24-hour clock, like 14:30" in found
    assert cases() == []

    preview = upload(cdop_client, "child-deaths", workbook(HEADERS, [row(**national)]))
    assert "Alex Example" not in preview.get_data(as_text=True)
    assert confirm(cdop_client, "child-deaths", preview).status_code == 302
    [case] = cases()
    assert (case.nhs_number_absent, case.ethnicity, case.fatal_event_on) == (
        "not_available", "white_irish", date(2025, 2, 28))
    assert case.fatal_event_time.strftime("%H:%M") == "07:45"
    assert (case.cause_1a, case.post_mortem_required, case.ncmd_alert) == ("Pneumonia", "no",
                                                                           "no")
    assert case.senior_practitioner == "Dr Senior Example"
    assert db.session.scalar(db.select(ChildIdentity.carers)) == "Alex Example, father"


def test_the_duplicate_page_carries_the_new_answers_back_to_the_form(cdop_client, call):
    from tests.cdr.test_notifications import _post_duplicate_page

    call(cdop_client, "cdr.notify", data=answers(), status=302)
    page = call(cdop_client, "cdr.notify", data=answers(
        death_expected="no", jar_criteria=["jar_suspicious"], ethnicity="white_irish",
        **AGENCIES))

    changed = Page(_post_duplicate_page(cdop_client, page, "change"))

    assert changed.html.select_one("input[name=agency_2_professional]")["value"] == (
        "Dr Example, GP")
    assert changed.html.select_one("input[name=jar_criteria][value=jar_suspicious]"
                                   ).has_attr("checked")
    assert changed.html.select_one("select[name=ethnicity] option[selected]")["value"] == (
        "white_irish")
