"""Partnership settings: closure days and timescale overrides move stored deadlines."""

from datetime import date

import pytest
import sqlalchemy as sa

from reviews.models import SeriousIncident
from tests.conftest import csrf_token_from, page, submit, version_from
from tracker import deadline_service
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import ClosureDay, Partnership, RuleOverride

SETTINGS = "/partnerships/NSP"
LOCAL = "sos_ofsted_lac_notification"  # a local-practice rule a partnership may change


def christmas_incident(partnership):
    """The death of a looked-after child the local authority heard of on Monday 22 December
    2025: the Panel's clock (statutory guidance) and the Secretary of State and Ofsted's
    (local practice: no timescale is given, 5 working days is assumed)."""
    incident = SeriousIncident(
        partnership_id=partnership.id,
        reference="CSPR-NSP-2025-000001",
        incident_date=date(2025, 12, 20),
        la_aware_on=date(2025, 12, 22),
        child_died=True,
        looked_after=True,
    )
    db.session.add(incident)
    deadline_service.sync_case(incident)
    db.session.commit()
    return incident


def due(rule_key):
    return db.session.scalar(sa.select(Deadline.due_date).where(Deadline.rule_key == rule_key))


def audit_rows(object_type, action):
    return db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.object_type == object_type, AuditEvent.action == action
        )
    ).all()


def success_banner(response):
    banner = page(response).find(class_="govuk-notification-banner--success")
    return banner.get_text(" ", strip=True) if banner else ""


def error_summary(response):
    summary = page(response).find(class_="govuk-error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


def add_closure_day(client, day, month, year, description="Office closed", code="NSP"):
    return submit(
        client,
        f"/partnerships/{code}",
        {"day": [str(day), str(month), str(year)], "description": description},
        page_url=SETTINGS,
        follow_redirects=True,
    )


# --- Who may see what ------------------------------------------------------------------------


def test_the_list_shows_only_the_administrators_partnerships(admin_client, other_partnership):
    response = admin_client.get("/partnerships/")

    assert response.status_code == 200
    text = page(response).find("main").get_text()
    assert "Northshire Partnership" in text
    assert "Southvale Partnership" not in text


@pytest.mark.parametrize(
    "url", ["/partnerships/SVP", "/partnerships/SVP/timescales/panel_notification",
            "/partnerships/NOPE", "/partnerships/NSP/timescales/not_a_rule"]
)
def test_another_partnerships_settings_are_not_found(admin_client, other_partnership, url):
    assert admin_client.get(url).status_code == 404


def test_another_partnerships_closure_day_cannot_be_removed(admin_client, other_partnership):
    theirs = ClosureDay(day=date(2025, 12, 24), description="Closed")
    other_partnership.closure_days.append(theirs)
    db.session.commit()

    response = submit(
        admin_client, f"/partnerships/NSP/closure-days/{theirs.id}/remove", {},
        page_url=SETTINGS,
    )

    assert response.status_code == 404
    assert db.session.get(ClosureDay, theirs.id) is not None


def test_posting_to_another_partnership_changes_nothing(admin_client, other_partnership):
    response = submit(
        admin_client, "/partnerships/SVP",
        {"day": ["24", "12", "2025"], "description": "Closed"}, page_url=SETTINGS,
    )

    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClosureDay)) == 0


@pytest.mark.parametrize("url", ["/partnerships/", SETTINGS,
                                 "/partnerships/NSP/timescales/panel_notification"])
def test_other_roles_are_refused(cdop_client, auditor_client, url):
    assert cdop_client.get(url).status_code == 403
    assert auditor_client.get(url).status_code == 403


def test_other_roles_cannot_post_a_closure_day(cdop_client):
    response = submit(
        cdop_client, SETTINGS, {"day": ["24", "12", "2025"], "description": "Closed"},
        page_url="/change-password",
    )

    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClosureDay)) == 0


# --- Closure days ------------------------------------------------------------------------


