"""Issue 23, the review's Working Together 2023 steps and words: Ofsted's copy of a local
review report due 7 working days before publication (WT2023 local reviews only); the Panel,
Ofsted and the DfE told of the decision, and the justification when a report is not
published in full, as steps of the task list; each edition's words on the pages that differ;
"Form B" gone from the child death pages."""

from datetime import date

import pytest
import sqlalchemy as sa

from reviews.models import SeriousIncident, YearlyReport
from tests.cdr.factories import make_case
from tests.cdr.test_requests import make_request
from tests.reviews.factories import make_incident
from tracker import deadline_service
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import ClosureDay

TODAY = date(2026, 6, 15)
DECIDED = date(2026, 2, 2)
# Tuesday 2 June 2026: 7 working days back over the spring bank holiday (Monday 25 May) is
# Thursday 21 May 2026.
PLANNED = date(2026, 6, 2)
OFSTED_DUE = date(2026, 5, 21)
TOLD = "Tell the Panel, Ofsted and the Department for Education of the decision"
NOT_IN_FULL = "Record why the report will not be published in full"


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def review_2023(partnership, **fields):
    """A local review of an incident of 2026, under Working Together 2023."""
    values = {"incident_date": date(2026, 1, 5), "la_aware_on": date(2026, 1, 6),
              "rules_edition": "WT2023", "decision": "local", "decision_on": DECIDED,
              "stage": "review", **fields}
    return make_incident(partnership, **values)


def review_2018(partnership, **fields):
    """A local review of an incident of 2023, before 15 December 2023: Working Together 2018."""
    values = {"incident_date": date(2023, 6, 1), "la_aware_on": date(2023, 6, 5),
              "rules_edition": "WT2018", "decision": "local", "decision_on": date(2023, 7, 3),
              "stage": "review", **fields}
    return make_incident(partnership, **values)


def post(call, client, endpoint, incident, status=302, **answers):
    db.session.refresh(incident)
    data = {"version": str(incident.version)}
    for name, value in answers.items():
        data[name] = day(value) if isinstance(value, date) else value
    return call(client, endpoint, incident_id=incident.id, data=data, status=status)


def stored(incident, rule_key):
    return db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_type == "serious_incident", Deadline.owner_id == incident.id,
        Deadline.rule_key == rule_key))


def stages(page) -> dict[str, str]:
    return {item.select_one(".govuk-task-list__name-and-hint").get_text(strip=True):
            item.select_one(".govuk-tag").get_text(strip=True)
            for item in page.html.select(".govuk-task-list__item")}


# --- Ofsted's copy -----------------------------------------------------------------------


def test_ofsteds_copy_is_due_7_working_days_before_publication_over_a_bank_holiday(
        business_client, partnership, call):
    # A closure day inside the count does not give more time: the rule is fixed.
    db.session.add(ClosureDay(partnership_id=partnership.id, day=date(2026, 5, 27),
                              description="Office move"))
    db.session.commit()
    review = review_2023(partnership)

    post(call, business_client, "reviews.publication", review, planned_publication_on=PLANNED)

    ofsted = stored(review, "cspr_prepublication_ofsted")
    assert (ofsted.edition, ofsted.trigger_date, ofsted.due_date, ofsted.met_on) == (
        "WT2023", PLANNED, OFSTED_DUE, None)
    assert stored(review, "cspr_prepublication_copies").due_date == OFSTED_DUE
    page = call(business_client, "reviews.incident", incident_id=review.id)
    row = page.text("#deadline-cspr_prepublication_ofsted")
    assert "Send the local review report to Ofsted" in row and "21 May 2026" in row

    post(call, business_client, "reviews.publication", review, planned_publication_on=PLANNED,
         ofsted_copy_sent_on=date(2026, 5, 20))

    assert stored(review, "cspr_prepublication_ofsted").met_on == date(2026, 5, 20)
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert "Met on time" in page.text("#deadline-cspr_prepublication_ofsted")


