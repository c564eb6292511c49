"""The national analysis form (issue 24): the child death review meeting's draft, the CDOP
meeting's confirmed analysis and what it changed; the outcome recorded only at a CDOP meeting
that has taken place, never dated before it; a past CDOP meeting recorded with the reason."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase, PanelMeeting
from cdr.services import annual_report, panel, panel_outcome
from tests.cdr.factories import heard_at, make_case
from tracker.audit import AuditEvent
from tracker.compliance import Period
from tracker.extensions import db
from tracker.mail import OutboundEmail

TODAY = date(2026, 3, 16)

DRAFT = {
    "review_meeting_on": ["20", "1", "2026"],
    "review_meeting_attendees": "Designated doctor\nGP",
    "analysis_summary": "The child died of an infection after two days of fever.",
    "draft_category": "infection",
    "draft_factors_child": "Born prematurely.",
    "draft_grade_child": "2",
    "draft_factors_social": "Parents struggled to reach the clinic.",
    "draft_grade_social": "1",
    "draft_grade_physical": "0",
    "draft_factors_service": "Referral letter delayed.",
    "draft_grade_service": "2",
    "draft_modifiable": "yes",
    "draft_modifiable_reason": "A faster referral might have changed the course.",
    "analysis_learning": "Faster referral route.",
    "draft_actions": "ICB to audit referral letters.",
}


@pytest.fixture(autouse=True)
def frozen_today(clock):
    """Every page counts from the same Monday, whatever the wall clock says."""
    clock.set(TODAY)


def ready_case(partnership, **fields):
    return make_case(partnership, information_complete=True,
                     review_meeting_on=date(2026, 1, 20), **fields)


def saved(case):
    db.session.expire_all()
    return db.session.get(ChildDeathCase, case.id)


def record_draft(call, client, case, status=302, **changes):
    form = call(client, "cdr.review_meeting", case_id=case.id)
    version = form.html.select_one("input[name=version]")["value"]
    return call(client, "cdr.review_meeting", case_id=case.id, status=status,
                data={**DRAFT, "version": version, **changes})


def outcome_form(call, client, case):
    """The outcome form's values as it opens (radios checked, texts, dates)."""
    page = call(client, "cdr.case_outcome", case_id=case.id)
    values = {}
    for field in page.html.select("form input, form textarea"):
        name = field.get("name")
        if not name or field.get("type") == "submit":
            continue
        if field.get("type") == "radio":
            if field.has_attr("checked"):
                values[name] = field["value"]
        elif field.name == "textarea":
            values[name] = field.get_text()
        else:
            values.setdefault(name, field.get("value", ""))
    return page, values


def record_outcome(call, client, case, status=302, **changes):
    _page, values = outcome_form(call, client, case)
    for part in ("day", "month", "year"):
        values.pop(f"review_completed_on-{part}", None)
    date_given = changes.pop("review_completed_on", None)
    values["review_completed_on"] = date_given or [
        _page.html.select_one(f"#review_completed_on-{part}")["value"]
        for part in ("day", "month", "year")]
    return call(client, "cdr.case_outcome", case_id=case.id, status=status,
                data={**values, **changes})


# --- The outcome belongs to a CDOP meeting that has taken place -----------------------------

def test_an_outcome_dated_before_its_cdop_meeting_is_refused_saying_why(cdop_client,
                                                                        partnership, call):
    case = ready_case(partnership)
    heard_at(case, date(2026, 3, 12))

    page = record_outcome(call, cdop_client, case, status=400, category="infection",
                          modifiable_factors="no", review_completed_on=["1", "2", "2026"])

    assert page.errors == [
        "Date the review was completed must be on or after the date of the CDOP meeting it "
        "was completed at (12 March 2026): a review is completed at a CDOP meeting, never "
        "before it"]
    stored = saved(case)
    assert (stored.closed_on, stored.review_completed_on, stored.category) == (None, None, None)


def test_the_outcome_form_opens_on_the_latest_cdop_meeting_held_and_its_date(
        cdop_client, partnership, call):
    case = ready_case(partnership)
    heard_at(case, date(2026, 2, 9))
    latest = heard_at(case, date(2026, 3, 12))
    heard_at(case, date(2026, 4, 1))  # not yet held: no choice

    page, values = outcome_form(call, cdop_client, case)

    choices = [label.get_text(strip=True)
               for label in page.html.select("#outcome_meeting ~ * label, .govuk-radios label")
               if "CDOP meeting of" in label.get_text()]
    assert choices == ["CDOP meeting of 12 March 2026", "CDOP meeting of 9 February 2026"]
    assert values["outcome_meeting"] == str(latest.id)
    assert [page.html.select_one(f"#review_completed_on-{part}")["value"]
            for part in ("day", "month", "year")] == ["12", "03", "2026"]