def test_a_closure_day_moves_stored_deadlines_and_is_audited(admin_client, partnership):
    christmas_incident(partnership)
    # 23, 24, 29, 30, 31 December 2025.
    assert due(LOCAL) == due("panel_notification") == date(2025, 12, 31)

    response = add_closure_day(admin_client, 24, 12, 2025, "Office closed")

    assert response.status_code == 200
    assert "1 deadline recalculated" in success_banner(response)
    # One working day later: 1 January is a bank holiday, so Friday 2 January 2026.
    assert due(LOCAL) == date(2026, 1, 2)
    # A closure day never moves statutory guidance (issue 23).
    assert due("panel_notification") == date(2025, 12, 31)
    row = page(response).find("td", string="Wednesday 24 December 2025").find_parent("tr")
    assert "Office closed" in row.get_text()
    created = audit_rows("ClosureDay", "create")
    assert len(created) == 1 and created[0].user_id == admin_client.user.id
    assert created[0].changes["description"] == [None, "Office closed"]
    bumped = audit_rows("Partnership", "update")
    assert bumped[-1].changes["rules_version"] == [0, 1]


def test_removing_the_closure_day_moves_them_back(admin_client, partnership):
    christmas_incident(partnership)
    add_closure_day(admin_client, 24, 12, 2025)
    closure = db.session.scalar(sa.select(ClosureDay))

    confirm = admin_client.get(f"/partnerships/NSP/closure-days/{closure.id}/remove")
    assert "Wednesday 24 December 2025" in page(confirm).find("h1").get_text()
    response = submit(
        admin_client, f"/partnerships/NSP/closure-days/{closure.id}/remove", {},
        follow_redirects=True,
    )

    assert "1 deadline recalculated" in success_banner(response)
    assert due(LOCAL) == date(2025, 12, 31)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClosureDay)) == 0
    assert len(audit_rows("ClosureDay", "delete")) == 1
    assert db.session.get(Partnership, partnership.id).rules_version == 2


def test_a_closure_day_with_no_deadlines_to_move_says_so(admin_client):
    response = add_closure_day(admin_client, 5, 8, 2026)

    assert "No stored deadlines needed to change" in success_banner(response)


@pytest.mark.parametrize(
    ("day", "description", "message"),
    [
        (["25", "12", "2025"], "Closed", "This day is already a non-working day (Christmas Day)"),
        (["27", "12", "2025"], "Closed", "This day is already a non-working day (Saturday)"),
        (["24", "12", "2025"], "Closed", "There is already a closure day on 24 December 2025"),
        (["", "", ""], "Closed", "Enter the date of the closure day"),
        (["30", "2", "2026"], "Closed", "Date of the closure day must be a real date"),
        (["24", "12", "2025"], "", "Enter a description of the closure day"),
        (["24", "12", "2025"], "x" * 201, "Description must be 200 characters or fewer"),
    ],
)
def test_a_wrong_closure_day_is_refused_and_the_input_kept(
    admin_client, partnership, day, description, message
):
    partnership.closure_days.append(ClosureDay(day=date(2025, 12, 24), description="Existing"))
    db.session.commit()

    response = submit(admin_client, SETTINGS, {"day": day, "description": description})

    assert response.status_code == 400
    assert message in error_summary(response)
    html = page(response)
    assert [box["value"] for box in html.find_all("input", attrs={"name": "day"})] == day
    assert html.find("input", attrs={"name": "description"})["value"] == description
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClosureDay)) == 1
    assert db.session.get(Partnership, partnership.id).rules_version == 0


# --- Timescale overrides -----------------------------------------------------------------


def test_an_override_moves_stored_deadlines_and_shows_on_the_timescales_page(
    admin_client, partnership
):
    christmas_incident(partnership)

    response = submit(
        admin_client, f"/partnerships/NSP/timescales/{LOCAL}",
        {"amount": "10", "reason": "Agreed by the three partners in March"},
        follow_redirects=True,
    )

    assert "1 deadline recalculated" in success_banner(response)
    assert "10 working days after" in success_banner(response)
    # 23, 24, 29, 30, 31 Dec, 2, 5, 6, 7, 8 Jan.
    assert due(LOCAL) == date(2026, 1, 8)
    assert due("panel_notification") == date(2025, 12, 31)
    saved = db.session.scalar(sa.select(RuleOverride))
    assert (saved.amount, saved.reason) == (10, "Agreed by the three partners in March")
    assert len(audit_rows("RuleOverride", "create")) == 1
    row = page(admin_client.get("/timescales/")).find("tr", id=f"rule-{LOCAL}")
    assert "Northshire Partnership: 10 working days after" in row.get_text(" ", strip=True)


