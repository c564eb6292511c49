"""The statutory timescales page and the deadline calculator."""

from datetime import date

import pytest

from tests.conftest import page
from tracker.deadlines import all_rules
from tracker.extensions import db
from tracker.models import ClosureDay, RuleOverride

# The pages read the real today (the relative_dates CI step runs these on awkward days).
pytestmark = pytest.mark.relative_dates

CALCULATOR = "/timescales/calculator"


def calculate(client, rule, day, month, year, partnership=None):
    """Use the calculator the way its GET form does (the date boxes share one name)."""
    query = {"rule": rule, "trigger": [str(day), str(month), str(year)]}
    if partnership is not None:
        query["partnership"] = partnership
    return client.get(CALCULATOR, query_string=query)


def skipped_days(html):
    """(date, reason) rows of the calculator's non-working days table."""
    table = html.find("table", id="skipped-days")
    if table is None:
        return []
    return [
        tuple(cell.get_text(strip=True) for cell in row.find_all("td"))
        for row in table.find("tbody").find_all("tr")
    ]


def error_summary(html):
    summary = html.find(class_="govuk-error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


# --- The timescales page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_fixture",
    ["admin_client", "cdop_client", "doctor_client", "business_client", "panel_client",
     "auditor_client"],
)
def test_every_role_reaches_the_timescales_page_from_the_navigation(request, client_fixture):
    client = request.getfixturevalue(client_fixture)

    home = page(client.get("/"))
    link = home.find("a", string=lambda text: text and text.strip() == "Statutory timescales")
    response = client.get(link["href"])

    assert response.status_code == 200
    assert page(response).find("h1").get_text(strip=True) == "Statutory timescales"


def test_every_rule_is_listed_with_its_timescale_duty_and_source(cdop_client):
    html = page(cdop_client.get("/timescales/"))

    headings = [h.get_text(strip=True) for h in html.find_all("h2")]
    assert {"Child death reviews", "Practice reviews", "Partnership"} <= set(headings)
    for rule in all_rules():
        row = html.find("tr", id=f"rule-{rule.key}")
        assert row is not None, rule.key
        assert rule.label in row.get_text()
        assert rule.citation in row.get_text()
    panel = html.find("tr", id="rule-panel_notification").get_text(" ", strip=True)
    assert "5 working days after" in panel
    assert "Statutory guidance" in panel
    copies = html.find("tr", id="rule-cspr_prepublication_copies").get_text(" ", strip=True)
    assert "7 working days before" in copies and "Statutory duty" in copies
    rapid = html.find("tr", id="rule-rapid_review").get_text(" ", strip=True)
    assert "Panel guidance" in rapid and "Statutory guidance" not in rapid
    publication = html.find("tr", id="rule-cspr_publication").get_text(" ", strip=True)
    assert "6 months after" in publication
    meeting = html.find("tr", id="rule-rr_meeting_1").get_text(" ", strip=True)
    assert "1 to 5 calendar days after" in meeting and "Local practice" in meeting
    rapid = html.find("tr", id="rule-rapid_review").get_text(" ", strip=True)
    assert "Inferred" in rapid
    assert "Inferred" not in panel
    counting = html.get_text(" ", strip=True)
    assert "the first working day after it is day 1" in counting
    assert "counts exactly as if it happened on the Friday before" in counting


def test_the_users_partnership_override_is_shown_beside_the_rule(
    cdop_client, partnership, other_partnership
):
    partnership.overrides.append(
        RuleOverride(rule_key="panel_notification", amount=10, reason="Agreed by the partners")
    )
    other_partnership.overrides.append(
        RuleOverride(rule_key="panel_notification", amount=4, reason="Someone else's")
    )
    db.session.commit()

    row = page(cdop_client.get("/timescales/")).find("tr", id="rule-panel_notification")

    text = row.get_text(" ", strip=True)
    assert "Northshire Partnership: 10 working days after" in text
    assert "Agreed by the partners" in text
    assert "Southvale" not in text and "Someone else's" not in text


# --- The calculator ----------------------------------------------------------------------


def test_the_calculator_skips_christmas_and_new_year(cdop_client):
    response = calculate(cdop_client, "panel_notification", 23, 12, 2024)

    assert response.status_code == 200
    html = page(response)
    assert html.find("h2", id="result").get_text(" ", strip=True) == (
        "Due date: Thursday 2 January 2025"
    )
    assert skipped_days(html) == [
        ("Wednesday 25 December 2024", "Christmas Day"),
        ("Thursday 26 December 2024", "Boxing Day"),
        ("Saturday 28 December 2024", "Saturday"),
        ("Sunday 29 December 2024", "Sunday"),
        ("Wednesday 1 January 2025", "New Year's Day"),
    ]


def test_the_calculator_answer_has_its_own_link_and_keeps_the_choices(cdop_client):
    html = page(calculate(cdop_client, "panel_notification", 23, 12, 2024))

    assert html.find("select", id="rule").find("option", selected=True)["value"] == (
        "panel_notification"
    )
    days = [box["value"] for box in html.find_all("input", attrs={"name": "trigger"})]
    assert days == ["23", "12", "2024"]
    assert html.find("form", action=CALCULATOR)["method"] == "get"