def test_a_2018_review_and_a_national_review_have_no_ofsted_deadline(business_client,
                                                                     partnership, call):
    old = review_2018(partnership)
    national = review_2023(partnership, decision="national", panel_decision_on=DECIDED)

    post(call, business_client, "reviews.publication", old,
         planned_publication_on=date(2023, 12, 4), ofsted_copy_sent_on=date(2023, 11, 20))
    post(call, business_client, "reviews.publication", national, planned_publication_on=PLANNED)

    assert stored(old, "cspr_prepublication_copies") is not None
    assert stored(old, "cspr_prepublication_ofsted") is None
    assert stored(national, "national_prepublication_copies") is not None
    assert stored(national, "cspr_prepublication_ofsted") is None
    page = call(business_client, "reviews.incident", incident_id=old.id)
    assert page.html.select_one("#deadline-cspr_prepublication_ofsted") is None


def test_a_2023_review_with_no_planned_date_has_no_ofsted_deadline_yet(partnership):
    review = review_2023(partnership)
    deadline_service.sync_case(review)
    db.session.commit()
    assert stored(review, "cspr_prepublication_ofsted") is None


# --- Telling the Panel, Ofsted and the DfE of the decision ------------------------------


def decide(call, client, incident, status=302, **changes):
    answers = {"decision": "local", "decision_on": DECIDED,
               "decision_rationale": "Agencies did not share what they knew.",
               "family_told": "yes", "family_told_on": date(2026, 2, 3), **changes}
    return post(call, client, "reviews.decision", incident, status=status,
                **{k: v for k, v in answers.items() if v is not None})


def test_telling_the_panel_ofsted_and_the_dfe_is_a_step_with_a_date_for_each(
        business_client, partnership, call):
    review = review_2023(partnership)
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert stages(page)[TOLD] == "Not yet started"

    decide(call, business_client, review, decision_informed_on=date(2026, 2, 4))
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert stages(page)[TOLD] == "In progress"
    assert "Ofsted told of the decision Not yet" in page.text("#decision-summary")

    decide(call, business_client, review, decision_informed_on=date(2026, 2, 4),
           decision_ofsted_told_on=date(2026, 2, 5), decision_dfe_told_on=date(2026, 2, 6))

    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert stages(page)[TOLD] == "Completed"
    summary = page.text("#decision-summary")
    assert "Panel told of the decision 4 February 2026" in summary
    assert "Ofsted told of the decision 5 February 2026" in summary
    assert "Department for Education told of the decision 6 February 2026" in summary
    # No timescale is set in the guidance: no deadline.
    assert not db.session.scalars(sa.select(Deadline.rule_key).where(
        Deadline.owner_id == review.id, Deadline.rule_key.like("%told%"))).all()
    changes = db.session.scalars(sa.select(AuditEvent.changes).where(
        AuditEvent.object_type == "SeriousIncident", AuditEvent.object_id == str(review.id),
        AuditEvent.action == "update")).all()
    assert any("decision_dfe_told_on" in (c or {}) for c in changes)


def test_a_told_date_before_the_decision_or_in_the_future_is_refused(business_client,
                                                                   partnership, call):
    review = review_2023(partnership)

    page = decide(call, business_client, review, status=400,
                  decision_ofsted_told_on=date(2026, 1, 30),
                  decision_dfe_told_on=date(2026, 6, 16))

    assert ("Date Ofsted was told must be the same as or after the date of the decision"
            in page.errors)
    assert "Date the Department for Education was told must be today or in the past" \
        in page.errors
    db.session.refresh(review)
    assert (review.decision_ofsted_told_on, review.decision_dfe_told_on) == (None, None)


def test_the_told_step_is_not_needed_for_a_national_review(business_client, partnership,
                                                          call):
    national = review_2023(partnership, decision="national", panel_decision_on=DECIDED)
    page = call(business_client, "reviews.incident", incident_id=national.id)
    assert stages(page)[TOLD] == "Not needed"


# --- Not published in full ---------------------------------------------------------------


def test_not_publishing_in_full_is_a_step_that_needs_the_justification(business_client,
                                                                     partnership, call):
    review = review_2023(partnership)
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert stages(page)[NOT_IN_FULL] == "Not yet started"

    page = post(call, business_client, "reviews.publication", review, status=400,
                publish_type="improvements")
    assert ("Enter the justification sent to the Panel and the Secretary of State for "
            "publishing information about improvements only") in page.errors
    db.session.refresh(review)
    assert review.publish_type is None

    post(call, business_client, "reviews.publication", review, publish_type="improvements",
         publish_justification="The full report would identify the siblings",
         justification_sent_on=date(2026, 5, 1))

    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert stages(page)[NOT_IN_FULL] == "Completed"

    post(call, business_client, "reviews.publication", review, publish_type="full")
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert stages(page)[NOT_IN_FULL] == "Not needed"


