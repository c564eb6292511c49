"""The tracker list: every incident and review of the user's partnerships, its filters, sort
and pages, each row's next deadline (with the reason a delayed review is late), and a fixed
number of queries whatever the number of incidents."""

from datetime import date

import pytest
import sqlalchemy as sa

from reviews.models import PublicationDelay, Reviewer
from tests.reviews.factories import make_incident
from tracker.deadline_models import Deadline
from tracker.extensions import db

TODAY = date(2025, 1, 10)


@pytest.fixture(autouse=True)
def _today(clock):
    """The pages' today is fixed: Friday 10 January 2025."""
    clock.set(TODAY)


def references(page):
    return [link.get_text(strip=True)
            for link in page.html.select("#tracker-list tbody tr td:first-child a")]


def test_the_list_shows_each_incident_with_its_next_deadline(business_client, partnership,
                                                             other_partnership, call):
    overdue = make_incident(partnership, reference="CSPR-NSP-2024-0001",
                            la_aware_on=date(2024, 12, 23))
    make_incident(other_partnership, reference="CSPR-SVP-2024-0001")

    page = call(business_client, "reviews.tracker")

    assert references(page) == ["CSPR-NSP-2024-0001"]
    row = page.text("#tracker-list tbody tr")
    assert overdue.child_reference in row
    assert "Notify the Child Safeguarding Practice Review Panel, 2 January 2025 Overdue" in row
    assert page.text("#incident-count") == "1 incident"


def test_a_delayed_review_shows_its_reason_beside_the_overdue_tag(business_client,
                                                                  partnership, call):
    incident = make_incident(partnership, la_aware_on=date(2024, 1, 2),
                             panel_notified_on=date(2024, 1, 3),
                             partners_notified_on=date(2024, 1, 3),
                             rapid_review_sent_on=date(2024, 1, 10), decision="local",
                             decision_on=date(2024, 2, 1), stage="review")
    for recorded, reason in ((date(2024, 7, 1), "criminal_investigation"),
                             (date(2024, 9, 1), "inquest")):
        db.session.add(PublicationDelay(incident_id=incident.id,
                                        partnership_id=partnership.id, reason=reason,
                                        revised_on=date(2025, 3, 1), recorded_on=recorded))
    db.session.commit()

    row = call(business_client, "reviews.tracker").text("#tracker-list tbody tr")

    assert "Publish the local child safeguarding practice review, 1 August 2024 Overdue" in row
    assert "Publication delayed: Inquest" in row


def test_filters(business_client, partnership, call):
    make_incident(partnership, reference="CSPR-NSP-2024-0001", la_aware_on=date(2024, 12, 23))
    soon = make_incident(partnership, reference="CSPR-NSP-2025-0001",
                         incident_date=date(2025, 1, 6), la_aware_on=date(2025, 1, 8))
    local = make_incident(partnership, reference="CSPR-NSP-2024-0002",
                          la_aware_on=date(2024, 6, 3), panel_notified_on=date(2024, 6, 4),
                          partners_notified_on=date(2024, 6, 4),
                          rapid_review_sent_on=date(2024, 6, 20), decision="local",
                          decision_on=date(2024, 8, 1), converted=True, stage="review")
    make_incident(partnership, reference="CSPR-NSP-2024-0003", la_aware_on=date(2024, 5, 1),
                  panel_notified_on=date(2024, 5, 2), partners_notified_on=date(2024, 5, 2),
                  rapid_review_sent_on=date(2024, 5, 20), decision="none",
                  decision_on=date(2024, 6, 1), stage="no_review")
    db.session.add(Reviewer(incident_id=local.id, partnership_id=partnership.id,
                            name="Invented Reviewer"))
    db.session.commit()

    def listed(**args):
        return sorted(references(call(business_client, "reviews.tracker", **args)))

    assert listed(overdue="y") == ["CSPR-NSP-2024-0001"]
    assert listed(due_soon="y") == [soon.reference]
    assert listed(decision="local") == ["CSPR-NSP-2024-0002"]
    assert listed(decision="undecided") == ["CSPR-NSP-2024-0001", "CSPR-NSP-2025-0001"]
    assert listed(converted="yes") == ["CSPR-NSP-2024-0002"]
    assert listed(converted="no") == ["CSPR-NSP-2024-0001", "CSPR-NSP-2024-0003",
                                      "CSPR-NSP-2025-0001"]
    assert listed(reviewer="invented") == ["CSPR-NSP-2024-0002"]
    assert listed(reviewer="50%_") == []
    assert listed(stage="no_review") == ["CSPR-NSP-2024-0003"]
    assert "No incidents match these filters." in call(
        business_client, "reviews.tracker", stage="published").text()