def test_the_calculator_counts_back_before_a_publication_date(cdop_client):
    html = page(calculate(cdop_client, "cspr_prepublication_copies", 5, 1, 2026))

    assert "Monday 22 December 2025" in html.find("h2", id="result").get_text()
    reasons = [reason for _, reason in skipped_days(html)]
    assert {"Christmas Day", "Boxing Day", "New Year's Day"} <= set(reasons)


def test_the_calculator_shows_a_window_and_that_calendar_days_skip_nothing(cdop_client):
    html = page(calculate(cdop_client, "rr_meeting_1", 1, 3, 2025))

    assert html.find("h2", id="result").get_text(" ", strip=True) == (
        "Window: Sunday 2 March 2025 to Thursday 6 March 2025"
    )
    assert skipped_days(html) == []
    assert "weekends and bank holidays count" in html.get_text()


def test_a_weekend_start_counts_as_the_friday_before_and_is_explained(cdop_client):
    html = page(calculate(cdop_client, "panel_notification", 21, 12, 2024))

    assert html.find("h2", id="result").get_text(" ", strip=True) == (
        "Due date: Tuesday 31 December 2024"
    )
    explained = html.find(id="trigger-not-working").get_text(" ", strip=True)
    assert "Saturday 21 December 2024 is not a working day (Saturday)" in explained
    assert "counts exactly as Friday 20 December 2024" in explained
    assert "Day 1 is Monday 23 December 2024" in html.find(id="day-one").get_text()
    # The trigger itself is not a skipped day: only days after it are.
    assert skipped_days(html) == [
        ("Sunday 22 December 2024", "Sunday"),
        ("Wednesday 25 December 2024", "Christmas Day"),
        ("Thursday 26 December 2024", "Boxing Day"),
        ("Saturday 28 December 2024", "Saturday"),
        ("Sunday 29 December 2024", "Sunday"),
    ]


def test_a_bank_holiday_start_counts_as_the_working_day_before(cdop_client):
    html = page(calculate(cdop_client, "panel_notification", 18, 4, 2025))  # Good Friday

    # Tue 22 (1), Wed 23, Thu 24, Fri 25, Mon 28 April (5): Easter Monday is skipped.
    assert "Monday 28 April 2025" in html.find("h2", id="result").get_text()
    explained = html.find(id="trigger-not-working").get_text(" ", strip=True)
    assert "(Good Friday)" in explained and "Thursday 17 April 2025" in explained
    assert ("Friday 18 April 2025", "Good Friday") not in skipped_days(html)


def test_a_working_day_start_is_not_explained_as_non_working(cdop_client):
    html = page(calculate(cdop_client, "panel_notification", 23, 12, 2024))

    assert html.find(id="trigger-not-working") is None
    assert "Day 1 is Tuesday 24 December 2024" in html.find(id="day-one").get_text()


def test_the_calculator_uses_the_partnerships_closure_days_and_override(
    cdop_client, partnership
):
    partnership.closure_days.append(ClosureDay(day=date(2024, 12, 24), description="Office closed"))
    partnership.overrides.append(
        RuleOverride(rule_key="agency_information_request", amount=6, reason="Agreed locally")
    )
    db.session.commit()

    ours = page(calculate(cdop_client, "agency_information_request", 23, 12, 2024, "NSP"))
    standard = page(calculate(cdop_client, "agency_information_request", 23, 12, 2024, ""))

    assert "Monday 6 January 2025" in ours.find("h2", id="result").get_text()
    assert ("Tuesday 24 December 2024", "Local closure: Office closed") in skipped_days(ours)
    summary = ours.find(class_="govuk-summary-list").get_text(" ", strip=True)
    assert "6 working days after" in summary
    assert "own timescale" in summary and "Agreed locally" in summary
    assert "Thursday 16 January 2025" in standard.find("h2", id="result").get_text()
    assert "England and Wales bank holidays only" in standard.find(
        class_="govuk-summary-list"
    ).get_text()


def test_the_calculator_counts_a_statutory_rule_without_the_partnerships_closure_days(
    cdop_client, partnership
):
    partnership.closure_days.append(ClosureDay(day=date(2024, 12, 24), description="Office closed"))
    db.session.commit()

    ours = page(calculate(cdop_client, "panel_notification", 23, 12, 2024, "NSP"))

    assert "Thursday 2 January 2025" in ours.find("h2", id="result").get_text()
    assert "Tuesday 24 December 2024" not in dict(skipped_days(ours))
    summary = ours.find(class_="govuk-summary-list").get_text(" ", strip=True)
    assert "closure days never move a statutory or Panel timescale" in summary


