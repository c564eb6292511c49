"""One child death, walked through every stage through the web forms with CSRF on."""

from datetime import date

import pytest

from cdr.models import AgencyRequest, ChildDeathCase
from tests.conftest import sign_in
from tests.factories import make_user
from tracker.extensions import db
from tracker.roles import Role

DIED = date(2025, 3, 3)  # a Monday


@pytest.fixture
def today(clock, days_pass):
    """today(date) sets the day every child death page thinks it is."""
    return clock.set


def day(value: date) -> list[str]:
    """A date as the three boxes of the GOV.UK date input post it."""
    return [str(value.day), str(value.month), str(value.year)]


def version(case_id) -> str:
    """The case's version now, as the hidden field of a form opened now carries it."""
    db.session.expire_all()
    return str(db.session.get(ChildDeathCase, case_id).version)


NOTIFICATION = {
    "given_names": "Testchild", "family_name": "Invented",
    "date_of_birth": day(date(2024, 1, 26)), "sex": "female",
    "nhs_number": "999 000 0018", "address": "1 Imaginary Lane, Northtown",
    "postcode": "zz99 3aa", "la_of_residence": "Northshire",
    "date_of_death": day(DIED), "time_of_death": "14:30",
    "birth_outcome": "no", "place_of_death": "home", "la_of_death": "Northshire",
    "death_expected": "no", "circumstances": "Found unresponsive in the morning.",
    "source": "practitioner", "notifier_name": "Dr Example Notifier",
    "notifier_role": "Emergency department consultant",
    "notifier_agency": "Northshire Hospitals", "notifier_contact": "notifier@example.org",
    "received_on": day(date(2025, 3, 4)), "flags": ["post_mortem_ordered"],
}
# What would identify the child: none of it may reach a panel member's page.
IDENTIFYING = ("Testchild", "Invented", "9990000018", "999 000 0018", "Imaginary Lane",
               "ZZ99", "26 January 2024", "26/01/2024", "2024-01-26")

DONE, NOW, TODO, NA = "Completed", "In progress", "Not yet started", "Not needed"


def stages(page) -> list[str]:
    """The status of each stage of the case page's task list, in order."""
    names = [n.get_text(strip=True) for n in page.html.select(
        ".govuk-task-list .govuk-task-list__name-and-hint")]
    assert names == ["Notified", "Joint Agency Response", "Gathering information",
                     "Child death review meeting", "Ready for CDOP panel", "Closed"]
    return [s.get_text(strip=True) for s in page.html.select(
        ".govuk-task-list .govuk-task-list__status .govuk-tag")]


def deadlines(page) -> dict[str, str]:
    """Deadline row id -> its text, from the case page's deadline table."""
    table = page.html.select_one("#deadline-table")
    if table is None:
        return {}
    return {row["id"]: row.get_text(" ", strip=True) for row in table.select("tbody tr")}


def tags(page) -> dict[str, str]:
    """Deadline row id -> its status tag."""
    return {key: page.text(f"#{key} .govuk-tag") for key in deadlines(page)}


def newest(page, count=1) -> list[str]:
    """The newest lines of the case page's timeline ("date: text")."""
    return [" ".join(li.get_text(" ", strip=True).split()).replace(" :", ":")
            for li in page.html.select("#timeline + ol > li")[:count]]


def post_the_form(call, client, page, form, endpoint, button, **values):
    """Press a button of the page's `form` (a CSS selector): post every input it holds, as a
    browser would (`call` adds a fresh CSRF token)."""
    found = page.html.select_one(form)
    assert found is not None, f"no form matches {form!r}"
    data = {}
    for field in found.select("input[name]"):
        if field["name"] != "csrf_token":
            data.setdefault(field["name"], []).append(field.get("value", ""))
    data.update(button)
    return call(client, endpoint, data=data, **values)