def test_the_review_completes_at_the_meeting_and_the_case_page_says_which(
        cdop_client, partnership, call):
    case = ready_case(partnership)
    meeting = heard_at(case, date(2026, 3, 12))

    record_outcome(call, cdop_client, case, category="chronic", modifiable_factors="no")

    stored = saved(case)
    assert (stored.outcome_meeting_id, stored.review_completed_on, stored.closed_on) == (
        meeting.id, date(2026, 3, 12), date(2026, 3, 12))
    summary = call(cdop_client, "cdr.case", case_id=case.id).text("#outcome-summary")
    assert "Completed at CDOP meeting of 12 March 2026" in summary
    # Reopened, the case no longer has a meeting that completed its review.
    panel_outcome.reopen(stored, "New information", TODAY)
    db.session.commit()
    assert saved(case).outcome_meeting_id is None


@pytest.mark.parametrize("meeting_on", [None, date(2026, 3, 20)])
def test_a_case_not_heard_at_a_cdop_meeting_held_has_no_outcome_form(cdop_client, partnership,
                                                                    call, meeting_on):
    case = ready_case(partnership)
    if meeting_on is not None:
        heard_at(case, meeting_on)  # on the agenda of a CDOP meeting still to come

    page = call(cdop_client, "cdr.case_outcome", case_id=case.id)
    assert "recorded at a CDOP meeting that has taken place" in page.text(".govuk-warning-text")
    assert page.html.select_one("input[name=category]") is None
    assert page.html.select_one("#no-meeting-held a")["href"].endswith("/panel-meetings/new")

    refused = call(cdop_client, "cdr.case_outcome", case_id=case.id, status=400, data={
        "category": "infection", "modifiable_factors": "no",
        "review_completed_on": ["16", "3", "2026"], "outcome_meeting": "1",
        "version": str(case.version)})
    assert refused.errors[0].startswith("Select a CDOP meeting from the list")
    assert saved(case).closed_on is None


def test_another_meeting_posted_by_hand_is_refused(cdop_client, partnership, call):
    case = ready_case(partnership)
    heard_at(case, date(2026, 3, 12))
    elsewhere = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2026, 3, 2))
    db.session.add(elsewhere)
    db.session.commit()  # held, but the case was not on its agenda

    page = record_outcome(call, cdop_client, case, status=400, category="infection",
                          modifiable_factors="no", outcome_meeting=str(elsewhere.id))

    assert page.errors[0].startswith("Select a CDOP meeting from the list")
    assert saved(case).closed_on is None


def test_the_service_refuses_a_meeting_not_yet_held_whoever_calls_it(app, partnership):
    case = ready_case(partnership)
    future = heard_at(case, date(2026, 3, 20))

    with pytest.raises(panel_outcome.OutcomeRefused) as refused:
        panel_outcome.record_outcome(case, meeting_id=future.id, category="infection",
                             modifiable_factors="no", review_completed_on=date(2026, 3, 20),
                             today=TODAY)

    assert refused.value.field == "outcome_meeting"
    assert "a CDOP meeting that has taken place" in str(refused.value)
    assert case.closed_on is None and case.category is None


# --- A past CDOP meeting, recorded with the reason ------------------------------------------

def test_a_past_cdop_meeting_is_recorded_with_who_and_why(cdop_client, panel_client,
                                                          partnership, call):
    response = call(cdop_client, "cdr.new_panel_meeting", status=302, data={
        "meeting_on": ["12", "11", "2025"],
        "recorded_after_reason": "Cases brought in from the old spreadsheet"})

    meeting = db.session.scalar(sa.select(PanelMeeting))
    assert meeting.meeting_on == date(2025, 11, 12)
    assert meeting.recorded_after_reason == "Cases brought in from the old spreadsheet"
    assert meeting.recorded_after_by_id == cdop_client.user.id
    assert response.response.headers["Location"].endswith(f"/panel-meetings/{meeting.id}")
    # Nobody is invited to a meeting that has taken place.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0
    details = db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.object_type == "PanelMeeting", AuditEvent.detail.is_not(None))).all()
    assert details == [f"Recorded the {panel.meeting_title(meeting)} after it took place. "
                       "Reason: Cases brought in from the old spreadsheet"]
    shown = call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id).text("#meeting-details")
    assert (f"Recorded after it took place By {cdop_client.user.full_name}. Reason: Cases "
            "brought in from the old spreadsheet") in shown