def test_the_calculator_defaults_to_the_users_first_partnership(cdop_client):
    html = page(cdop_client.get(CALCULATOR))

    chosen = html.find("select", id="partnership").find("option", selected=True)
    assert chosen.get_text(strip=True) == "Northshire Partnership"
    assert html.find("h2", id="result") is None


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        (31, 2, 2025, "Date the clock starts must be a real date"),
        ("x", 2, 2025, "Date the clock starts must be a real date"),
        ("", "", "", "Enter the date the clock starts"),
        (1, "", 2025, "must include a month"),
        (1, 2, 25, "Year must include 4 numbers"),
        (1, 2, 1980, "must be between 1990 and 2100"),
    ],
)
def test_a_wrong_date_gets_the_error_summary(cdop_client, day, month, year, message):
    response = calculate(cdop_client, "panel_notification", day, month, year)

    assert response.status_code == 400
    html = page(response)
    assert message in error_summary(html)
    assert html.find("title").get_text().startswith("Error:")
    assert html.find("h2", id="result") is None


def test_an_unknown_rule_or_someone_elses_partnership_is_refused(cdop_client, other_partnership):
    unknown = calculate(cdop_client, "not_a_rule", 23, 12, 2024)
    elsewhere = calculate(cdop_client, "panel_notification", 23, 12, 2024, "SVP")

    assert unknown.status_code == 400
    assert "Select a timescale from the list" in error_summary(page(unknown))
    assert elsewhere.status_code == 400
    assert "Select a partnership from the list" in error_summary(page(elsewhere))


def test_a_date_whose_answer_falls_off_the_calendar_is_an_error_not_a_crash(cdop_client):
    response = calculate(cdop_client, "cspr_public_until", 1, 6, 2100)

    assert response.status_code == 400
    assert "outside the calendar" in error_summary(page(response))


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(CALCULATOR)

    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


# --- Two editions side by side ---------------------------------------------------------------


def test_the_page_shows_both_editions_side_by_side_with_the_differences_marked(cdop_client):
    html = page(cdop_client.get("/timescales/"))

    for edition in ("WT2018", "WT2023"):
        for rule in all_rules(edition):
            cell = html.find("td", id=f"rule-{rule.key}-{edition}")
            assert rule.citation in cell.get_text(" ", strip=True), (edition, rule.key)
    assert "Working Together 2023 (current)" in html.find(id="heading-WT2023").get_text()

    def changes(key):
        return html.find(id=f"rule-{key}-changes").get_text(" ", strip=True)

    for key in ("care_leaver_death_notification", "cspr_prepublication_ofsted"):
        assert "Not in Working Together 2018" in html.find(id=f"rule-{key}-WT2018").get_text()
        assert changes(key) == "New in Working Together 2023"
    assert "No longer inferred" in changes("rapid_review")
    assert "Inferred" in html.find(id="rule-rapid_review-WT2018").get_text()
    assert "Inferred" not in html.find(id="rule-rapid_review-WT2023").get_text()
    assert "Label changed" in changes("yearly_report_copies")
    assert "Called: Send the yearly report to the Panel and the What Works Centre" in html.find(
        id="rule-yearly_report_copies-WT2018").get_text(" ", strip=True)
    assert "Citation changed" in changes("coroner_notification")
    assert "Timescale changed" not in html.get_text()
    explained = html.find(id="editions").find_next("ul").get_text(" ", strip=True)
    assert "before 15 December 2023" in explained
    assert "cited to a paragraph only where the paragraph was read" in explained
    assert "Otherwise the citation is to the chapter" in explained


@pytest.mark.parametrize("key", [rule.key for rule in all_rules("WT2018")])
def test_the_calculator_gives_a_shared_rule_the_same_date_under_both_editions(cdop_client, key):
    answers = {}
    for edition in ("WT2018", "WT2023"):
        response = cdop_client.get(CALCULATOR, query_string={
            "edition": edition, "rule": key, "trigger": ["19", "12", "2025"]})
        assert response.status_code == 200, (edition, key)
        html = page(response)
        answers[edition] = html.find("h2", id="result").get_text(" ", strip=True)
        summary = html.find(class_="govuk-summary-list").get_text(" ", strip=True)
        assert f"Edition Working Together {edition[2:]}" in summary
    assert answers["WT2018"] == answers["WT2023"]


def test_the_calculator_asks_which_edition_and_defaults_to_the_current_one(cdop_client):
    html = page(cdop_client.get(CALCULATOR))
    chosen = html.find("select", id="edition").find("option", selected=True)
    assert chosen["value"] == "WT2023"
    answer = page(calculate(cdop_client, "care_leaver_death_notification", 22, 12, 2025))
    assert "Wednesday 31 December 2025" in answer.find("h2", id="result").get_text()


def test_a_rule_new_in_2023_is_not_calculated_under_2018(cdop_client):
    response = cdop_client.get(CALCULATOR, query_string={
        "edition": "WT2018", "rule": "care_leaver_death_notification",
        "trigger": ["22", "12", "2025"]})

    assert response.status_code == 400
    assert "is not a timescale of Working Together 2018" in error_summary(page(response))
