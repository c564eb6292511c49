"""Bad input gives a GOV.UK error or a sensible page, never a 500 or a half-saved record."""

import pytest
import sqlalchemy as sa

from tests.conftest import page, submit
from tracker.extensions import db
from tracker.models import ClosureDay, Partnership

HUGE = "99999999999999999999"


def error_summary(response):
    """The text of the GOV.UK error summary, or '' when there is none."""
    summary = page(response).select_one(".govuk-error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


def date_boxes(response, name):
    """What the day, month and year boxes of a date field show."""
    return [box["value"] for box in page(response).find_all("input", attrs={"name": name})]


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- Dates: every part too long or too big is "not a real date" -----------------------------

BAD_DATES = [
    # (day, month, year), the message after "<label> …"
    ([HUGE, "12", "2025"], "must be a real date"),
    (["24", HUGE, "2025"], "must be a real date"),
    (["24", "12", HUGE], "Year must include 4 numbers"),
    ([HUGE, HUGE, HUGE], "must be a real date"),
    (["024", "12", "2025"], "must be a real date"),
    (["24", "012", "2025"], "must be a real date"),
    (["²", "12", "2025"], "must be a real date"),  # a digit to str.isdigit, not to int()
    (["24", "12", "２０２５"], "must be a real date"),  # full-width digits
    (["0", "12", "2025"], "must be a real date"),
    (["24", "13", "2025"], "must be a real date"),
    (["24", "12", "1066"], "must be between 1990 and 2100"),
]


@pytest.mark.parametrize(("day", "message"), BAD_DATES)
def test_a_closure_day_that_is_not_a_real_date_keeps_what_was_typed(
    admin_client, partnership, day, message
):
    response = submit(
        admin_client, "/partnerships/NSP", {"day": day, "description": "Staff training day"}
    )

    assert response.status_code == 400
    assert message in error_summary(response)
    assert date_boxes(response, "day") == day
    typed = page(response).find("input", attrs={"name": "description"})
    assert typed["value"] == "Staff training day"
    assert count(ClosureDay) == 0
    assert db.session.get(Partnership, partnership.id).rules_version == 0


@pytest.mark.parametrize(("day", "message"), BAD_DATES)
def test_a_calculator_date_that_is_not_a_real_date_is_explained(cdop_client, day, message):
    response = cdop_client.get(
        "/timescales/calculator", query_string={"rule": "coroner_notification", "trigger": day}
    )

    assert response.status_code == 400
    assert message in error_summary(response)
    assert date_boxes(response, "trigger") == day


@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize(("day", "message"), BAD_DATES)
def test_an_audit_filter_date_that_is_not_a_real_date_is_explained(
    auditor_client, field, day, message
):
    response = auditor_client.get(
        "/audit/", query_string={field: day, "record_text": "CDOP-NSP"}
    )

    assert response.status_code == 400
    assert message in error_summary(response)
    assert date_boxes(response, field) == day
    assert page(response).find("input", attrs={"name": "record_text"})["value"] == "CDOP-NSP"