def test_the_export_has_each_told_date_ofsteds_copy_and_whether_in_full(partnership):
    from reviews.services import exports, lists

    review_2023(partnership, decision_informed_on=date(2026, 2, 4),
                decision_ofsted_told_on=date(2026, 2, 5), decision_dfe_told_on=date(2026, 2, 6),
                ofsted_copy_sent_on=date(2026, 5, 20), publish_type="improvements",
                publish_justification="Would identify the siblings",
                justification_sent_on=date(2026, 5, 1))
    sheet = exports.tracker_sheets(lists.TrackerFilters(), {partnership.id}, TODAY,
                                   with_identity=False)[0]
    names = [column.header for column in sheet.columns]
    row = dict(zip(names, next(iter(sheet.rows)), strict=True))

    assert row["Panel told of the decision"] == date(2026, 2, 4)
    assert row["Ofsted told of the decision"] == date(2026, 2, 5)
    assert row["Department for Education told of the decision"] == date(2026, 2, 6)
    assert row["Copy sent to Ofsted"] == date(2026, 5, 20)
    assert row["Published in full"] == "No: information about improvements only"
    assert row["Why not in full: justification sent"] == date(2026, 5, 1)
    assert "siblings" not in " ".join(str(value) for value in row.values())


# --- Each edition's words ----------------------------------------------------------------


def test_the_rapid_review_page_speaks_its_cases_edition(business_client, partnership, call):
    new = review_2023(partnership, decision=None, stage="rapid_review")
    old = review_2018(partnership, decision=None, stage="rapid_review")

    new_rule = call(business_client, "reviews.rapid_review",
                    incident_id=new.id).text("#rapid-review-rule")
    old_rule = call(business_client, "reviews.rapid_review",
                    incident_id=old.id).text("#rapid-review-rule")

    assert new_rule.startswith("The lead safeguarding partners (or the delegated safeguarding "
                               "partners they name) should promptly undertake a rapid review")
    assert "The Panel's guidance for safeguarding partners" in new_rule
    assert "from the day the notification was sent to the Panel" in new_rule
    assert "not Working Together itself" not in new_rule
    assert old_rule.startswith("The safeguarding partners should promptly undertake")
    assert "The Panel's guidance (not Working Together itself) expects it" in old_rule


def test_the_yearly_reports_name_foundations_for_a_2023_report(business_client, partnership,
                                                              call):
    old = YearlyReport(partnership_id=partnership.id, published_on=date(2023, 9, 29),
                       url="https://www.northshire.example/yearly-2023.pdf",
                       rules_edition="WT2018")
    new = YearlyReport(partnership_id=partnership.id, published_on=date(2025, 9, 30),
                       url="https://www.northshire.example/yearly-2025.pdf",
                       rules_edition="WT2023")
    db.session.add_all([old, new])
    db.session.flush()
    deadline_service.sync_case(old)
    deadline_service.sync_case(new)
    db.session.commit()

    page = call(business_client, "reviews.yearly_reports")
    assert "To the Panel and Foundations" in page.text(f"#yearly-report-{new.id}")
    assert "To the Panel and the What Works Centre (Foundations since June 2023)" in page.text(
        f"#yearly-report-{old.id}")

    form = call(business_client, "reviews.yearly_report", yearly_report_id=new.id)
    assert "Date copies were sent to the Panel and Foundations" in form.text()
    assert "A copy should go to the Panel and Foundations" in form.text("#yearly-copies-rule")
    assert "What Works" not in form.text()
    form = call(business_client, "reviews.yearly_report", yearly_report_id=old.id)
    assert ("Date copies were sent to the Panel and the What Works Centre (Foundations since "
            "June 2023)") in form.text()