def test_changing_and_removing_an_override(admin_client, partnership):
    christmas_incident(partnership)
    url = f"/partnerships/NSP/timescales/{LOCAL}"
    submit(admin_client, url, {"amount": "10", "reason": "First"})

    form = page(admin_client.get(url))
    assert form.find("input", attrs={"name": "amount"})["value"] == "10"
    submit(admin_client, url, {"amount": "6", "reason": "Second thoughts"})
    assert due(LOCAL) == date(2026, 1, 2)
    assert len(audit_rows("RuleOverride", "update")) == 1

    response = submit(admin_client, f"{url}/remove", {}, follow_redirects=True)

    assert "back to 5 working days after" in success_banner(response)
    assert due(LOCAL) == date(2025, 12, 31)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleOverride)) == 0
    assert len(audit_rows("RuleOverride", "delete")) == 1


def test_a_window_override_takes_an_earliest_and_a_latest_amount(admin_client, partnership):
    response = submit(
        admin_client, "/partnerships/NSP/timescales/rr_meeting_1",
        {"earliest_amount": "2", "amount": "6", "reason": "Coroner's office hours"},
        follow_redirects=True,
    )

    assert "2 to 6 calendar days after" in success_banner(response)
    saved = db.session.scalar(sa.select(RuleOverride))
    assert (saved.earliest_amount, saved.amount) == (2, 6)


def test_a_local_timescale_cannot_change_without_a_reason(admin_client, partnership):
    url = f"/partnerships/NSP/timescales/{LOCAL}"

    response = submit(admin_client, url, {"amount": "5", "reason": "  "})

    assert response.status_code == 400
    assert "Enter the reason for changing this timescale" in error_summary(response)
    assert page(response).find("input", attrs={"name": "amount"})["value"] == "5"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleOverride)) == 0


@pytest.mark.parametrize(("rule", "words"), [
    ("cspr_prepublication_copies", "it is a statutory duty"),
    ("panel_notification", "it is set by statutory guidance"),
    ("rapid_review", "it is set by the Panel's guidance"),
])
def test_a_statutory_or_panel_timescale_cannot_be_changed_at_all(admin_client, partnership,
                                                                 rule, words):
    christmas_incident(partnership)
    settings = page(admin_client.get(SETTINGS)).find("tr", id=f"rule-{rule}")
    assert settings.find("a", string=lambda text: text and "Change" in text) is None
    assert "Fixed" in settings.get_text()
    opened = page(admin_client.get(f"/partnerships/NSP/timescales/{rule}"))
    assert "no partnership can change it" in opened.get_text()
    assert opened.find("input", attrs={"name": "amount"}) is None

    # Posted directly, with a reason and a number: refused, nothing saved or moved.
    response = submit(admin_client, f"/partnerships/NSP/timescales/{rule}",
                      {"amount": "10", "reason": "Agreed by the three partners"},
                      page_url=f"/partnerships/NSP/timescales/{LOCAL}")

    assert response.status_code == 400
    assert f"You cannot change this timescale: {words}" in error_summary(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleOverride)) == 0
    assert db.session.get(Partnership, partnership.id).rules_version == 0
    assert due("panel_notification") == date(2025, 12, 31)


@pytest.mark.parametrize(
    ("rule", "data", "message"),
    [
        (LOCAL, {"amount": "", "reason": "x"}, "Enter the number of working days"),
        (LOCAL, {"amount": "ten", "reason": "x"}, "must be a whole number"),
        (LOCAL, {"amount": "999", "reason": "x"}, "must be between 0 and 260"),
        ("agency_information_request", {"amount": "20", "reason": ""},
         "Enter the reason for changing this"),
        ("rr_meeting_1", {"earliest_amount": "6", "amount": "2", "reason": "x"},
         "must be the same as or less than"),
    ],
)
def test_a_wrong_override_is_refused(admin_client, partnership, rule, data, message):
    response = submit(admin_client, f"/partnerships/NSP/timescales/{rule}", data)

    assert response.status_code == 400
    assert message in error_summary(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleOverride)) == 0
    assert db.session.get(Partnership, partnership.id).rules_version == 0