def test_a_meeting_to_come_keeps_no_reason_and_invites_the_cdop(cdop_client, panel_client,
                                                                partnership, call):
    call(cdop_client, "cdr.new_panel_meeting", status=302, data={
        "meeting_on": ["16", "3", "2026"], "recorded_after_reason": "Typed by mistake"})

    meeting = db.session.scalar(sa.select(PanelMeeting))
    assert (meeting.recorded_after_reason, meeting.recorded_after_by_id) == (None, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) > 0
    assert "Recorded after" not in call(cdop_client, "cdr.panel_meeting",
                                        meeting_id=meeting.id).text("#meeting-details")


def test_a_past_meeting_reason_has_a_limit(cdop_client, partnership, call):
    page = call(cdop_client, "cdr.new_panel_meeting", status=400, data={
        "meeting_on": ["12", "11", "2025"], "recorded_after_reason": "x" * 401})
    assert page.errors == ["Reason must be 400 characters or fewer"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PanelMeeting)) == 0


def test_the_service_refuses_a_past_meeting_without_a_reason(app, partnership):
    with pytest.raises(panel.MeetingRefused):
        panel.create_meeting(partnership_id=partnership.id, meeting_on=date(2026, 3, 15),
                             starts_at=None, place_or_link=None, notes=None, today=TODAY)


# --- The draft and the confirmed analysis ---------------------------------------------------

def test_the_review_meeting_records_the_draft_apart_from_the_confirmed_analysis(
        cdop_client, partnership, call):
    case = make_case(partnership)

    record_draft(call, cdop_client, case)

    stored = saved(case)
    assert (stored.draft_category, stored.draft_grade_child, stored.draft_grade_physical,
            stored.draft_modifiable, stored.draft_actions) == (
        "infection", "2", "0", "yes", "ICB to audit referral letters.")
    assert stored.draft_factors_physical is None
    assert (stored.category, stored.modifiable_factors, stored.grade_child,
            stored.factors_child) == (None, None, None, None)
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert page.text("#analysis-category") == "Category of death Infection"
    assert page.text("#analysis-grade_child").startswith(
        "Grade: the child 2: Factors identified that may have contributed")
    assert page.text("#analysis-modifiable_reason") == (
        "Why A faster referral might have changed the course.")


@pytest.mark.parametrize(("changes", "message"), [
    ({"draft_grade_social": "3"},
     "Choose one of the grades listed for how much factors in the social environment "
     "contributed"),
    ({"draft_category": "old_age"}, "Select a category of death from the list"),
    ({"draft_modifiable": "maybe"}, "Select whether modifiable factors were identified"),
    ({"draft_factors_child": "Testchild{n} was born early"},
     "Factors in the child must not include the child's name, NHS number or postcode"),
    ({"draft_actions": "Write to ZZ99 3AA"},
     "Actions must not include the child's name, NHS number or postcode"),
    ({"draft_modifiable_reason": "x" * 5001}, "Why must be 5,000 characters or fewer"),
])
def test_a_wrong_draft_is_refused_and_nothing_is_saved(cdop_client, partnership, call,
                                                       changes, message):
    case = make_case(partnership)
    given = db.session.scalar(sa.text("SELECT given_names FROM cdr_child_identity"))
    changes = {key: value.replace("Testchild{n}", given) for key, value in changes.items()}

    page = record_draft(call, cdop_client, case, status=400, **changes)

    assert page.errors == [message]
    stored = saved(case)
    assert stored.review_meeting_on is None and stored.draft_category is None


def test_the_cdop_meeting_confirms_or_changes_the_draft_and_the_change_shows(
        cdop_client, panel_client, partnership, call):
    case = make_case(partnership, information_complete=True)
    record_draft(call, cdop_client, case)
    meeting = heard_at(case, date(2026, 3, 12))
    page, values = outcome_form(call, cdop_client, case)
    # The form opens on the draft.
    assert (values["category"], values["grade_child"], values["modifiable_factors"]) == (
        "infection", "2", "yes")
    assert values["factors_service"] == "Referral letter delayed."

    record_outcome(call, cdop_client, case, category="acute", grade_service="1",
                   outcome_actions="ICB to audit referral letters by June.")

    stored = saved(case)
    assert (stored.category, stored.grade_service, stored.modifiable_factors) == (
        "acute", "1", "yes")
    assert (stored.draft_category, stored.draft_grade_service) == ("infection", "2")
    changed = [row["id"] for row in call(cdop_client, "cdr.case", case_id=case.id)
               .html.select("#analysis-table tbody tr") if row.select(".govuk-tag")]
    assert changed == ["analysis-category", "analysis-grade_service", "analysis-actions"]
    # The CDOP member's anonymised summary shows the draft beside the confirmed analysis.
    summary = call(panel_client, "cdr.panel_case_summary", meeting_id=meeting.id,
                   case_id=case.id)
    assert summary.text("#analysis-category") == (
        "Category of death Infection Acute medical or surgical condition "
        "Changed by the CDOP meeting")


