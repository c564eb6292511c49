"""The case list: filters, search, sort, pages, scoping, and the search's audit row."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests.cdr.factories import make_case
from tests.conftest import Page, csrf_token_from
from tests.factories import make_user
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 6, 2)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def listed(client, call, **filters):
    """The case list for these filters as a user reaches it: the filter form is posted and
    its redirect followed (a search then travels as a saved search's id)."""
    moved = call(client, "cdr.cases", status=302, data=filters)
    return Page(client.get(moved.response.headers["Location"]))


def references(page):
    """The references listed, in order."""
    cells = page.html.select("#case-list tbody tr td:first-child a")
    return [a.get_text(strip=True) for a in cells]


def test_the_list_shows_each_case_with_its_next_deadline_and_the_childs_name(cdop_client,
                                                                            partnership, call):
    jar = make_case(partnership, jar_required=True, date_of_death=date(2025, 5, 30))
    quiet = make_case(partnership, date_of_death=date(2025, 5, 1))

    page = call(cdop_client, "cdr.cases")

    assert references(page) == [jar.reference, quiet.reference]  # newest death first
    first, second = page.html.select("#case-list tbody tr")
    cells = [td.get_text(" ", strip=True) for td in first.select("td")]
    assert cells[1].startswith("Testchild") and cells[1].endswith("Invented")
    assert cells[2] == "30 May 2025" and cells[4] == "Required"
    # 30 May + 1 to 5 days: the first rapid response meeting is due 4 June, 2 days away.
    assert cells[5] == "First rapid response meeting, 4 June 2025 Due soon"
    assert second.select("td")[5].get_text(strip=True) == "None open"
    assert page.text("#case-count") == "2 cases"


def test_a_panel_member_cannot_reach_the_list(panel_client, call):
    call(panel_client, "cdr.cases", status=403)


def test_only_the_users_partnerships_cases_are_listed(cdop_client, partnership,
                                                      other_partnership, call):
    ours = make_case(partnership)
    theirs = make_case(other_partnership)

    page = call(cdop_client, "cdr.cases")
    assert references(page) == [ours.reference]
    # Not even by searching for its exact reference.
    assert references(listed(cdop_client, call, q=theirs.reference)) == []


def test_filters_by_stage_jar_doctor_overdue_and_date_of_death(cdop_client, partnership, call):
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Invented")
    overdue = make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1),
                        designated_doctor_id=doctor.id)
    at_panel = make_case(partnership, review_meeting_on=date(2025, 3, 20),
                         information_complete=True, date_of_death=date(2025, 2, 1))
    recent = make_case(partnership, jar_required=True, date_of_death=date(2025, 6, 1))

    def listed(**args):
        return set(references(call(cdop_client, "cdr.cases", **args)))

    assert listed(stage="panel") == {at_panel.reference}
    assert listed(jar="yes") == {overdue.reference, recent.reference}
    assert listed(jar="no") == {at_panel.reference}
    assert listed(doctor=str(doctor.id)) == {overdue.reference}
    assert listed(doctor="none") == {at_panel.reference, recent.reference}
    # Its rapid response meetings were due in April: overdue. The other JAR case's are not yet.
    assert listed(overdue="y") == {overdue.reference}
    assert listed(died_from=["1", "3", "2025"], died_to=["30", "4", "2025"]) == {
        overdue.reference}
    assert listed(died_from=["1", "5", "2025"]) == {recent.reference}


def _due(case, due, **columns):
    """Leave the case one open deadline, due on `due` with these columns; the others met."""
    first, *others = db.session.scalars(sa.select(Deadline).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id,
        Deadline.due_date.is_not(None)).order_by(Deadline.id)).all()
    for other in others:
        other.met_on = date(2025, 3, 3)
    first.due_date = due
    for name, value in columns.items():
        setattr(first, name, value)
    db.session.commit()