# --- The same closure day or override saved twice --------------------------------------------


def post_after_someone_else_saved(client, url, data, save_first):
    """Open the page, let `save_first` commit a row as another request would, then post."""
    html = client.get(url).get_data(as_text=True)
    save_first()
    return client.post(url, data={**version_from(html, url), **data,
                                  "csrf_token": csrf_token_from(html)})


def save_christmas_eve(partnership):
    def save():
        db.session.add(ClosureDay(partnership_id=partnership.id, day=date(2025, 12, 24),
                                  description="Office closed"))
        db.session.commit()
    return save


def save_panel_override(partnership):
    def save():
        db.session.add(RuleOverride(partnership_id=partnership.id, rule_key=LOCAL,
                                    amount=7, reason="First click"))
        db.session.commit()
    return save


def nothing_else_saved(partnership, model):
    """Only the other request's row is there, with its audit row; no rules_version bump."""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 1
    assert len(audit_rows(model.__name__, "create")) == 1
    assert audit_rows("Partnership", "update") == []
    assert db.session.get(Partnership, partnership.id).rules_version == 0


def test_a_closure_day_saved_between_opening_and_posting_the_form_is_refused(
    admin_client, partnership
):
    response = post_after_someone_else_saved(
        admin_client, SETTINGS, {"day": ["24", "12", "2025"], "description": "Second click"},
        save_christmas_eve(partnership),
    )

    assert response.status_code == 400
    assert "There is already a closure day on 24 December 2025" in error_summary(response)
    assert page(response).find("input", attrs={"name": "description"})["value"] == "Second click"
    nothing_else_saved(partnership, ClosureDay)


def test_a_closure_day_saved_at_the_same_moment_is_refused_whole(
    admin_client, partnership, monkeypatch
):
    christmas_incident(partnership)
    before = due("panel_notification")
    # The other request commits after this one has checked the partnership's closure days.
    monkeypatch.setattr(Partnership, "closure_dates", property(lambda self: frozenset()))

    response = post_after_someone_else_saved(
        admin_client, SETTINGS, {"day": ["24", "12", "2025"], "description": "Second click"},
        save_christmas_eve(partnership),
    )

    assert response.status_code == 400
    assert "There is already a closure day on 24 December 2025" in error_summary(response)
    assert page(response).find("input", attrs={"name": "description"})["value"] == "Second click"
    nothing_else_saved(partnership, ClosureDay)
    assert due("panel_notification") == before


def test_an_override_saved_between_opening_and_posting_the_form_is_not_overwritten(
    admin_client, partnership
):
    url = f"/partnerships/NSP/timescales/{LOCAL}"
    response = post_after_someone_else_saved(
        admin_client, url, {"amount": "10", "reason": "Second click"},
        save_panel_override(partnership),
    )

    # Refused, saying so, with what was typed kept; the other save stands.
    assert response.status_code == 409
    assert "after you opened this page" in error_summary(response)
    assert page(response).find("textarea", attrs={"name": "reason"}).get_text(strip=True) == (
        "Second click")
    saved = db.session.scalars(sa.select(RuleOverride)).all()
    assert [(o.amount, o.reason) for o in saved] == [(7, "First click")]
    # Saved again, knowingly (the page now carries the current version): it replaces it.
    html = page(response)
    again = admin_client.post(url, data={
        "amount": "10", "reason": "Second click",
        "version": html.find("input", attrs={"name": "version"})["value"],
        "csrf_token": html.find("input", attrs={"name": "csrf_token"})["value"]})
    assert again.status_code == 302
    db.session.expire_all()
    saved = db.session.scalars(sa.select(RuleOverride)).all()
    assert [(o.amount, o.reason) for o in saved] == [(10, "Second click")]