def test_a_death_walked_from_notification_to_transfer(
        app, cdop_client, doctor_client, panel_client, partnership, other_partnership, call,
        today):
    def case_page(client=cdop_client):
        return call(client, "cdr.case", case_id=case_id)

    # --- A CDOP administrator notifies the death ---------------------------------------------
    today(date(2025, 3, 4))
    notified = call(cdop_client, "cdr.notify", data=NOTIFICATION, status=302)
    case_id = int(notified.response.headers["Location"].rsplit("/", 1)[1])
    page = case_page()
    assert "the case reference is CDOP-NSP-2025-0001" in page.text(".govuk-notification-banner")
    assert page.text("h1") == "CDOP-NSP-2025-0001"
    assert stages(page) == [NOW, NA, TODO, TODO, TODO, TODO]
    assert deadlines(page) == {}  # no Joint Agency Response yet, no registrar or coroner dates
    shown_to_admin = page.response.get_data(as_text=True)
    assert all(words in shown_to_admin for words in ("Testchild", "Invented", "ZZ99"))
    assert newest(page) == ["4 March 2025: Death notified by the practitioner (Northshire "
                            "Hospitals); case CDOP-NSP-2025-0001 opened"]

    # --- The coroner's office notifies the same death: shown, then recorded on the case ------
    today(date(2025, 3, 5))
    again = {**NOTIFICATION, "source": "coroner", "notifier_name": "Example Coroner's Officer",
             "notifier_role": "Coroner's officer", "notifier_agency": "Northshire Coroner",
             "notifier_contact": "coroner@example.org", "received_on": day(date(2025, 3, 5))}
    duplicate = call(cdop_client, "cdr.notify", data=again)
    assert duplicate.text("h1") == "This death has already been notified: CDOP-NSP-2025-0001"
    post_the_form(call, cdop_client, duplicate, "main form", "cdr.notify", {"action": "further"},
                  status=302, form_page="cdr.notify")
    assert db.session.scalar(db.select(db.func.count()).select_from(ChildDeathCase)) == 1
    page = case_page()
    rows = [row.get_text(" ", strip=True) for row in page.html.select(
        "#notification-table tbody tr")]
    assert len(rows) == 2
    assert rows[1].startswith("5 March 2025 Further notification Coroner Northshire Coroner")
    assert stages(page) == [NOW, NA, TODO, TODO, TODO, TODO]
    assert newest(page) == ["5 March 2025: Further notification from the coroner "
                            "(Northshire Coroner)"]

    # --- The designated doctor is recorded ---------------------------------------------------
    doctor = doctor_client.user
    call(cdop_client, "cdr.designated_doctor", case_id=case_id, status=302,
         data={"doctor": str(doctor.id), "version": version(case_id)})
    page = case_page()
    assert doctor.full_name in page.text("#designated-doctor + .govuk-summary-list")
    assert newest(page) == [f"5 March 2025: Designated doctor: {doctor.full_name}"]

    # --- The doctor ticks a Joint Agency Response criterion ----------------------------------
    call(doctor_client, "cdr.joint_agency_response", case_id=case_id, status=302,
         data={"criteria": ["jar_sudden_unexplained"], "version": version(case_id)})
    page = case_page()
    assert stages(page) == [DONE, NOW, TODO, TODO, TODO, TODO]
    assert "Joint Agency Response required because" in page.text("#jar-status")
    shown = deadlines(page)
    assert list(shown) == ["deadline-rr_meeting_1", "deadline-rr_meeting_2"]
    assert "4 March 2025 to 8 March 2025" in shown["deadline-rr_meeting_1"]
    assert "8 March 2025 to 10 March 2025" in shown["deadline-rr_meeting_2"]
    assert tags(page) == {"deadline-rr_meeting_1": "Due soon",
                          "deadline-rr_meeting_2": "Not yet due"}
    assert newest(page)[0].startswith("5 March 2025: Joint Agency Response required: The "
                                      "death is sudden")
    assert "CDOP-NSP-2025-0001" in call(doctor_client, "cdr.my_cases").text("main")

    # --- The first and second rapid response meetings, held inside their windows -------------
    call(cdop_client, "cdr.meeting", case_id=case_id, number=1, status=302, data={
        "meeting_on": day(date(2025, 3, 5)), "starts_at": "10:00",
        "place_or_link": "Northshire police station, room 4", "chair": "Dr Chair, paediatrician",
        "attendees": "Police\nChildren's social care\nGP", "agencies": "Police, health",
        "actions": "Police and paediatrician visit the home", "held": "y",
        "version": version(case_id)})
    today(date(2025, 3, 10))
    call(cdop_client, "cdr.meeting", case_id=case_id, number=2, status=302, data={
        "meeting_on": day(date(2025, 3, 10)), "starts_at": "14:00", "held": "y",
        "version": version(case_id)})
    page = case_page()
    assert "Held" in page.text("#meeting-1") and "Held" in page.text("#meeting-2")
    assert tags(page) == {"deadline-rr_meeting_1": "Met on time",
                          "deadline-rr_meeting_2": "Met on time"}
    assert stages(page) == [DONE, NOW, TODO, TODO, TODO, TODO]  # the third is still to come
    assert newest(page, 2) == ["10 March 2025: Second rapid response meeting held",
                               "10 March 2025: Second rapid response meeting scheduled for "
                               "10 March 2025"]

    # --- Post-mortem results: the third meeting's clock starts; the meeting is held ----------
    today(date(2025, 3, 20))
    call(doctor_client, "cdr.joint_agency_response", case_id=case_id, status=302, data={
        "criteria": ["jar_sudden_unexplained"], "post_mortem_results_on": day(date(2025, 3, 20)),
        "version": version(case_id)})
    page = case_page()
    assert "3 April 2025" in deadlines(page)["deadline-rr_meeting_3"]
    assert tags(page)["deadline-rr_meeting_3"] == "Not yet due"
    assert newest(page) == ["20 March 2025: All post-mortem results received"]
    form = call(cdop_client, "cdr.meeting", case_id=case_id, number=3)
    assert "between 20 March 2025 and 3 April 2025" in form.text("main")
    today(date(2025, 3, 24))
    call(cdop_client, "cdr.meeting", case_id=case_id, number=3, status=302, data={
        "meeting_on": day(date(2025, 3, 24)), "held": "y", "version": version(case_id)})
    page = case_page()
    assert stages(page) == [DONE, DONE, NOW, TODO, TODO, TODO]
    assert tags(page)["deadline-rr_meeting_3"] == "Met on time"
    assert newest(page) == ["24 March 2025: Third rapid response meeting held"]

    # --- Agency information requests, sent and returned ---------------------------------------
    for agency in ("GP practice", "Children's social care"):
        call(cdop_client, "cdr.new_request", case_id=case_id, status=302,
             data={"agency": agency, "sent_on": day(date(2025, 3, 11))})
    gp, social = db.session.scalars(db.select(AgencyRequest.id).order_by(AgencyRequest.id))
    page = case_page()
    assert stages(page) == [DONE, DONE, NOW, TODO, TODO, TODO]
    gp_row, social_row = (f"deadline-agency_information_request-{i}" for i in (gp, social))
    assert "GP practice" in deadlines(page)[gp_row] and "1 April 2025" in deadlines(page)[gp_row]
    assert tags(page)[gp_row] == tags(page)[social_row] == "Not yet due"
    # Sent on 11 March but recorded on the 24th: placed on the day sent, with the day
    # recorded (issue 24: by when things happened, then by when they were recorded).
    assert newest(page, 5)[2:] == [
        "20 March 2025: All post-mortem results received",
        "11 March 2025: Information requested from Children's social care: core reporting "
        "form (recorded 24 March 2025)",
        "11 March 2025: Information requested from GP practice: core reporting form "
        "(recorded 24 March 2025)"]
    outstanding = call(cdop_client, "cdr.outstanding_requests").text("main")
    assert "GP practice" in outstanding and "Children's social care" in outstanding

    today(date(2025, 3, 28))
    call(cdop_client, "cdr.edit_request", case_id=case_id, request_id=gp, status=302, data={
        "agency": "GP practice", "sent_on": day(date(2025, 3, 11)),
        "returned_on": day(date(2025, 3, 25)), "summary": "Registered; seen twice for colds."})
    today(date(2025, 4, 2))
    page = case_page()
    assert tags(page)[gp_row] == "Met on time"
    assert tags(page)[social_row] == "Overdue"
    call(cdop_client, "cdr.edit_request", case_id=case_id, request_id=social, status=302, data={
        "agency": "Children's social care", "sent_on": day(date(2025, 3, 11)),
        "chased_on": day(date(2025, 4, 2)), "returned_on": day(date(2025, 4, 2)),
        "summary": "Not known to the service."})
    page = case_page()
    assert tags(page)[social_row] == "Met late"
    assert stages(page) == [DONE, DONE, DONE, NOW, TODO, TODO]
    assert newest(page, 2) == ["2 April 2025: Information returned by Children's social care",
                               "2 April 2025: Request to Children's social care chased"]
    assert "GP practice" not in call(cdop_client, "cdr.outstanding_requests").text("main")

    # --- Information complete ---------------------------------------------------------------
    assert page.text("#information-state") == "Information not complete"
    post_the_form(call, cdop_client, page, "form[action$='/information-complete']",
                  "cdr.information_complete", {}, status=302,
                  case_id=case_id, form_page=("cdr.case", {"case_id": case_id}))
    page = case_page()
    assert page.text("#information-state") == "Information complete on 2 April 2025"
    assert newest(page) == ["2 April 2025: Information gathering marked complete"]

    # --- The child death review meeting and its draft analysis -------------------------------
    today(date(2025, 4, 8))
    call(cdop_client, "cdr.review_meeting", case_id=case_id, status=302, data={
        "review_meeting_on": day(date(2025, 4, 8)),
        "review_meeting_attendees": "Designated doctor\nGP\nHealth visitor",
        "analysis_summary": "The child was found unresponsive at home.",
        "analysis_factors": "Unsafe sleeping arrangement.",
        "analysis_learning": "Safer sleep advice at every contact.",
        "version": version(case_id)})
    page = case_page()
    summary = page.text("#review-meeting-summary")
    assert "8 April 2025" in summary and "Unsafe sleeping arrangement." in summary
    assert stages(page) == [DONE, DONE, DONE, DONE, NOW, TODO]
    assert "the case is ready for the panel" in page.text("#panel ~ p")
    assert newest(page) == ["8 April 2025: Child death review meeting held"]

    # --- A CDOP meeting is scheduled and the case added to its agenda -----------------
    made = call(cdop_client, "cdr.new_panel_meeting", status=302, data={
        "meeting_on": day(date(2025, 4, 15)), "starts_at": "13:30",
        "place_or_link": "Council offices, room 2", "notes": "Five members expected."})
    meeting_id = int(made.response.headers["Location"].rsplit("/", 1)[1])
    ready = call(cdop_client, "cdr.panel_ready_cases", meeting_id=meeting_id)
    assert "1 case ready" in ready.text("main") and "CDOP-NSP-2025-0001" in ready.text("main")
    post_the_form(call, cdop_client, ready, "main table form", "cdr.panel_ready_cases", {},
                  status=302, meeting_id=meeting_id)
    page = case_page()
    assert page.text("#panel-meetings") == "CDOP meeting of 15 April 2025"
    assert newest(page)[0].endswith(": Added to the agenda of the CDOP meeting of "
                                    "15 April 2025")

    # --- A panel member reads the anonymised agenda and summary ------------------------------
    reached = [
        call(panel_client, "cdr.panel_meetings"),
        call(panel_client, "cdr.panel_meeting", meeting_id=meeting_id),
        call(panel_client, "cdr.panel_case_summary", meeting_id=meeting_id, case_id=case_id),
    ]
    agenda, summary = reached[1].text("main"), reached[2].text("main")
    assert "1 CDOP-NSP-2025-0001 1 to 4 years Female" in agenda
    assert "The child was found unresponsive at home." in summary
    assert "Unsafe sleeping arrangement." in summary
    for shown in reached:
        html = shown.response.get_data(as_text=True)
        assert not [words for words in IDENTIFYING if words in html]
    assert "Found unresponsive in the morning" not in reached[2].response.get_data(as_text=True)
    call(panel_client, "cdr.case", case_id=case_id, status=403)

    # --- The panel's outcome: an action, then the outcome closes the case --------------------
    today(date(2025, 4, 15))
    call(cdop_client, "cdr.new_case_action", case_id=case_id, status=302, data={
        "description": "Safer sleep briefing for health visitors", "owner": "Public health",
        "due_on": day(date(2025, 6, 30))})
    call(cdop_client, "cdr.case_outcome", case_id=case_id, status=302, data={
        "category": "sudden_unexplained", "factors_child": "None identified.",
        "factors_social": "Smoking in the home.", "factors_physical": "Sleeping on a sofa.",
        "factors_service": "Safer sleep advice not repeated after birth.",
        "modifiable_factors": "yes", "learning_points": "Repeat safer sleep advice.",
        "review_completed_on": day(date(2025, 4, 15)), "outcome_meeting": str(meeting_id),
        "version": version(case_id)})
    page = case_page()
    assert "CDOP-NSP-2025-0001 is closed" in page.text(".govuk-notification-banner")
    panel = page.text("main")
    assert "The review was completed and the case closed on 15 April 2025" in panel
    for words in ("Sudden unexpected, unexplained death", "Sleeping on a sofa.",
                  "Repeat safer sleep advice.", "Safer sleep briefing for health visitors",
                  "Public health", "30 June 2025"):
        assert words in panel
    assert stages(page) == [DONE, DONE, DONE, DONE, DONE, DONE]
    assert set(tags(page).values()) <= {"Met on time", "Met late"}
    # Completed at the CDOP meeting that had taken place (issue 24).
    [completed] = newest(page)
    assert completed.startswith("15 April 2025: CDOP panel review completed at the CDOP ")
    assert completed.endswith(" meeting of 15 April 2025 (Sudden unexpected, unexplained death; "
                              "modifiable factors: yes). Case closed.")
    listed = call(cdop_client, "cdr.cases", stage="closed").text("main")
    assert "CDOP-NSP-2025-0001" in listed

    # --- Reopened, with the reason ----------------------------------------------------------
    today(date(2025, 5, 1))
    call(cdop_client, "cdr.reopen_case", case_id=case_id, status=302, data={
        "reason": "The inquest found a new cause of death.", "version": version(case_id)})
    page = case_page()
    assert stages(page) == [DONE, DONE, DONE, DONE, NOW, TODO]
    assert "The panel's outcome has not been recorded." in page.text("main")
    assert newest(page) == ["1 May 2025: Case reopened. Reason: The inquest found a new "
                            "cause of death."]

    # --- Transferred to the partnership where the child normally lived -----------------------
    transfer = call(cdop_client, "cdr.transfer_case", case_id=case_id)
    assert "Southvale Partnership (SVP)" in transfer.text("#partnership")
    call(cdop_client, "cdr.transfer_case", case_id=case_id, status=302, data={
        "partnership": str(other_partnership.id),
        "reason": "The child normally lived in Southvale."})
    call(cdop_client, "cdr.case", case_id=case_id, status=404)
    assert "CDOP-NSP-2025-0001" not in call(cdop_client, "cdr.cases").text("main")

    southvale = app.test_client()
    sign_in(southvale, make_user(Role.CDOP_ADMIN, [other_partnership]).email)
    page = case_page(southvale)
    assert page.text("h1") == "CDOP-NSP-2025-0001"
    assert "Northshire Partnership" in page.text("#transfer-table")
    assert "The child normally lived in Southvale." in page.text("#transfer-table")
    assert stages(page) == [DONE, DONE, DONE, DONE, NOW, TODO]
    assert len(deadlines(page)) == 5
    assert newest(page) == ["1 May 2025: Transferred from Northshire Partnership to Southvale "
                            "Partnership"]