def test_the_overdue_filter_at_its_edges_and_its_count(cdop_client, partnership,
                                                       other_partnership, call):
    yesterday = date(2025, 6, 1)
    names = ("past", "due_today", "paused", "extended_to_today", "extension_passed", "met",
             "not_applicable", "other_owner_type")
    cases = {name: make_case(partnership, jar_required=True) for name in names}
    _due(cases["past"], yesterday)
    _due(cases["due_today"], TODAY)
    _due(cases["paused"], yesterday, paused_reason="Awaiting the inquest")
    _due(cases["extended_to_today"], date(2025, 5, 1), extended_to=TODAY)
    _due(cases["extension_passed"], date(2025, 5, 1), extended_to=yesterday)
    _due(cases["met"], yesterday, met_on=TODAY)
    _due(cases["not_applicable"], yesterday, not_applicable_reason="Not needed")
    _due(cases["other_owner_type"], TODAY)
    # A practice review's overdue deadline whose owner id happens to be this case's id.
    db.session.add(Deadline(partnership_id=partnership.id, owner_type="serious_incident",
                            owner_id=cases["other_owner_type"].id,
                            rule_key="panel_notification", due_date=yesterday))
    theirs = make_case(other_partnership, jar_required=True)
    _due(theirs, yesterday)

    page = call(cdop_client, "cdr.cases", overdue="y", jar="yes")

    assert set(references(page)) == {cases["past"].reference,
                                     cases["extension_passed"].reference}
    assert page.text("#case-count") == "2 cases"


def test_bad_filters_show_gov_uk_errors_and_the_whole_list(cdop_client, partnership, call):
    case = make_case(partnership)

    page = call(cdop_client, "cdr.cases", status=400, stage="nonsense",
                died_from=["1", "5", "2025"], died_to=["1", "4", "2025"])

    assert page.errors == [
        "Select a stage from the list",
        "Died on or before must be the same as or after the died on or after date",
    ]
    assert references(page) == [case.reference]


def test_sort_by_each_column_both_ways_with_aria_sort(cdop_client, partnership, call):
    closed = make_case(partnership, closed_on=date(2025, 6, 1), date_of_death=date(2025, 1, 1),
                       reference="CDOP-NSP-2025-0003")
    notified = make_case(partnership, stage="notified", date_of_death=date(2025, 3, 1),
                         reference="CDOP-NSP-2025-0001")
    panel = make_case(partnership, review_meeting_on=date(2025, 3, 20),
                      date_of_death=date(2025, 2, 1), reference="CDOP-NSP-2025-0002")

    page = call(cdop_client, "cdr.cases")
    assert references(page) == [notified.reference, panel.reference, closed.reference]
    assert page.html.select_one("th[aria-sort=descending]").get_text(strip=True) == (
        "Date of death")

    # The column headings are the links a user follows.
    link = page.html.select_one("th:-soup-contains('Reference') a")["href"]
    by_reference = Page_get(cdop_client, link)
    assert references(by_reference) == [notified.reference, panel.reference, closed.reference]
    assert by_reference.html.select_one("th[aria-sort=ascending]").get_text(strip=True) == (
        "Reference")
    again = Page_get(cdop_client,
                     by_reference.html.select_one("th[aria-sort=ascending] a")["href"])
    assert references(again) == [closed.reference, panel.reference, notified.reference]

    # Stages sort in the order a case goes through them, not alphabetically.
    assert references(call(cdop_client, "cdr.cases", sort="stage", order="asc")) == [
        notified.reference, panel.reference, closed.reference]
    assert references(call(cdop_client, "cdr.cases", sort="date_of_death", order="asc")) == [
        closed.reference, panel.reference, notified.reference]


def Page_get(client, href):  # noqa: N802 (reads like the Page it returns)
    from tests.conftest import Page

    response = client.get(href)
    assert response.status_code == 200
    return Page(response)