def test_an_override_saved_at_the_same_moment_is_refused_whole(
    admin_client, partnership, monkeypatch
):
    url = f"/partnerships/NSP/timescales/{LOCAL}"
    # The other request commits after this one has looked for an existing override.
    monkeypatch.setattr(Partnership, "rule_overrides", property(lambda self: {}))

    response = post_after_someone_else_saved(
        admin_client, url, {"amount": "10", "reason": "Second click"},
        save_panel_override(partnership),
    )

    assert response.status_code == 400
    assert "was saved at the same moment" in error_summary(response)
    assert page(response).find("input", attrs={"name": "amount"})["value"] == "10"
    nothing_else_saved(partnership, RuleOverride)
    assert db.session.scalar(sa.select(RuleOverride.amount)) == 7


# --- What the correction of issue 23 changed ---------------------------------------------------


def test_the_settings_page_lists_switched_off_changes_and_the_deadlines_moved(
    admin_client, partnership
):
    from tracker.deadline_models import DeadlineCorrection

    incident = christmas_incident(partnership)
    db.session.add(RuleOverride(partnership_id=partnership.id, rule_key="coroner_notification",
                                amount=10, reason="Agreed in 2024",
                                switched_off_on=date(2026, 1, 5)))
    db.session.add(DeadlineCorrection(
        partnership_id=partnership.id, deadline_id=1, owner_type="serious_incident",
        owner_id=incident.id, rule_key="panel_notification", old_due_date=date(2026, 1, 7),
        new_due_date=date(2025, 12, 31), cause="closure_days", corrected_on=date(2026, 1, 5)))
    db.session.commit()

    html = page(admin_client.get(SETTINGS))

    switched = html.find(id="switched-off-list").get_text(" ", strip=True)
    assert ("Coroner notifies the child death review partners: was 10 working days after, "
            "switched off on Monday 5 January 2026") in switched
    moved = html.find("table", id="moved-deadlines").find("tbody").get_text(" ", strip=True)
    assert "CSPR-NSP-2025-000001" in moved
    assert "Notify the Child Safeguarding Practice Review Panel" in moved
    assert "7 January 2026" in moved and "31 December 2025" in moved
    # The switched-off change is not applied, and not offered as the partnership's own.
    row = html.find("tr", id="rule-coroner_notification").get_text(" ", strip=True)
    assert "10 working days" not in row
    assert due("panel_notification") == date(2025, 12, 31)
    # The partnership list counts only the changes that apply.
    cells = page(admin_client.get("/partnerships/")).find("tbody").find_all("td")
    assert [cell.get_text(strip=True) for cell in cells][-2:] == ["0", "0"]


def test_the_moved_deadlines_are_not_shown_to_another_partnerships_administrator(
    admin_client, other_partnership
):
    from tracker.deadline_models import DeadlineCorrection

    db.session.add(DeadlineCorrection(
        partnership_id=other_partnership.id, deadline_id=1, owner_type="serious_incident",
        owner_id=1, rule_key="panel_notification", old_due_date=date(2026, 1, 7),
        new_due_date=date(2025, 12, 31), cause="closure_days", corrected_on=date(2026, 1, 5)))
    db.session.commit()

    assert page(admin_client.get(SETTINGS)).find("table", id="moved-deadlines") is None
    assert admin_client.get("/partnerships/SVP").status_code == 404


def test_a_moved_deadline_is_listed_where_its_record_is_now(admin_client, partnership,
                                                            other_partnership):
    """A case transferred after the correction takes its entry to its new partnership."""
    from tracker.deadline_models import Deadline, DeadlineCorrection

    incident = christmas_incident(partnership)
    moved = db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_id == incident.id, Deadline.rule_key == "panel_notification"))
    db.session.add(DeadlineCorrection(  # moved while the record was the other partnership's
        partnership_id=other_partnership.id, deadline_id=moved.id,
        owner_type="serious_incident", owner_id=incident.id, rule_key="panel_notification",
        old_due_date=date(2026, 1, 7), new_due_date=date(2025, 12, 31), cause="closure_days",
        corrected_on=date(2026, 1, 5)))
    db.session.commit()

    table = page(admin_client.get(SETTINGS)).find("table", id="moved-deadlines")

    assert table is not None
    assert incident.reference in table.find("tbody").get_text(" ", strip=True)