def test_the_confirmed_analysis_refuses_identifying_text(cdop_client, partnership, call):
    case = ready_case(partnership)
    heard_at(case, date(2026, 3, 12))

    page = record_outcome(call, cdop_client, case, status=400, category="infection",
                          modifiable_factors="no", factors_social="Seen at ZZ99 3AA")

    assert page.errors == [
        "Factors in the social environment must not include the child's name, NHS number or "
        "postcode"]
    assert saved(case).closed_on is None


def test_the_annual_report_counts_the_confirmed_analysis_only(app, partnership):
    year = Period(date(2025, 4, 1), date(2026, 3, 31))
    for _ in range(3):
        case = ready_case(partnership, draft_category="suicide", draft_modifiable="no")
        meeting = heard_at(case, date(2026, 3, 12))
        panel_outcome.record_outcome(case, meeting_id=meeting.id, category="infection",
                             modifiable_factors="yes", review_completed_on=date(2026, 3, 12),
                             today=TODAY)
        # A draft alone, never confirmed, is not a review completed.
        ready_case(partnership, draft_category="trauma", draft_modifiable="yes")
    db.session.commit()

    report = annual_report.annual_report(partnership.id, year)

    def shown(title):
        breakdown = next(b for b in report.breakdowns
                         if (b.measure, b.title) == (annual_report.COMPLETED, title))
        return {label: cell.text for label, cell in breakdown.rows}

    categories, modifiable = shown("Category of death"), shown("Modifiable factors identified")
    assert categories["Acute medical or surgical condition"] == "0"
    assert (categories["Infection"], categories["Suicide or deliberate self-inflicted harm"],
            categories["Trauma and other external factors, including medical or surgical "
                       "complications or error"]) == ("3", "0", "0")
    assert (modifiable["Yes"], modifiable["No"]) == ("3", "0")


def test_the_panel_pack_carries_the_draft_domain_by_domain(cdop_client, panel_client,
                                                           partnership, call):
    from tests.workbooks import download, sheet_rows

    case = make_case(partnership, information_complete=True)
    record_draft(call, cdop_client, case)
    meeting = heard_at(case, date(2026, 3, 20))

    _response, book = download(
        panel_client, f"/child-deaths/panel-meetings/{meeting.id}/panel-pack")

    [row] = sheet_rows(book, "Panel pack")
    assert row["Category of death"] == "Proposed: Infection"
    assert row["Factors identified"] == (
        "The child (grade 2): Born prematurely.\n"
        "The social environment (grade 1): Parents struggled to reach the clinic.\n"
        "The physical environment (grade 0): none written\n"
        "Service provision (grade 2): Referral letter delayed.")
    assert row["Learning"] == "Faster referral route."


def test_the_draft_and_the_confirmed_analysis_are_audited(cdop_client, partnership, call):
    case = make_case(partnership, information_complete=True)
    record_draft(call, cdop_client, case)
    meeting = heard_at(case, date(2026, 3, 12))
    record_outcome(call, cdop_client, case, grade_service="1")

    changes = [event.changes for event in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "ChildDeathCase",
                                    AuditEvent.action == "update",
                                    AuditEvent.changes.is_not(None))
        .order_by(AuditEvent.id))]
    draft, outcome = changes[-2], changes[-1]
    assert draft["draft_category"] == [None, "infection"]
    assert draft["draft_modifiable_reason"][1].startswith("A faster referral")
    assert (outcome["grade_service"], outcome["outcome_meeting_id"]) == (
        [None, "1"], [None, meeting.id])
    assert outcome["category"] == [None, "infection"]


def test_a_case_from_a_spreadsheet_completes_at_the_past_cdop_meeting_recorded_for_it(
        cdop_client, partnership, call):
    case = make_case(partnership, information_complete=True,
                     review_meeting_on=date(2025, 10, 1))
    made = call(cdop_client, "cdr.new_panel_meeting", status=302, data={
        "meeting_on": ["4", "11", "2025"],
        "recorded_after_reason": "Reviewed before the tracker; brought in from a spreadsheet"})
    meeting_id = int(made.response.headers["Location"].rsplit("/", 1)[1])
    call(cdop_client, "cdr.panel_ready_cases", meeting_id=meeting_id, status=302,
         data={"case_id": str(case.id)})

    record_outcome(call, cdop_client, case, category="perinatal", modifiable_factors="no")

    stored = saved(case)
    assert (stored.review_completed_on, stored.outcome_meeting_id) == (date(2025, 11, 4),
                                                                       meeting_id)
