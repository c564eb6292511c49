"""The audit trail: append-only, written with each change, and the page that shows it."""

from contextlib import contextmanager
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase
from tests.conftest import page
from tests.factories import make_partnership, make_user
from tracker import audit
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.models import User
from tracker.roles import Role


def add_event(**fields):
    """A saved audit row; defaults describe an update to a partnership's record."""
    defaults = {
        "occurred_at": datetime(2025, 3, 3, 14, 5),
        "action": "update",
        "object_type": "ClosureDay",
        "object_id": "1",
        "object_label": "2025-12-24",
    }
    event = AuditEvent(**{**defaults, **fields})
    db.session.add(event)
    db.session.commit()
    return event


def rows(response):
    """The audit table's rows, as lists of cell texts."""
    table = page(response).select_one("#audit-events")
    if table is None:
        return []
    return [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in table.select("tbody tr")]


def records(response):
    """The 'Record' column of the audit table."""
    return [row[3] for row in rows(response)]


def error_messages(response):
    summary = page(response).select_one(".govuk-error-summary")
    return [li.get_text(strip=True) for li in summary.select("li")] if summary else []


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block."""
    statements = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


# Append-only and transactional --------------------------------------------------------------


def test_audit_rows_cannot_be_changed(app):
    event = add_event(detail="original")
    event.detail = "tampered"
    with pytest.raises(sa.exc.DBAPIError):
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).detail == "original"


def test_audit_rows_cannot_be_deleted(app):
    event = add_event()
    db.session.delete(event)
    with pytest.raises(sa.exc.DBAPIError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id) is not None


def _user_updates(user):
    query = sa.select(AuditEvent).where(
        AuditEvent.action == "update", AuditEvent.object_type == "User",
        AuditEvent.object_id == str(user.id),
    )
    return db.session.scalars(query).all()


def test_a_change_is_audited_in_its_own_transaction(app, partnership):
    user = make_user(Role.CDOP_ADMIN, [partnership])
    assert user.role == "cdop_admin"
    user.role = Role.AUDITOR.value
    db.session.flush()
    [row] = _user_updates(user)
    assert row.changes == {"role": ["cdop_admin", "auditor"]}
    db.session.rollback()
    assert _user_updates(user) == []
    assert db.session.get(type(user), user.id).role == "cdop_admin"


# The page -----------------------------------------------------------------------------------


def test_audit_page_shows_who_did_what_newest_first(auditor_client, partnership):
    colleague = make_user(Role.CDOP_ADMIN, [partnership], email="colleague@example.org")
    add_event(occurred_at=datetime(2025, 3, 3, 14, 5), partnership_id=partnership.id,
              user_id=colleague.id, user_email=colleague.email, object_label="Older",
              changes={"description": ["Office closed", "Office closure"]})
    add_event(occurred_at=datetime(2025, 7, 1, 13, 5), partnership_id=partnership.id,
              object_label="Newer", action="delete", detail="Removed by request")
    response = auditor_client.get("/audit/?record_type=ClosureDay")
    assert response.status_code == 200
    newer, older = rows(response)
    assert newer[:4] == ["1 July 2025 at 2:05pm", "System", "Delete", "Closure day: Newer"]
    assert newer[4] == "Removed by request"
    assert older[:4] == ["3 March 2025 at 2:05pm", "colleague@example.org", "Update",
                         "Closure day: Older"]
    details = page(response).select("#audit-events details")
    assert len(details) == 1
    assert details[0].find("summary").get_text(strip=True) == "1 field changed"
    assert details[0].find("li").get_text() == "Description: Office closed → Office closure"


def test_viewing_the_audit_page_is_not_itself_audited(auditor_client):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    auditor_client.get("/audit/")
    after = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert after == before


def test_an_auditor_sees_nothing_of_another_partnership(
    app, auditor_client, partnership, other_partnership
):
    add_event(partnership_id=partnership.id, object_label="Ours")
    add_event(partnership_id=other_partnership.id, object_label="Theirs")
    ours = make_user(Role.CDOP_ADMIN, [partnership], email="ours@example.org")
    theirs = make_user(Role.CDOP_ADMIN, [other_partnership], email="theirs@example.org")
    for user in (ours, theirs):
        audit.record(audit.Action.LOGIN, user=user, object_type="User", object_id=user.id,
                     object_label=user.email)
    db.session.commit()
    shown = auditor_client.get("/audit/")
    text = page(shown).select_one("main").get_text(" ", strip=True)
    assert "Closure day: Ours" in records(shown)
    assert "User: ours@example.org" in records(shown)
    assert "Theirs" not in text
    assert "theirs@example.org" not in text
    options = [o.get_text(strip=True) for o in page(shown).select("select[name=user] option")]
    assert "ours@example.org" in options
    assert "theirs@example.org" not in options


def test_choosing_a_user_of_another_partnership_in_the_filter_is_refused(
    auditor_client, other_partnership
):
    theirs = make_user(Role.CDOP_ADMIN, [other_partnership])
    add_event(partnership_id=other_partnership.id, user_id=theirs.id, user_email=theirs.email)
    response = auditor_client.get(f"/audit/?user={theirs.id}")
    assert response.status_code == 400
    assert error_messages(response) == ["Select a user from the list"]
    assert theirs.email not in page(response).get_text()


def test_filter_by_user_and_action(auditor_client, partnership):
    colleague = make_user(Role.CDOP_ADMIN, [partnership])
    add_event(partnership_id=partnership.id, user_id=colleague.id, user_email=colleague.email,
              action="view", object_label="Seen by colleague")
    add_event(partnership_id=partnership.id, user_id=colleague.id, user_email=colleague.email,
              action="update", object_label="Changed by colleague")
    add_event(partnership_id=partnership.id, action="view", object_label="Seen by system")
    response = auditor_client.get(f"/audit/?user={colleague.id}&action=view")
    assert response.status_code == 200
    assert records(response) == ["Closure day: Seen by colleague"]


def test_filter_by_record_type_and_id_or_by_text(auditor_client, partnership):
    add_event(partnership_id=partnership.id, object_id="7", object_label="Christmas Eve")
    add_event(partnership_id=partnership.id, object_id="8", object_label="Boxing Day 100%")
    add_event(partnership_id=partnership.id, object_type="RuleOverride", object_id="7",
              object_label="cdr_notify")
    by_id = auditor_client.get("/audit/?record_type=ClosureDay&record_id=7")
    assert records(by_id) == ["Closure day: Christmas Eve"]
    by_text = auditor_client.get("/audit/?record_text=boxing day 100%25")
    assert records(by_text) == ["Closure day: Boxing Day 100%"]
    wildcard = auditor_client.get("/audit/?record_text=_")
    assert records(wildcard) == ["Rule override: cdr_notify"]


def test_a_record_id_needs_a_type(auditor_client):
    response = auditor_client.get("/audit/?record_id=7")
    assert response.status_code == 400
    assert error_messages(response) == ["Select the type of record to search by record ID"]


def _dates(prefix, day, month, year):
    return f"{prefix}={day}&{prefix}={month}&{prefix}={year}"


def test_filter_by_dates_is_inclusive_in_london_time(auditor_client, partnership):
    # 1 July 2025 in London (BST) runs from 30 June 23:00 UTC to 1 July 23:00 UTC.
    for label, when in [
        ("too early", datetime(2025, 6, 30, 22, 59)),
        ("first minute", datetime(2025, 6, 30, 23, 0)),
        ("last minute", datetime(2025, 7, 1, 22, 59)),
        ("too late", datetime(2025, 7, 1, 23, 0)),
    ]:
        add_event(partnership_id=partnership.id, occurred_at=when, object_label=label)
    query = _dates("date_from", 1, 7, 2025) + "&" + _dates("date_to", 1, 7, 2025)
    response = auditor_client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert records(response) == ["Closure day: last minute", "Closure day: first minute"]
    to_only = auditor_client.get("/audit/?" + _dates("date_to", 30, 6, 2025))
    assert records(to_only) == ["Closure day: too early"]
    from_only = auditor_client.get("/audit/?record_type=ClosureDay&"
                                   + _dates("date_from", 2, 7, 2025))
    assert records(from_only) == ["Closure day: too late"]


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        (_dates("date_from", 31, 2, 2025), ["From date must be a real date"]),
        (_dates("date_to", 1, "", 2025), ["To date must include a month"]),
        (_dates("date_from", 2, 7, 2025) + "&" + _dates("date_to", 1, 7, 2025),
         ["To date must be the same as or after the from date"]),
        ("date_from=1", ["From date must include a month and year"]),
        ("action=erase", ["Select an action from the list"]),
    ],
)
def test_bad_filters_are_explained(auditor_client, query, messages):
    response = auditor_client.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert error_messages(response) == messages


def test_filters_are_kept_in_the_form_and_the_page_links(app, auditor_client, partnership):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        add_event(partnership_id=partnership.id, action="view", object_label=f"Case {n}")
    add_event(partnership_id=partnership.id, action="update", object_label="Not a view")
    response = auditor_client.get("/audit/?action=view&" + _dates("date_from", 1, 3, 2025))
    html = page(response)
    assert html.select_one("select[name=action] option[selected]")["value"] == "view"
    assert [i["value"] for i in html.select("input[name=date_from]")] == ["1", "3", "2025"]
    next_href = html.select_one(".govuk-pagination__next a")["href"]
    assert "action=view" in next_href
    assert "date_from=1&date_from=3&date_from=2025" in next_href
    last = auditor_client.get("/audit/?action=view&page=3")
    assert records(last) == ["Closure day: Case 0"]


def _events_for_many_users(count, partnership):
    for n in range(count):
        user = make_user(Role.CDOP_ADMIN, [partnership])
        add_event(partnership_id=partnership.id, user_id=user.id, user_email=user.email,
                  object_label=f"Record {n}", changes={"description": ["old", "new"]})


def test_the_audit_page_runs_the_same_number_of_queries_for_5_or_50_rows(
    admin_client, partnership
):
    _events_for_many_users(5, partnership)
    with count_queries() as few:
        assert admin_client.get("/audit/").status_code == 200
    _events_for_many_users(45, partnership)
    with count_queries() as many:
        response = admin_client.get("/audit/")
    assert len(rows(response)) == 50
    assert len(many) == len(few)


def test_the_audit_page_needs_the_audit_permission(cdop_client):
    assert cdop_client.get("/audit/").status_code == 403


def test_update_of_a_value_expired_by_commit_still_records_the_old_value(app, partnership):


    user = make_user(Role.CDOP_ADMIN, [partnership], full_name="Before Name")
    db.session.expire(user, ["full_name"])  # as after a commit, and then set without reading
    user.full_name = "After Name"
    db.session.commit()
    row = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "update").order_by(AuditEvent.id.desc())
    ).first()
    assert row.changes["full_name"] == ["Before Name", "After Name"]


def test_a_sign_in_is_attributed_to_the_person_signing_in(client, partnership):
    from tests.conftest import sign_in


    user = make_user(Role.CDOP_ADMIN, [partnership])
    sign_in(client, user.email)
    rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "User",
                                    AuditEvent.object_id == str(user.id),
                                    AuditEvent.action.in_(["login", "update"]))
    ).all()
    assert {r.action for r in rows} >= {"login", "update"}
    assert {r.user_email for r in rows} == {user.email}


def test_unknown_email_sign_in_failures_are_shown_to_system_administrators_only(
    client, admin_client, auditor_client
):
    from tests.conftest import sign_in

    sign_in(client, "nobody-by-this-name@example.org", password="guess-guess-guess")
    admin_page = page(admin_client.get("/audit/?action=failed_login")).get_text()
    auditor_page = page(auditor_client.get("/audit/?action=failed_login")).get_text()
    assert "Unknown email address" in admin_page
    assert "Unknown email address" not in auditor_page


def test_a_deleted_record_keeps_what_it_held_in_the_trail(app, partnership):
    from datetime import date

    from tracker.models import ClosureDay

    day = ClosureDay(partnership=partnership, day=date(2025, 12, 24), description="Office shut")
    db.session.add(day)
    db.session.commit()
    db.session.delete(day)
    db.session.commit()
    row = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "delete")).one()
    assert row.changes["description"] == ["Office shut", None]
    assert row.changes["day"] == ["2025-12-24", None]
    assert row.partnership_id == partnership.id


def test_creating_a_user_records_their_partnerships(runner, partnership):
    result = runner.invoke(args=["users", "create", "--email", "new@example.org", "--name",
                                 "New Person", "--role", "auditor", "--partnership", "NSP",
                                 "--password", "a long enough passphrase"])
    assert result.exit_code == 0, result.output
    details = db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.object_type == "User", AuditEvent.detail.is_not(None))).all()
    assert "Partnerships set to NSP" in details


# Case values are for those who may see case records ----------------------------------------


def changed_case(partnership):
    """A child death case whose date of death was corrected (the trail keeps old and new)."""
    case = ChildDeathCase(partnership_id=partnership.id, reference="CDOP-NSP-2026-000042",
                          date_of_death=date(2026, 1, 2),
                          notification_received_on=date(2026, 1, 5))
    db.session.add(case)
    db.session.commit()
    case.date_of_death = date(2026, 1, 3)
    db.session.commit()
    return case


def changes_shown(response, action):
    """For each row of the action in the audit table: its record and its list of changes."""
    shown = []
    for tr in page(response).select("#audit-events tbody tr"):
        cells = tr.find_all("td")
        if cells[2].get_text(strip=True) == action:
            shown.append((cells[3].get_text(strip=True),
                          [li.get_text() for li in cells[4].select("details li")]))
    return shown


def test_an_auditor_sees_the_old_and_new_values_of_a_case(auditor_client, partnership):
    changed_case(partnership)

    response = auditor_client.get("/audit/?record_type=ChildDeathCase")

    assert changes_shown(response, "Update") == [
        ("Child death case: CDOP-NSP-2026-000042", ["Date of death: 2026-01-02 → 2026-01-03"])
    ]


def test_a_system_administrator_sees_which_case_fields_changed_but_no_values(
    admin_client, partnership
):
    changed_case(partnership)

    response = admin_client.get("/audit/?record_type=ChildDeathCase")

    assert changes_shown(response, "Update") == [
        ("Child death case: CDOP-NSP-2026-000042", ["Date of death changed"])
    ]
    [(record, created)] = changes_shown(response, "Create")
    assert record == "Child death case: CDOP-NSP-2026-000042"
    assert "Notification received on changed" in created
    assert all(item.endswith(" changed") and "2026" not in item for item in created)


def test_a_system_administrator_still_sees_the_values_of_the_shells_own_records(
    admin_client, partnership
):
    add_event(partnership_id=partnership.id, changes={"description": ["Closed", "Office closed"]})

    response = admin_client.get("/audit/?record_type=ClosureDay")

    assert changes_shown(response, "Update") == [
        ("Closure day: 2025-12-24", ["Description: Closed → Office closed"])
    ]


def test_a_long_trail_is_counted_only_up_to_the_cap(auditor_client, partnership, monkeypatch):
    from tracker.views import audit as audit_view

    monkeypatch.setattr(audit_view, "COUNT_CAP", 3)
    for n in range(5):
        add_event(partnership_id=partnership.id, object_label=f"Row {n}")
    url = "/audit/?record_type=ClosureDay"
    text = page(auditor_client.get(url)).select_one("#audit-count").get_text(" ", strip=True)
    assert text.startswith("More than 3 events")
    monkeypatch.setattr(audit_view, "COUNT_CAP", 100)
    text = page(auditor_client.get(url)).select_one("#audit-count").get_text(" ", strip=True)
    assert text == "5 events"


# Partnerships a viewer is not part of are counted, not named --------------------------------


def partnership_details(response):
    """The details cells of the page's rows that are about partnerships."""
    return [row[4] for row in rows(response) if row[4].startswith("Partnerships")]