def _due(incident, due, **columns):
    """Leave the incident one open deadline, due on `due` with these columns; others met."""
    first, *others = db.session.scalars(sa.select(Deadline).where(
        Deadline.owner_type == "serious_incident", Deadline.owner_id == incident.id,
        Deadline.due_date.is_not(None)).order_by(Deadline.id)).all()
    for other in others:
        other.met_on = date(2024, 1, 2)
    first.due_date = due
    for name, value in columns.items():
        setattr(first, name, value)
    db.session.commit()


def test_the_overdue_and_due_soon_filters_at_their_edges(business_client, partnership,
                                                         other_partnership, call):
    yesterday, horizon = date(2025, 1, 9), date(2025, 1, 24)  # 14 days from TODAY
    names = ("past", "due_today", "paused", "extended_to_today", "extension_passed", "met",
             "not_applicable", "at_horizon", "extended_past_horizon", "past_horizon")
    made = {name: make_incident(partnership, la_aware_on=date(2024, 6, 3), decision="local",
                                stage="review") for name in names}
    _due(made["past"], yesterday)
    _due(made["due_today"], TODAY)
    _due(made["paused"], yesterday, paused_reason="Criminal proceedings")
    _due(made["extended_to_today"], date(2024, 12, 2), extended_to=TODAY)
    _due(made["extension_passed"], date(2024, 12, 2), extended_to=yesterday)
    _due(made["met"], yesterday, met_on=TODAY)
    _due(made["not_applicable"], yesterday, not_applicable_reason="Not needed")
    _due(made["at_horizon"], horizon)
    _due(made["extended_past_horizon"], TODAY, extended_to=date(2025, 1, 25))
    _due(made["past_horizon"], date(2025, 1, 25))
    theirs = make_incident(other_partnership, decision="local", stage="review")
    _due(theirs, yesterday)

    def listed(**args):
        page = call(business_client, "reviews.tracker", decision="local", **args)
        return set(references(page)), page.text("#incident-count")

    assert listed(overdue="y") == (
        {made["past"].reference, made["extension_passed"].reference}, "2 incidents")
    due_soon, _ = listed(due_soon="y")
    assert {made["due_today"].reference, made["at_horizon"].reference} <= due_soon
    assert due_soon.isdisjoint(made[name].reference for name in (
        "past", "paused", "met", "not_applicable", "extended_past_horizon", "past_horizon"))


@pytest.mark.parametrize(("args", "message"), [
    ({"stage": "nonsense"}, "Select a stage from the list"),
    ({"decision": "nonsense"}, "Select a decision from the list"),
    ({"converted": "perhaps"}, "Select whether the review was converted"),
    ({"reviewer": "x" * 101}, "Reviewer must be 100 characters or fewer"),
])
def test_a_bad_filter_says_so_and_shows_everything(business_client, partnership, call, args,
                                                  message):
    make_incident(partnership)

    page = call(business_client, "reviews.tracker", status=400, **args)

    assert message in page.errors
    assert len(references(page)) == 1


def test_sort_and_pages(app, business_client, partnership, call, monkeypatch):
    for n, aware in enumerate((date(2024, 3, 1), date(2024, 1, 1), date(2024, 2, 1)), 1):
        make_incident(partnership, reference=f"CSPR-NSP-2024-000{n}", la_aware_on=aware,
                      incident_date=aware)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)

    first = call(business_client, "reviews.tracker")
    assert references(first) == ["CSPR-NSP-2024-0001", "CSPR-NSP-2024-0003"]
    second = call(business_client, "reviews.tracker", page=2)
    assert references(second) == ["CSPR-NSP-2024-0002"]
    assert first.html.select_one(".govuk-pagination__next a")["href"].endswith("page=2")
    by_reference = call(business_client, "reviews.tracker", sort="reference", order="asc")
    assert references(by_reference) == ["CSPR-NSP-2024-0001", "CSPR-NSP-2024-0002"]
    header = by_reference.html.select_one("th[aria-sort=ascending] a")
    assert header.get_text(strip=True) == "Reference" and "order=desc" in header["href"]
    assert references(call(business_client, "reviews.tracker", page=99)) == \
        ["CSPR-NSP-2024-0002"]