def test_the_reviewers_page_names_who_decides_in_its_edition(business_client, partnership,
                                                            call):
    new, old = review_2023(partnership), review_2018(partnership)
    assert "asks the lead safeguarding partners" in call(
        business_client, "reviews.reviewers", incident_id=new.id).text()
    assert "asks the safeguarding partners to weigh" in call(
        business_client, "reviews.reviewers", incident_id=old.id).text()


def test_form_b_is_gone_from_the_child_death_pages(cdop_client, partnership, call):
    case = make_case(partnership)
    make_request(case, "Police", date(2026, 6, 1))
    case_page = call(cdop_client, "cdr.case", case_id=case.id)
    form_page = call(cdop_client, "cdr.new_request", case_id=case.id)
    for page in (case_page, form_page):
        assert "Form B" not in page.text()
    assert "Information requested from agencies (the reporting form)" in case_page.text()
    assert "the national reporting form, one per agency involved" in form_page.text()


def test_an_incident_keeps_its_edition_when_saved(partnership):
    review = review_2023(partnership)
    assert db.session.get(SeriousIncident, review.id).rules_edition == "WT2023"


def test_the_coroners_page_names_the_child_death_review_partners_of_its_edition(
        cdop_client, partnership, call):
    new = make_case(partnership, rules_edition="WT2023", date_of_death=date(2026, 3, 1),
                    notification_received_on=date(2026, 3, 2))
    old = make_case(partnership, rules_edition="WT2018", date_of_death=date(2023, 3, 1),
                    notification_received_on=date(2023, 3, 2))

    new_rule = call(cdop_client, "cdr.registrar_and_coroner",
                    case_id=new.id).text("#registrar-coroner-rule")
    old_rule = call(cdop_client, "cdr.registrar_and_coroner",
                    case_id=old.id).text("#registrar-coroner-rule")

    assert "(the local authority and the integrated care board)" in new_rule
    assert ("(the local authority and the integrated care board, clinical commissioning groups "
            "before July 2022)") in old_rule


def test_the_publication_page_speaks_the_reviews_edition(business_client, partnership, call):
    new, old = review_2023(partnership), review_2018(partnership)

    page = call(business_client, "reviews.publication", incident_id=new.id)
    rule = page.text("#publication-rule")
    assert rule.startswith("The lead safeguarding partners (or the delegated safeguarding "
                           "partners they name) must publish the report")
    assert "should go to Ofsted, at least 7 working days before publication" in rule
    assert page.text("#publication-source") == ("Working Together to Safeguard Children 2023, "
                                                "chapter 5.")

    page = call(business_client, "reviews.publication", incident_id=old.id)
    assert page.text("#publication-rule").startswith(
        "The safeguarding partners must publish the report")
    assert "lead safeguarding partners" not in page.text()
    assert page.text("#publication-source") == ("Working Together to Safeguard Children 2018, "
                                                "chapter 4.")


def test_the_yearly_report_page_names_who_publishes_in_its_edition(business_client,
                                                                    partnership, call):
    old = YearlyReport(partnership_id=partnership.id, published_on=date(2023, 9, 29),
                       url="https://www.northshire.example/yearly-2023.pdf",
                       rules_edition="WT2018")
    new = YearlyReport(partnership_id=partnership.id, published_on=date(2025, 9, 30),
                       url="https://www.northshire.example/yearly-2025.pdf",
                       rules_edition="WT2023")
    db.session.add_all([old, new])
    db.session.commit()

    form = call(business_client, "reviews.yearly_report", yearly_report_id=new.id)
    assert form.text("#yearly-copies-rule").startswith(
        "The lead safeguarding partners (or the delegated safeguarding partners they name) "
        "must publish a report at least once in every 12 months.")
    assert form.text("#yearly-source") == "Working Together to Safeguard Children 2023, chapter 2."
    form = call(business_client, "reviews.yearly_report", yearly_report_id=old.id)
    assert form.text("#yearly-copies-rule").startswith(
        "The safeguarding partners must publish a report")
    assert "lead safeguarding partners" not in form.text()
    assert form.text("#yearly-source") == "Working Together to Safeguard Children 2018, chapter 3."
    # A report not yet recorded: the edition in force now.
    form = call(business_client, "reviews.new_yearly_report", partnership=partnership.id)
    assert "Working Together to Safeguard Children 2023" in form.text("#yearly-source")