@pytest.fixture
def shared_user_history(runner, partnership, other_partnership):
    """A user created in NSP and SVP, then moved from SVP to WMP, as the trail records it."""
    make_partnership(code="WMP", name="Westmere Partnership")
    result = runner.invoke(args=["users", "create", "--email", "shared@example.org", "--name",
                                 "Shared Person", "--role", "auditor", "--partnership", "NSP",
                                 "--partnership", "SVP", "--password",
                                 "a long enough passphrase"])
    assert result.exit_code == 0, result.output
    shared = db.session.scalar(sa.select(User).where(User.email == "shared@example.org"))
    add_event(object_type="User", object_id=str(shared.id), object_label=shared.email,
              occurred_at=datetime(2099, 1, 1),
              detail="Partnerships changed from NSP, SVP to NSP, WMP")
    return shared


def test_the_trail_names_only_the_viewers_own_partnerships(admin_client, shared_user_history):
    details = partnership_details(admin_client.get("/audit/"))

    assert details == [
        "Partnerships changed from NSP, 1 other partnership to NSP, 1 other partnership",
        "Partnerships set to NSP, 1 other partnership",
    ]


def test_a_viewer_of_every_partnership_sees_every_name(
    admin_client, shared_user_history, other_partnership
):
    admin_client.user.partnerships.append(other_partnership)
    db.session.commit()

    details = partnership_details(admin_client.get("/audit/"))

    assert details == [
        "Partnerships changed from NSP, SVP to NSP, 1 other partnership",
        "Partnerships set to NSP, SVP",
    ]


@pytest.mark.parametrize(
    ("detail", "shown"),
    [
        ("Partnerships set to none", "Partnerships set to none"),
        ("Partnerships set to SVP, WMP", "Partnerships set to 2 other partnerships"),
        ("Partnerships changed from none to NSP", "Partnerships changed from none to NSP"),
        ("Partnerships changed from NSP, SVP to none",
         "Partnerships changed from NSP, 1 other partnership to none"),
        ("Reset by a system administrator", "Reset by a system administrator"),
    ],
)
def test_partnership_details_for_a_viewer_in_nsp(detail, shown):
    assert audit.detail_for_viewer(detail, {"NSP"}) == shown
