"""The death of a care leaver as a serious incident (Working Together 2023, chapter 5): a care
leaver who died aged 24 or under is notified to the Secretary of State and Ofsted within 5
working days of the local authority becoming aware, whatever the cause, on the fixed calendar
(a partnership's closure days never move it); aged 25 or over, or under Working Together 2018,
no such clock, and the page says why. The Panel's clocks still need abuse or neglect known or
suspected."""

from collections import namedtuple
from datetime import date, datetime

import pytest

from reviews.deadlines import INCIDENT_DEADLINES
from reviews.imports import COLUMNS as IMPORT_COLUMNS
from reviews.models import SeriousIncident
from tests.import_files import confirm, problems, upload, workbook
from tests.reviews.factories import make_incident
from tests.workbooks import download, sheet_rows
from tracker import calendar, deadline_bulk, deadline_service
from tracker.deadline_mapping import DeadlineSpec, at_most, when
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import ClosureDay

PANEL_CLOCKS = {"panel_notification", "partners_notification"}
CARE_LEAVER = "care_leaver_death_notification"
# Wednesday 23 December 2026.
TODAY = date(2026, 12, 23)
# Monday 21 December 2026: 5 working days over Christmas (Friday 25) and the substitute day
# for Boxing Day (Monday 28) end on Wednesday 30 December.
AWARE = date(2026, 12, 21)
DUE = date(2026, 12, 30)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def stored(incident_id):
    db.session.expire_all()
    return {row.rule_key: row for row in db.session.scalars(db.select(Deadline).where(
        Deadline.owner_type == "serious_incident", Deadline.owner_id == incident_id))}


def care_leaver(partnership, *, age=24, suspected=False, **fields):
    values = {"rules_edition": "WT2023", "child_died": True, "care_leaver": True,
              "age_at_death_years": age, "abuse_or_neglect_suspected": suspected,
              "incident_date": date(2026, 12, 19), "la_aware_on": AWARE, **fields}
    return make_incident(partnership, **values)


def closed(partnership, *days):
    for closure in days:
        db.session.add(ClosureDay(partnership_id=partnership.id, day=closure,
                                  description="Office closed"))
    db.session.commit()


def test_a_care_leaver_who_died_aged_24_is_notified_within_5_working_days_whatever_closes(
        partnership):
    # The partnership closes on Thursday 24 and Tuesday 29 December: a fixed rule ignores it.
    closed(partnership, date(2026, 12, 24), date(2026, 12, 29))
    assert calendar.add_working_days(AWARE, 5, partnership) > DUE
    assert calendar.add_working_days(AWARE, 5) == DUE

    incident = care_leaver(partnership, age=24)

    rows = stored(incident.id)
    assert set(rows) == {CARE_LEAVER}
    assert rows[CARE_LEAVER].trigger_date == AWARE
    assert rows[CARE_LEAVER].due_date == DUE
    assert rows[CARE_LEAVER].edition == "WT2023"


def test_the_bulk_rebuild_reads_the_age_from_the_table_as_the_form_does(partnership):
    young = care_leaver(partnership, age=24)
    older = care_leaver(partnership, age=25)
    db.session.execute(db.delete(Deadline))
    db.session.commit()

    deadline_bulk.rebuild_all()

    assert set(stored(young.id)) == {CARE_LEAVER}
    assert stored(young.id)[CARE_LEAVER].due_date == DUE
    assert stored(older.id) == {}


def test_a_care_leaver_aged_25_has_no_clock_and_the_page_says_why(
        business_client, partnership, call):
    incident = care_leaver(partnership, age=25)

    assert CARE_LEAVER not in stored(incident.id)
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Care leaver Yes, died aged 25" in page.text("#incident ~ dl")
    assert ("Not needed: the care leaver was 25 or older: the Secretary of State and Ofsted "
            "are notified of the death of a care leaver up to and including age 24"
            in page.text("#notification-summary"))
    form = call(business_client, "reviews.notifications", incident_id=incident.id)
    assert "Date the Secretary of State and Ofsted were notified" not in form.text("main form")
    assert "the care leaver was 25 or older" in form.text("#care-leaver-notice")


def test_under_working_together_2018_a_care_leavers_death_has_no_clock(
        business_client, partnership, call):
    incident = care_leaver(partnership, age=20, rules_edition="WT2018",
                           incident_date=date(2023, 12, 8), la_aware_on=date(2023, 12, 11))

    assert CARE_LEAVER not in stored(incident.id)
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Working Together 2018" in page.text("#notification-summary")


