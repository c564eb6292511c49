"""Deadline compliance: the figures per rule from deadlines with known dates, who may see
them, partnership scoping, the page's fixed query count, the chart and the workbook."""

from datetime import date

import pytest

from tests.conftest import Page
from tests.factories import make_user
from tests.tracker.test_audit import count_queries
from tracker import compliance
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 6, 16)
PERIOD = compliance.Period(date(2025, 4, 1), date(2025, 6, 30))
# tracker.deadlines' titles of the two rules used below.
REGISTRAR = "Registrar supplies the particulars of the death to the child death review partners"
CORONER = "Coroner notifies the child death review partners"
_ids = iter(range(1, 10_000))


def deadline(partnership, rule="registrar_notification", due=date(2025, 5, 1), *, met=None,
             owner_type="cdr_case", **fields):
    """A stored deadline with known dates (owned by an invented case id)."""
    row = Deadline(partnership_id=partnership.id, owner_type=owner_type, owner_id=next(_ids),
                   rule_key=rule, due_date=due, met_on=met, **fields)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture(autouse=True)
def frozen_today(clock):
    clock.set(TODAY)


def known_deadlines(partnership):
    """Registrar: 2 on time, 3 late (2, 5 and 9 days), 1 missed, 1 outstanding, 1 paused,
    1 not applicable, 1 extended and met by the extended date; coroner: 1 late by 4."""
    deadline(partnership, met=date(2025, 4, 30))
    deadline(partnership, met=date(2025, 5, 1))
    for days in (2, 5, 9):
        deadline(partnership, met=date(2025, 5, 1 + days))
    deadline(partnership, due=date(2025, 6, 13))                       # missed
    deadline(partnership, due=date(2025, 6, 16))                       # outstanding (today)
    deadline(partnership, due=date(2025, 4, 10), paused_reason="Inquest")
    deadline(partnership, due=date(2025, 4, 10), not_applicable_reason="No registration")
    deadline(partnership, due=date(2025, 4, 10), extended_to=date(2025, 4, 20),
             extension_reason="Agreed", met=date(2025, 4, 18))
    deadline(partnership, "coroner_notification", due=date(2025, 6, 2), met=date(2025, 6, 6))


def test_figures_per_rule_from_known_dates(app, partnership):
    known_deadlines(partnership)
    deadline(partnership, due=date(2025, 3, 31), met=date(2025, 4, 30))  # due before the period
    deadline(partnership, due=date(2025, 7, 1))                          # due after it
    rows, total = compliance.rule_compliance(partnership.id, PERIOD, ["cdr_case"], TODAY)
    registrar, coroner = rows
    assert (registrar.title, coroner.title) == (REGISTRAR, CORONER)
    assert registrar[2:10] == (10, 3, 3, 1, 1, 1, 1, 1)
    assert registrar.median_days_late == 5
    assert registrar.percent_on_time == 43  # 3 of the 7 met or missed
    assert (coroner.met_late, coroner.median_days_late) == (1, 4)
    assert total[2:8] == (11, 3, 4, 1, 1, 1)
    assert total.median_days_late == 4.5  # 2, 4, 5, 9


def test_paused_or_not_applicable_deadlines_counted_as_the_module_says(app, partnership):
    """The page reads most deadlines from an index without the reasons: those set aside by
    one still land in their own group, with their days late and extensions."""
    deadline(partnership, met=date(2025, 5, 4), paused_reason="Inquest")        # met late
    deadline(partnership, paused_reason="Inquest", extended_to=date(2025, 5, 9),
             extension_reason="Agreed")                                        # paused
    deadline(partnership, met=date(2025, 5, 8), not_applicable_reason="Moved",
             extended_to=date(2025, 5, 2), extension_reason="Agreed")          # not applicable
    deadline(partnership, met=date(2025, 5, 9))                                 # late by 8
    rows, total = compliance.rule_compliance(partnership.id, PERIOD, ["cdr_case"], TODAY)
    assert rows[0][2:10] == (4, 0, 2, 0, 0, 1, 1, 1)
    assert total.median_days_late == 5.5  # 3 and 8


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(app, partnership):
    for days in (1, 2, 6, 30):
        deadline(partnership, met=date(2025, 5, 1 + days))
    rows, _ = compliance.rule_compliance(partnership.id, PERIOD, ["cdr_case"], TODAY)
    assert rows[0].median_days_late == 4


def test_the_period_includes_its_first_and_last_days(app, partnership):
    deadline(partnership, due=PERIOD.start, met=PERIOD.start)
    deadline(partnership, due=PERIOD.end)
    rows, total = compliance.rule_compliance(partnership.id, PERIOD, ["cdr_case"], TODAY)
    assert (total.due, total.met_on_time, total.outstanding) == (2, 1, 1)


def test_only_the_owner_types_the_user_may_see_are_counted(app, partnership):
    deadline(partnership)
    deadline(partnership, "panel_notification", owner_type="serious_incident")
    rows, total = compliance.rule_compliance(partnership.id, PERIOD, ["cdr_case"], TODAY)
    assert [row.rule_key for row in rows] == ["registrar_notification"]
    assert compliance.rule_compliance(partnership.id, PERIOD, [], TODAY) == ([], None)