def test_pages_keep_the_filters_and_a_page_past_the_end_shows_the_last(app, cdop_client,
                                                                       partnership, call):
    app.config["PAGE_SIZE"] = 2
    made = [make_case(partnership, jar_required=True, date_of_death=date(2025, 1, day))
            for day in range(1, 6)]
    make_case(partnership, date_of_death=date(2025, 1, 9))  # filtered out

    first = call(cdop_client, "cdr.cases", jar="yes")
    assert references(first) == [made[4].reference, made[3].reference]
    assert first.text("#case-count") == "5 cases"
    next_href = first.html.select_one(".govuk-pagination__next a")["href"]
    assert "jar=yes" in next_href
    second = Page_get(cdop_client, next_href)
    assert references(second) == [made[2].reference, made[1].reference]
    beyond = call(cdop_client, "cdr.cases", jar="yes", page="99")
    assert references(beyond) == [made[0].reference]
    assert beyond.text(".govuk-pagination__item--current") == "3"


def test_search_by_reference_nhs_number_and_part_of_the_name(cdop_client, partnership, call):
    case = make_case(partnership)
    other = make_case(partnership)
    identity = db.session.execute(sa.text(
        "SELECT nhs_number, given_names FROM cdr_child_identity WHERE case_id = :id"),
        {"id": case.id}).one()

    assert references(listed(cdop_client, call, q=case.reference.lower())) == [
        case.reference]
    spaced = f"{identity[0][:3]} {identity[0][3:6]} {identity[0][6:]}"
    assert references(listed(cdop_client, call, q=spaced)) == [case.reference]
    # The start of the given name or the family name, either order, in any case.
    assert references(listed(cdop_client, call, q=identity[1].upper())) == [
        case.reference]
    assert references(listed(cdop_client, call, q=f"invented {identity[1]}")) == [
        case.reference]
    assert set(references(listed(cdop_client, call, q="inv"))) == {
        case.reference, other.reference}
    assert references(listed(cdop_client, call, q="Nobody at all")) == []


def test_a_search_by_reference_finds_an_imported_cases_previous_reference_too(
        cdop_client, partnership, call):
    """The reference and the previous reference are two lookups (a UNION): a text that is
    one case's reference and another's previous reference lists both, each once."""
    case = make_case(partnership)
    imported = make_case(partnership, previous_reference="CDOP-OLD-2019-0007")
    make_case(partnership)
    page = listed(cdop_client, call, q="cdop-old-2019-0007")
    assert references(page) == [imported.reference]
    assert page.text("#case-count") == "1 case"
    db.session.execute(sa.text("UPDATE cdr_case SET previous_reference = :ref WHERE id = :id"),
                       {"ref": case.reference, "id": imported.id})
    db.session.commit()
    page = listed(cdop_client, call, q=case.reference)
    assert set(references(page)) == {case.reference, imported.reference}
    assert page.text("#case-count") == "2 cases"


def test_a_search_finds_only_the_users_partnerships_cases_and_counts_each_once(
        cdop_client, partnership, other_partnership, call):
    ours = make_case(partnership, jar_required=True)
    theirs = make_case(other_partnership)
    # The other partnership's child has the same NHS number and name (a transferred case's
    # twin, say): searching must still find only ours.
    db.session.execute(sa.text(
        "UPDATE cdr_child_identity SET nhs_number = :nhs, given_names = 'Annabel', "
        "family_name = 'Annand', name_search = 'annabel annand', family_search = 'annand' "
        "WHERE case_id IN (:ours, :theirs)"),
        {"nhs": "9990000018", "ours": ours.id, "theirs": theirs.id})
    db.session.commit()

    for text in ("9990000018", "ann", "Annand", ours.reference):
        page = listed(cdop_client, call, q=text)
        # "ann" starts both the given and the family name: still one row, counted once.
        assert references(page) == [ours.reference], text
        assert page.text("#case-count") == "1 case", text
    assert references(listed(cdop_client, call, q=theirs.reference)) == []
    # With other filters too.
    assert references(listed(cdop_client, call, q="ann", jar="yes")) == [ours.reference]
    assert references(listed(cdop_client, call, q="ann", jar="no")) == []