@pytest.mark.parametrize("suspected", [True, False])
def test_the_panels_clocks_only_when_the_care_leavers_death_is_notifiable(
        partnership, suspected):
    incident = care_leaver(partnership, age=19, suspected=suspected)

    rules = set(stored(incident.id))
    assert CARE_LEAVER in rules
    assert (rules >= PANEL_CLOCKS) is suspected
    assert rules == ({CARE_LEAVER} | PANEL_CLOCKS if suspected else {CARE_LEAVER})


def test_the_notification_is_recorded_on_its_own_deadline_and_a_late_one_needs_a_reason(
        business_client, partnership, call):
    # Aware on Monday 7 December 2026: due Monday 14 December.
    incident = care_leaver(partnership, age=22, incident_date=date(2026, 12, 5),
                           la_aware_on=date(2026, 12, 7))
    form = call(business_client, "reviews.notifications", incident_id=incident.id)
    assert "A care leaver aged 22 died" in form.text("#care-leaver-notice")
    assert "Due by 14 December 2026" in form.text("main form")

    late = call(business_client, "reviews.notifications", incident_id=incident.id, status=400,
                data={"version": str(incident.version),
                      "sos_ofsted_notified_on": day(date(2026, 12, 16))})
    assert "Enter why it was sent after the deadline of 14 December 2026" in late.text(
        ".govuk-error-summary")
    assert stored(incident.id)[CARE_LEAVER].met_on is None

    call(business_client, "reviews.notifications", incident_id=incident.id, status=302,
         data={"version": str(incident.version),
               "sos_ofsted_notified_on": day(date(2026, 12, 14))})
    assert stored(incident.id)[CARE_LEAVER].met_on == date(2026, 12, 14)
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Secretary of State and Ofsted notified 14 December 2026" in page.text(
        "#notification-summary")


# --- The form --------------------------------------------------------------------------------


def answers(**changes):
    return {"child_reference": "Child C", "outcome": "died",
            "incident_date": day(date(2026, 12, 19)), "la_aware_on": day(AWARE),
            "abuse_or_neglect": "no", "location": "in_area", "looked_after": "no",
            "care_leaver": "yes", "age_at_death_years": "24", "cp_plan": "no", **changes}


def test_the_form_records_a_care_leaver_and_the_age_at_death(business_client, partnership,
                                                             call):
    form = call(business_client, "reviews.new_incident")
    asked = form.text("main form[action$='/new'][method=post]")
    assert ("whether the child died (a suspected suicide included) or was seriously harmed"
            in asked)
    assert "Was the child a care leaver?" in asked

    call(business_client, "reviews.new_incident", status=302, data=answers())

    incident = db.session.scalars(db.select(SeriousIncident)).one()
    assert incident.care_leaver is True and incident.age_at_death_years == 24
    # Until the edition is chosen from the date (helper 1), a case is set to WT2023 here.
    incident.rules_edition = "WT2023"
    deadline_service.sync_case(incident)
    db.session.commit()
    assert stored(incident.id)[CARE_LEAVER].due_date == DUE
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Care leaver Yes, died aged 24" in page.text("#incident ~ dl")
    assert "Secretary of State and Ofsted notified Not yet" in page.text("#notification-summary")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"care_leaver": None}, "care_leaver", "Select whether the child was a care leaver"),
    ({"age_at_death_years": ""}, "age_at_death_years",
     "Enter the care leaver's age at death, in years"),
    ({"age_at_death_years": "121"}, "age_at_death_years",
     "Age at death must be between 0 and 120"),
    ({"age_at_death_years": "twenty"}, "age_at_death_years",
     "Age at death, in years must be a whole number"),
    ({"looked_after": "yes"}, "looked_after",
     "A looked-after child cannot also be a care leaver: a care leaver is a young person who "
     "has left care"),
    ({"outcome": "harmed"}, "age_at_death_years",
     "Age at death is only for a care leaver who died"),
])
def test_the_forms_errors_keep_what_was_typed_and_save_nothing(
        business_client, partnership, call, changes, field, message):
    data = {key: value for key, value in answers(**changes).items() if value is not None}

    page = call(business_client, "reviews.new_incident", status=400, data=data)

    summary = page.text(".govuk-error-summary")
    assert message in summary
    link = page.html.select_one(".govuk-error-summary a")
    assert link["href"].startswith(f"#{field}")
    assert db.session.scalars(db.select(SeriousIncident)).all() == []
    assert page.html.select_one("#child_reference")["value"] == "Child C"


# --- The export and the mapping ----------------------------------------------------------