def test_reporting_years():
    assert compliance.reporting_year(date(2026, 3, 31)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert compliance.reporting_year(date(2026, 4, 1)) == (date(2026, 4, 1), date(2027, 3, 31))
    assert compliance.latest_complete_year(date(2026, 12, 4)) == (date(2025, 4, 1),
                                                                  date(2026, 3, 31))


# --- The page ------------------------------------------------------------------------------

URL = "/deadline-compliance/?partnership=NSP&date_from=1&date_from=4&date_from=2025" \
      "&date_to=30&date_to=6&date_to=2025"


def cells(page, rule):
    row = page.html.select_one(f'tr[data-rule="{rule}"]')
    return {cell["data-col"]: cell.get_text(strip=True) for cell in row.select("td")}


def test_page_shows_the_figures_a_table_and_a_chart(cdop_client, partnership):
    known_deadlines(partnership)
    page = Page(cdop_client.get(URL))
    assert page.status == 200
    assert cells(page, "registrar_notification") == {
        "due": "10", "met_on_time": "3", "met_late": "3", "missed": "1", "outstanding": "1",
        "paused": "1", "not_applicable": "1", "percent": "43%", "median": "5"}
    assert cells(page, "*")["median"] == "4.5"
    assert REGISTRAR in page.text("#compliance")
    svg = page.html.select_one("#compliance-chart svg")
    assert svg["role"] == "img" and svg.title.get_text() and svg.desc.get_text()
    assert "Met on time" in svg.get_text() and "3 of 7 on time" in svg.get_text()


def test_page_defaults_to_this_reporting_year_and_the_first_partnership(cdop_client,
                                                                         partnership):
    deadline(partnership, due=date(2025, 4, 1), met=date(2025, 4, 1))
    page = Page(cdop_client.get("/deadline-compliance/"))
    assert page.status == 200
    assert page.text("#period") == "Northshire Partnership: 1 April 2025 to 31 March 2026"
    assert cells(page, "*")["met_on_time"] == "1"


def test_another_partnerships_deadlines_are_never_counted(cdop_client, partnership,
                                                          other_partnership):
    deadline(partnership, met=date(2025, 5, 1))
    deadline(other_partnership, met=date(2025, 5, 9))
    page = Page(cdop_client.get(URL))
    assert cells(page, "*")["due"] == "1"
    refused = Page(cdop_client.get(URL.replace("NSP", "SVP")))
    assert refused.status == 400
    assert refused.errors == ["Select a partnership from the list"]


def test_a_business_unit_counts_practice_review_deadlines_only(business_client, partnership):
    deadline(partnership)
    deadline(partnership, "panel_notification", owner_type="serious_incident")
    page = Page(business_client.get(URL))
    assert [row["data-rule"] for row in page.html.select("tr[data-rule]")] == [
        "panel_notification", "*"]


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.PANEL_MEMBER])
def test_roles_that_see_no_cases_are_refused(client, partnership, role):
    from tests.conftest import sign_in

    user = make_user(role, [partnership])
    sign_in(client, user.email)
    assert client.get(URL).status_code == 403
    assert client.get(URL.replace("/?", "/spreadsheet?")).status_code == 403


def test_auditor_sees_both_domains(auditor_client, partnership):
    deadline(partnership)
    deadline(partnership, "panel_notification", owner_type="serious_incident")
    page = Page(auditor_client.get(URL))
    assert cells(page, "*")["due"] == "2"
    assert page.html.select_one("#download") is None  # auditors have no exports


def test_bad_dates_get_an_error_summary(cdop_client, partnership):
    page = Page(cdop_client.get(URL.replace("date_to=30&date_to=6&date_to=2025",
                                            "date_to=1&date_to=3&date_to=2025")))
    assert page.status == 400
    assert page.errors == ["The last day must be the same as or after the first day"]


def test_the_page_issues_a_fixed_number_of_queries(cdop_client, partnership):
    known_deadlines(partnership)
    with count_queries() as few:
        assert cdop_client.get(URL).status_code == 200
    for day in range(1, 29):
        deadline(partnership, due=date(2025, 5, day), met=date(2025, 6, day))
        deadline(partnership, "coroner_notification", due=date(2025, 5, day))
    with count_queries() as many:
        assert cdop_client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_workbook_holds_the_figures_and_is_audited(cdop_client, partnership):
    from tests.workbooks import download, sheet_rows

    known_deadlines(partnership)
    _, workbook = download(cdop_client, URL.replace("/?", "/spreadsheet?"))
    assert workbook.sheetnames == ["About this file", "Compliance by rule"]
    rows = {row["Rule"]: row for row in sheet_rows(workbook, "Compliance by rule")}
    assert rows[REGISTRAR]["Met late"] == 3 and rows[REGISTRAR]["Median days late"] == 5
    assert rows["All deadlines"]["Due in the period"] == 11
    (chart,) = workbook["Compliance by rule"]._charts
    assert (chart.type, chart.grouping, len(chart.series)) == ("bar", "stacked", 4)
    assert "OFFICIAL-SENSITIVE" in [c for row in workbook["About this file"].iter_rows(
        values_only=True) for c in row]
    event = db.session.query(AuditEvent).filter_by(action="export").one()
    assert event.partnership_id == partnership.id and "Deadline compliance" in event.detail


def test_the_case_list_and_the_tracker_list_link_to_it(cdop_client, business_client,
                                                        partnership):
    for client, url in ((cdop_client, "/child-deaths/"), (business_client, "/practice-reviews/")):
        link = Page(client.get(url)).html.select_one("#compliance-link")
        assert link["href"] == "/deadline-compliance/"


def test_the_download_link_carries_only_the_choices(cdop_client, partnership):
    deadline(partnership)
    page = Page(cdop_client.get(URL + "&endpoint=x&_external=1&_anchor=y"))
    assert page.status == 200
    assert page.html.select_one("#download")["href"] == (
        "/deadline-compliance/spreadsheet?partnership=NSP&date_from=1&date_from=4"
        "&date_from=2025&date_to=30&date_to=6&date_to=2025")
