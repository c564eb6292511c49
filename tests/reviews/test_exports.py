"""The practice review tracker as a spreadsheet: filtered as on screen, every date, every
stored deadline with its due date and status, the child's name only on request."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from reviews.models import PublicationDelay
from tests.conftest import sign_in
from tests.factories import make_user
from tests.reviews.factories import make_incident
from tests.tracker.test_audit import count_queries
from tests.workbooks import download, sheet_rows, workbook_text
from tracker.audit import Action, AuditEvent
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 1, 10)
URL = "/practice-reviews/spreadsheet"


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def export_events():
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.EXPORT.value)).all()


@pytest.fixture
def incidents(partnership):
    """A new incident (Panel notification overdue) and a delayed local review."""
    new = make_incident(partnership, reference="CSPR-NSP-2024-0001",
                        la_aware_on=date(2024, 12, 23), child_name="Zara Quintrell")
    delayed = make_incident(partnership, reference="CSPR-NSP-2024-0002",
                            la_aware_on=date(2024, 1, 2), panel_notified_on=date(2024, 1, 12),
                            panel_late_reason="Referral reached the wrong team",
                            partners_notified_on=date(2024, 1, 3),
                            rapid_review_sent_on=date(2024, 1, 10), decision="local",
                            decision_on=date(2024, 2, 1), stage="review",
                            child_reference="-Child D")
    db.session.add(PublicationDelay(incident_id=delayed.id, partnership_id=partnership.id,
                                    reason="inquest", revised_on=date(2025, 3, 1),
                                    recorded_on=date(2024, 9, 1)))
    db.session.commit()
    return {"new": new, "delayed": delayed}


def test_every_incident_with_its_dates_and_every_deadline_with_its_status(business_client,
                                                                          incidents):
    response, book = download(business_client, URL)

    assert response.headers["Content-Disposition"] == (
        "attachment; filename=practice-reviews-2025-01-10.xlsx")
    assert book.sheetnames == ["About this file", "Practice reviews", "Deadlines"]
    new, delayed = sheet_rows(book, "Practice reviews")  # latest awareness first
    assert new["Reference"] == "CSPR-NSP-2024-0001" and new["Stage"] == "Notified"
    assert new["Local authority aware"] == datetime(2024, 12, 23)
    assert delayed["Decision"] == "Local child safeguarding practice review"
    assert delayed["Decision made"] == datetime(2024, 2, 1)
    assert delayed["Rapid review sent"] == datetime(2024, 1, 10)
    assert delayed["Publication delayed because"] == "Inquest"
    deadlines = sheet_rows(book, "Deadlines")
    panel = next(row for row in deadlines if row["Reference"] == "CSPR-NSP-2024-0001"
                 and row["Deadline"].startswith("Notify the Child Safeguarding"))
    assert panel["Starts from"] == datetime(2024, 12, 23)
    assert panel["Due"] == datetime(2025, 1, 2) and panel["Status"] == "Overdue"
    publish = next(row for row in deadlines if row["Reference"] == "CSPR-NSP-2024-0002"
                   and row["Deadline"].startswith("Publish the local"))
    assert publish["Due"] == datetime(2024, 8, 1) and publish["Status"] == "Overdue"
    # The reasons recorded on the incident's forms, beside the deadlines they explain.
    assert publish["Reason recorded"] == "Delayed: Inquest"
    late = next(row for row in deadlines if row["Reference"] == "CSPR-NSP-2024-0002"
                and row["Deadline"].startswith("Notify the Child Safeguarding"))
    assert late["Met"] == datetime(2024, 1, 12) and late["Status"] == "Met late"
    assert late["Reason recorded"] == "Late: Referral reached the wrong team"
    met = next(row for row in deadlines if row["Reference"] == "CSPR-NSP-2024-0002"
               and row["Deadline"].startswith("Report the serious incident to the"))
    assert met["Met"] == datetime(2024, 1, 3) and met["Status"] == "Met on time"
    assert met["Reason recorded"] is None
    # A pseudonym that a spreadsheet would take for a formula is shown as text.
    assert delayed["Child"] == "-Child D"
    assert book["Practice reviews"]["C3"].data_type == "s"
    assert book["Practice reviews"]["C3"].quotePrefix


def test_the_name_only_when_asked_for(business_client, incidents):
    _, plain = download(business_client, URL)
    assert "Zara" not in workbook_text(plain)
    assert "Child's name" not in sheet_rows(plain, "Practice reviews")[0]

    _, named = download(business_client, f"{URL}?identifying=yes")
    assert sheet_rows(named, "Practice reviews")[0]["Child's name"] == "Zara Quintrell"


def test_filtered_as_on_screen_and_audited(business_client, incidents):
    _, book = download(business_client, f"{URL}?decision=local&sort=reference&order=asc")

    assert [row["Reference"] for row in sheet_rows(book, "Practice reviews")] == [
        "CSPR-NSP-2024-0002"]
    assert {row["Reference"] for row in sheet_rows(book, "Deadlines")} == {"CSPR-NSP-2024-0002"}
    cover = [list(row[:2]) for row in book["About this file"].iter_rows(values_only=True)]
    assert ["Order", "Reference, A to Z"] in cover
    (event,) = export_events()
    assert event.object_type == "Practice review tracker"
    assert event.detail.startswith(
        "Practice review tracker: Practice reviews 1 row, Deadlines 4 rows. Filters: ")
    assert "Decision: Local child safeguarding practice review" in event.detail


@pytest.mark.parametrize("role", [Role.CDOP_ADMIN, Role.AUDITOR, Role.PANEL_MEMBER])
def test_only_roles_that_may_export_practice_reviews_can(app, partnership, incidents, role):
    client = app.test_client()
    sign_in(client, make_user(role, [partnership]).email)
    assert client.get(URL).status_code == 403
    assert export_events() == []


def test_the_tracker_list_links_to_the_download_with_its_filters(business_client, incidents,
                                                                 call):
    page = call(business_client, "reviews.tracker", decision="local")
    links = [a["href"] for a in page.html.select("#tracker-downloads a")]
    assert links == [f"{URL}?decision=local", f"{URL}?identifying=yes&decision=local"]


def test_bad_filters_go_back_to_the_list(business_client, incidents):
    response = business_client.get(f"{URL}?decision=nonsense")
    assert response.status_code == 302
    assert response.headers["Location"] == "/practice-reviews/?decision=nonsense"


def test_the_same_queries_for_one_incident_or_many(business_client, partnership):
    make_incident(partnership, child_name="A Name")
    with count_queries() as few:
        download(business_client, f"{URL}?identifying=yes")
    for _ in range(5):
        make_incident(partnership, child_name="Another Name")
    with count_queries() as many:
        _, book = download(business_client, f"{URL}?identifying=yes")
    assert len(sheet_rows(book, "Practice reviews")) == 6
    assert len(many) == len(few)


def test_the_download_link_carries_only_the_lists_own_filters(business_client, incidents):
    from tests.conftest import Page

    page = Page(business_client.get("/practice-reviews/", query_string={
        "decision": "local", "endpoint": "x", "values": "y", "identifying": "yes"}))
    assert page.status == 200
    links = [a["href"] for a in page.html.select("#tracker-downloads a")]
    assert links == [f"{URL}?decision=local", f"{URL}?identifying=yes&decision=local"]