def test_the_export_has_the_care_leaver_and_the_age(business_client, partnership):
    care_leaver(partnership, age=24, reference="CSPR-NSP-2026-0001")
    make_incident(partnership, reference="CSPR-NSP-2026-0002", la_aware_on=date(2026, 12, 1))

    _response, book = download(business_client, "/practice-reviews/spreadsheet")

    leaver, other = sheet_rows(book, "Practice reviews")
    assert leaver["Reference"] == "CSPR-NSP-2026-0001"
    # Without the child's name, the age is a band: an exact age would single them out.
    assert leaver["Care leaver"] == "Yes" and leaver["Age at death"] == "21 to 24"
    assert leaver["Local authority aware"] == datetime(2026, 12, 21)
    assert other["Care leaver"] == "No" and other["Age at death"] is None

    _response, named = download(business_client, "/practice-reviews/spreadsheet?identifying=yes")
    assert sheet_rows(named, "Practice reviews")[0]["Age at death"] == 24


@pytest.mark.parametrize("years,band", [(17, "Under 18"), (18, "18 to 20"), (20, "18 to 20"),
                                        (21, "21 to 24"), (24, "21 to 24"), (25, "25 or over")])
def test_an_age_at_death_without_the_name_is_its_band(years, band):
    from reviews.services.exports import age_at_death

    assert age_at_death(years, exact=False) == band
    assert age_at_death(years, exact=True) == years


def test_an_at_most_condition_holds_alike_on_a_core_row_and_an_orm_object():
    spec = DeadlineSpec(CARE_LEAVER, "la_aware_on", applies_when=when(
        care_leaver=True, age_at_death_years=at_most(24)))
    Row = namedtuple("Row", "la_aware_on care_leaver age_at_death_years")
    assert spec.wanted_for(Row(AWARE, True, 24))
    assert spec.wanted_for(SeriousIncident(la_aware_on=AWARE, care_leaver=True,
                                           age_at_death_years=0))
    assert not spec.wanted_for(Row(AWARE, True, 25))
    assert not spec.wanted_for(Row(AWARE, True, None))
    assert not spec.wanted_for(Row(AWARE, False, 20))
    assert CARE_LEAVER in INCIDENT_DEADLINES.rule_keys
    assert "age_at_death_years" in INCIDENT_DEADLINES.columns


# --- The import ------------------------------------------------------------------------------


def import_row(**changes):
    values = {"Outcome": "Died", "Incident date": date(2026, 12, 19),
              "Date the local authority became aware": AWARE,
              "Abuse or neglect known or suspected": "No",
              "Where it happened": "In the local authority's area", "Looked-after child": "No",
              "Child protection plan": "No", "Care leaver": "Yes", "Age at death (years)": 24,
              **changes}
    return values


def as_file(rows, headers=None):
    headers = headers or [column.header for column in IMPORT_COLUMNS]
    return workbook(headers, [[values.get(header) for header in headers] for values in rows],
                    title="Serious incidents")


def test_the_import_reads_the_care_leaver_and_refuses_what_the_form_refuses(
        business_client, partnership):
    refused = upload(business_client, "practice-reviews", as_file([
        import_row(**{"Looked-after child": "Yes"}),
        import_row(**{"Age at death (years)": None}),
        import_row(**{"Age at death (years)": "twenty"}),
        import_row(**{"Age at death (years)": 130}),
    ]))
    assert refused.status_code == 400
    assert problems(refused) == [
        ("2", "Looked-after child", "A looked-after child cannot also be a care leaver: a care "
         "leaver is a young person who has left care. Answer No to one of the two questions"),
        ("3", "Age at death (years)", "Enter the care leaver's age at death, in years"),
        ("4", "Age at death (years)", "Age at death (years) must be a whole number, like 3"),
        ("5", "Age at death (years)", "Age at death must be between 0 and 120"),
    ]

    # A file made from the earlier template (no care leaver columns) still reads: not one.
    earlier = [column.header for column in IMPORT_COLUMNS
               if column.key not in ("care_leaver", "age_at_death_years")]
    preview = upload(business_client, "practice-reviews", as_file([
        import_row(**{"Age at death (years)": 24.0}),
        import_row(**{"Reference for the child": "Child E"})], headers=None))
    assert problems(preview) == []
    confirm(business_client, "practice-reviews", preview)
    old = upload(business_client, "practice-reviews", as_file([
        import_row(**{"Reference for the child": "Child F"})], headers=earlier))
    assert problems(old) == []
    confirm(business_client, "practice-reviews", old)

    leaver, second, earlier_one = db.session.scalars(
        db.select(SeriousIncident).order_by(SeriousIncident.id)).all()
    assert (leaver.care_leaver, leaver.age_at_death_years) == (True, 24)
    assert (second.care_leaver, second.age_at_death_years) == (True, 24)
    assert (earlier_one.care_leaver, earlier_one.age_at_death_years) == (False, None)