def test_the_overdue_list_counts_sorts_and_pages_like_the_whole_list(
        app, business_client, partnership, call, monkeypatch):
    for n, aware in enumerate((date(2024, 3, 1), date(2024, 1, 1), date(2024, 2, 1)), 1):
        make_incident(partnership, reference=f"CSPR-NSP-2024-000{n}", la_aware_on=aware,
                      incident_date=aware)
    make_incident(partnership, reference="CSPR-NSP-2025-0001", la_aware_on=date(2025, 1, 8),
                  incident_date=date(2025, 1, 6))  # its deadlines are not due yet
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)

    def page(**args):
        return call(business_client, "reviews.tracker", overdue="y", **args)

    first = page()
    assert references(first) == ["CSPR-NSP-2024-0001", "CSPR-NSP-2024-0003"]
    assert first.text("#incident-count") == "3 incidents"
    assert references(page(page=2)) == ["CSPR-NSP-2024-0002"]
    assert references(page(page=99)) == ["CSPR-NSP-2024-0002"]
    assert references(page(sort="reference", order="asc")) == [
        "CSPR-NSP-2024-0001", "CSPR-NSP-2024-0002"]
    assert references(page(sort="reference", order="asc", page=2)) == ["CSPR-NSP-2024-0003"]
    assert references(page(sort="stage", order="asc")) == [
        "CSPR-NSP-2024-0002", "CSPR-NSP-2024-0003"]  # one stage: earliest aware first
    # Past the cap the list says "more than" and offers only the pages within it.
    monkeypatch.setattr("reviews.services.lists.COUNT_CAP", 2)
    capped = page()
    assert capped.text("#incident-count").startswith("More than 2 incidents")
    assert references(capped) == ["CSPR-NSP-2024-0001", "CSPR-NSP-2024-0003"]
    assert references(page(page=2)) == ["CSPR-NSP-2024-0001", "CSPR-NSP-2024-0003"]


def _queries_for(client, call, **args):
    counter = {"n": 0}

    def count(*args, **kwargs):
        counter["n"] += 1

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        call(client, "reviews.tracker", **args)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return counter["n"]


def _incidents(partnership, count):
    for _ in range(count):
        incident = make_incident(partnership, la_aware_on=date(2024, 1, 2),
                                 panel_notified_on=date(2024, 1, 3), decision="local",
                                 decision_on=date(2024, 2, 1), converted=True)
        db.session.add(PublicationDelay(incident_id=incident.id, partnership_id=partnership.id,
                                        reason="inquest", revised_on=date(2025, 3, 1),
                                        recorded_on=date(2024, 7, 1)))
        db.session.add(Reviewer(incident_id=incident.id, partnership_id=partnership.id,
                                name="Invented Reviewer"))
    db.session.commit()


def test_the_list_issues_a_fixed_number_of_queries(business_client, partnership, call):
    filters = ({}, {"overdue": "y"}, {"due_soon": "y", "decision": "local"})
    _incidents(partnership, 3)
    few = [_queries_for(business_client, call, **args) for args in filters]
    _incidents(partnership, 27)
    many = [_queries_for(business_client, call, **args) for args in filters]

    assert few == many
    assert len(references(call(business_client, "reviews.tracker"))) == 30


def test_the_auditor_sees_the_list_but_not_the_record_button(auditor_client, partnership,
                                                             call):
    make_incident(partnership)

    page = call(auditor_client, "reviews.tracker")

    assert len(references(page)) == 1
    assert "Record a serious incident" not in page.text()


def test_roles_without_practice_reviews_may_not_see_the_list(cdop_client, call):
    call(cdop_client, "reviews.tracker", status=403)