def test_without_identifying_details_search_is_by_reference_only(auditor_client, app,
                                                                 partnership, call):
    case = make_case(partnership)
    # The auditor may see identifying details; a user who may not is simulated by the role's
    # permission being the only rule: take it away from the auditor's role for this test.
    from tracker import roles

    app_permissions = roles.PERMISSIONS[Role.AUDITOR]
    roles.PERMISSIONS[Role.AUDITOR] = app_permissions - {roles.Permission.VIEW_IDENTIFYING_DETAILS}
    try:
        page = listed(auditor_client, call, q="invented")
        assert references(page) == []
        assert "Invented" not in call(auditor_client, "cdr.cases").text()
        assert references(listed(auditor_client, call, q=case.reference)) == [
            case.reference]
    finally:
        roles.PERMISSIONS[Role.AUDITOR] = app_permissions


def test_a_search_is_audited_with_the_count_never_the_text(cdop_client, partnership, call):
    make_case(partnership)
    make_case(partnership)

    listed(cdop_client, call, q="Invented")
    call(cdop_client, "cdr.cases", stage="notified")  # filtering alone is not a search

    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "ChildDeathCase search")).all()
    assert [(r.action, r.detail, r.partnership_id, r.user_id) for r in rows] == [
        ("view", "Searched child death cases: 2 matched", partnership.id, cdop_client.user.id)]
    searched = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "view")).all()
    assert not [r for r in searched if "nvented" in f"{r.detail} {r.object_label}"]


class _Statements:
    """Counts SQL statements sent to the database."""

    def __init__(self, engine):
        self.count = 0
        self.engine = engine

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args, **kwargs):
        self.count += 1


def _statements(client, **args):
    url = "/child-deaths/"
    if "q" in args:  # the search's id, as the filter form's redirect gives it
        url = client.post(url, data={**args, "csrf_token": csrf_token_from(
            client.get(url).get_data(as_text=True))}).headers["Location"]
        args = None
    with _Statements(db.engine) as counter:
        assert client.get(url, query_string=args).status_code == 200
    return counter.count


def test_the_list_issues_the_same_number_of_queries_for_3_and_30_cases(cdop_client,
                                                                       partnership):
    for n in range(3):
        make_case(partnership, jar_required=True, date_of_death=date(2025, 5, 1 + n))
    few = (_statements(cdop_client), _statements(cdop_client, q="Invented", overdue="y"))
    for n in range(27):
        make_case(partnership, jar_required=n % 2 == 0, date_of_death=date(2025, 4, 1 + n))
    many = (_statements(cdop_client), _statements(cdop_client, q="Invented", overdue="y"))
    assert few == many


def test_a_doctors_overdue_cases_page_by_date_of_death_then_case(app, cdop_client, partnership,
                                                                 call):
    # The page is chosen from an index of the doctor's cases before their records are read:
    # the same order, pages and count as the cases themselves give.
    app.config["PAGE_SIZE"] = 2
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Invented")
    other = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Other")
    same_day = [make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1),
                          designated_doctor_id=doctor.id) for _ in range(2)]
    earlier = make_case(partnership, jar_required=True, date_of_death=date(2025, 3, 1),
                        designated_doctor_id=doctor.id)
    make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1),
              designated_doctor_id=other.id)
    make_case(partnership, jar_required=True, date_of_death=date(2025, 6, 1),
              designated_doctor_id=doctor.id)  # not yet overdue

    first = call(cdop_client, "cdr.cases", overdue="y", doctor=str(doctor.id))
    second = call(cdop_client, "cdr.cases", overdue="y", doctor=str(doctor.id), page="2")

    assert references(first) == [same_day[1].reference, same_day[0].reference]
    assert references(second) == [earlier.reference]
    assert first.text("#case-count") == "3 cases"
    assert "Overdue" in second.text("#case-list tbody")
