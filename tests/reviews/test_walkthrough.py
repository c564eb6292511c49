"""One serious incident walked through every stage the business unit records, purely through
the web forms with CSRF on (issue 14): the incident, the Panel and partners notified, the
rapid review sent to the Panel and its response, the decision to hold a local review
(converted), a reviewer checked for conflicts of interest, terms of reference, a written
request answered, publication planned, delayed, copies sent and published, then
recommendations and actions to completion. After each step the test reads what a business
unit manager would: the review page's stages, deadlines and timeline, and the tracker list.

Every form is filled as a browser would send it: the answers the form page already shows
(including its hidden version), with the user's changes on top.
"""

from datetime import date

import pytest

from tracker.timeutil import clock, london_today


@pytest.fixture(autouse=True)
def _today(clock, days_pass):
    clock.set(date(2025, 1, 6))


def on(day: date) -> None:
    """Move "today" on."""
    assert day >= london_today(), "the walk only goes forward"
    clock.set(day)


def _as_posted(value):
    if isinstance(value, date):
        return [str(value.day), str(value.month), str(value.year)]
    return "" if value is None else value


def form_answers(page, field: str) -> dict:
    """What the browser would send from the form holding `field`, as the page shows it."""
    node = page.html.find(attrs={"name": field})
    assert node is not None, f"the form page has no {field!r} field"
    form = node.find_parent("form")
    answers: dict = {}
    for element in form.find_all(["input", "textarea", "select"]):
        name = element.get("name")
        if not name or name == "csrf_token":
            continue
        if element.name == "textarea":
            value = element.get_text()
        elif element.name == "select":
            chosen = element.find("option", selected=True) or element.find("option")
            value = chosen.get("value", chosen.get_text()) if chosen else ""
        elif element.get("type") in ("radio", "checkbox"):
            if not element.has_attr("checked"):
                continue
            value = element.get("value", "on")
        elif element.get("type") in ("submit", "button"):
            continue
        else:
            value = element.get("value", "")
        answers.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in answers.items()}


def fill(call, client, endpoint, changes: dict, *, form_page=None, status=302, **values):
    """Open the form page, change what the user changes, and send it (with its CSRF token).
    Returns the page answered (the redirect, or the form again with its errors)."""
    page_endpoint, page_values = form_page or (endpoint, values)
    shown = call(client, page_endpoint, **page_values)
    answers = form_answers(shown, next(iter(changes)))
    answers.update({name: _as_posted(value) for name, value in changes.items()})
    return call(client, endpoint, data=answers, status=status, form_page=form_page, **values)


def review_page(call, client, incident_id):
    return call(client, "reviews.incident", incident_id=incident_id)


def stages(page) -> dict[str, str]:
    """The task list: stage name -> its status tag."""
    return {item.select_one(".govuk-task-list__name-and-hint").get_text(strip=True):
            item.select_one(".govuk-tag").get_text(strip=True)
            for item in page.html.select(".govuk-task-list__item")}


def deadline(page, rule_key) -> str:
    """A row of the deadline table, in words."""
    return page.text(f"#deadline-table #deadline-{rule_key}")


def deadline_tag(page, rule_key) -> str:
    return page.html.select_one(f"#deadline-{rule_key} .govuk-tag").get_text(strip=True)


def timeline(page) -> list[str]:
    """The timeline, newest first."""
    return [" ".join(item.get_text().split()) for item in page.html.select("#timeline + ol li")]


def tracker_row(call, client, reference, **filters) -> str | None:
    """The incident's row of the tracker list (with these filters), in words; None if absent."""
    listing = call(client, "reviews.tracker", **filters)
    for row in listing.html.select("#tracker-list tbody tr"):
        if reference in row.get_text():
            return row.get_text(" ", strip=True)
    return None


def test_a_serious_incident_from_notification_to_completed_actions(business_client, call):
    client = business_client

    # --- The incident: the local authority became aware on Friday 3 January 2025 ---------
    on(date(2025, 1, 6))
    recorded = fill(call, client, "reviews.new_incident", {
        "child_reference": "Child P", "outcome": "harmed",
        "incident_date": date(2025, 1, 2), "la_aware_on": date(2025, 1, 3),
        "abuse_or_neglect": "yes", "location": "in_area", "looked_after": "no", "care_leaver": "no",
        "cp_plan": "recently_removed", "other_areas": "Southvale (previous address)"})
    incident_id = int(recorded.response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    page = review_page(call, client, incident_id)
    reference = page.text("h1").split(":")[0]
    assert page.text("h1") == f"{reference}: Child P"
    assert reference.startswith("CSPR-NSP-2025-")
    assert "Recently removed from a child protection plan" in page.text("#incident + dl")
    assert stages(page) == {
        "Notify the Panel and the safeguarding partners": "Not yet started",
        "Rapid review": "Not yet started", "Decision on a review": "Not yet started",
        "Tell the Panel, Ofsted and the Department for Education of the decision":
            "Not yet started",
        "Review": "Not yet started", "Publication": "Not yet started",
        "Record why the report will not be published in full": "Not yet started",
        "Recommendations and actions": "Not yet started"}
    # Five working days from awareness; a harmed child is not a looked-after child's death.
    assert "Notify the Child Safeguarding Practice Review Panel" in deadline(
        page, "panel_notification")
    assert "10 January 2025" in deadline(page, "panel_notification")
    assert "10 January 2025" in deadline(page, "partners_notification")
    assert page.html.select_one("#deadline-sos_ofsted_lac_notification") is None
    assert deadline_tag(page, "panel_notification") == "Not yet due"
    assert timeline(page)[0] == ("3 January 2025: Serious incident recorded: the child was "
                                 "seriously harmed")
    row = tracker_row(call, client, reference)
    assert "Child P" in row and "Seriously harmed" in row and "Notified" in row
    assert "Not decided" in row
    assert "Notify the Child Safeguarding Practice Review Panel, 10 January 2025" in row

    # --- The Panel and the partners told on Wednesday 8 January --------------------------
    on(date(2025, 1, 8))
    fill(call, client, "reviews.notifications", {
        "panel_notified_on": date(2025, 1, 8), "panel_reference": "CSON-2025-0417",
        "partners_notified_on": date(2025, 1, 8)}, incident_id=incident_id)
    page = review_page(call, client, incident_id)
    notices = page.text("#notification-summary")
    assert "8 January 2025, reference CSON-2025-0417" in notices
    assert "late" not in notices
    assert stages(page)["Notify the Panel and the safeguarding partners"] == "Completed"
    assert deadline_tag(page, "panel_notification") == "Met on time"
    assert deadline_tag(page, "partners_notification") == "Met on time"
    # The notification starts the rapid review's 15 working days (Panel guidance).
    assert "29 January 2025" in deadline(page, "rapid_review")
    # Known of in 2025: Working Together 2023, which cites the Panel's guidance (not inferred).
    assert "inferred" not in deadline(page, "rapid_review")
    assert timeline(page)[:2] == ["8 January 2025: Reported to the safeguarding partners",
                                  "8 January 2025: Panel notified"]
    assert "Complete the rapid review and send it to the Panel, 29 January 2025" in \
        tracker_row(call, client, reference)

    # --- The rapid review: met on 15 January, sent to the Panel on 20 January ------------
    on(date(2025, 1, 15))
    fill(call, client, "reviews.add_rapid_review_meeting", {"meeting_on": date(2025, 1, 15)},
         form_page=("reviews.rapid_review", {"incident_id": incident_id}),
         incident_id=incident_id)
    page = review_page(call, client, incident_id)
    # A meeting held: the rapid review is under way (it once said "Not yet started").
    assert stages(page)["Rapid review"] == "In progress"
    assert "Stage Rapid review" in page.text("#incident + dl")
    assert timeline(page)[0] == "15 January 2025: Rapid review meeting added"
    assert "Rapid review" in tracker_row(call, client, reference, stage="rapid_review")

    on(date(2025, 1, 20))
    form = call(client, "reviews.rapid_review", incident_id=incident_id)
    assert "15 January 2025" in form.text()  # the meeting, listed beside the form
    fill(call, client, "reviews.rapid_review", {
        "rr_participants": "Children's social care, police, health, school",
        "rr_agencies": "Children's social care; Northshire Police; Northshire NHS Trust",
        "rr_facts": "Child P was admitted to hospital with injuries consistent with abuse.",
        "rr_safety_actions": "Siblings placed with extended family under a safety plan",
        "rr_learning": "Information about the previous address was not shared",
        "rr_recommendation": "local",
        "rr_rationale": "Learning about sharing information across areas",
        "rapid_review_sent_on": date(2025, 1, 20)}, incident_id=incident_id)
    page = review_page(call, client, incident_id)
    summary = page.text("#rapid-review-summary")
    assert "A local child safeguarding practice review" in summary
    assert "Sent to the Panel 20 January 2025" in summary
    assert stages(page)["Rapid review"] == "Completed"
    assert deadline_tag(page, "rapid_review") == "Met on time"
    assert timeline(page)[0] == ("20 January 2025: Rapid review sent to the Panel, "
                                 "recommending a local child safeguarding practice review")
    row = tracker_row(call, client, reference)
    assert "Decision" in row and "None open" in row

    # --- The Panel's response: no national review; it asked for a chronology -------------
    on(date(2025, 2, 3))
    fill(call, client, "reviews.panel_response", {
        "panel_response_on": date(2025, 2, 3), "panel_national_review": "no",
        "panel_info_requested": "A chronology of health contacts",
        "panel_info_requested_on": date(2025, 1, 27),
        "panel_info_supplied_on": date(2025, 1, 31)}, incident_id=incident_id)
    page = review_page(call, client, incident_id)
    summary = page.text("#rapid-review-summary")
    assert "3 February 2025: it will not undertake a national review" in summary
    assert ("A chronology of health contacts, asked for on 27 January 2025, supplied on "
            "31 January 2025") in summary
    assert timeline(page)[0] == ("3 February 2025: Panel's response recorded: it will not "
                                 "undertake a national review")
    assert stages(page)["Decision on a review"] == "Not yet started"

    # --- The decision: a local review, converted from the rapid review -------------------
    on(date(2025, 2, 7))
    fill(call, client, "reviews.decision", {
        "decision": "local", "decision_on": date(2025, 2, 5),
        "decision_rationale": "Learning about information sharing across areas",
        "family_told": "yes", "family_told_on": date(2025, 2, 6),
        "decision_informed_on": date(2025, 2, 6), "decision_ofsted_told_on": date(2025, 2, 6),
        "decision_dfe_told_on": date(2025, 2, 7)}, incident_id=incident_id)
    page = review_page(call, client, incident_id)
    decided = page.text("#decision-summary")
    assert "Local child safeguarding practice review (converted from the rapid review)" in \
        decided
    assert "Yes, on 6 February 2025" in decided
    assert "Panel told of the decision 6 February 2025" in decided
    assert "Department for Education told of the decision 7 February 2025" in decided
    assert stages(page)["Tell the Panel, Ofsted and the Department for Education of the "
                        "decision"] == "Completed"
    assert stages(page)["Decision on a review"] == "Completed"
    assert stages(page)["Review"] == "In progress"
    assert stages(page)["Publication"] == "Not yet started"
    # Six months from the decision to publish.
    assert "Publish the local child safeguarding practice review" in deadline(
        page, "cspr_publication")
    assert "5 August 2025" in deadline(page, "cspr_publication")
    assert deadline_tag(page, "cspr_publication") == "Not yet due"
    assert timeline(page)[0] == ("5 February 2025: Decision: local child safeguarding "
                                 "practice review (the rapid review was converted to a local "
                                 "review)")
    row = tracker_row(call, client, reference, converted="yes", decision="local")
    assert "Review under way" in row and "Converted" in row
    assert "Publish the local child safeguarding practice review, 5 August 2025" in row
    assert tracker_row(call, client, reference, converted="no") is None

    # --- A reviewer, checked for conflicts of interest -----------------------------------
    on(date(2025, 2, 10))
    fill(call, client, "reviews.reviewers", {
        "name": "Alex Reviewer", "organisation": "Independent",
        "knowledge": "Led six local reviews", "research": "Published on neglect",
        "viewpoint": "Former social worker", "communication": "Clear written reports",
        "conflict_checked_on": date(2025, 2, 10),
        "conflict_outcome": "No conflict: never worked in Northshire"},
        incident_id=incident_id)
    page = review_page(call, client, incident_id)
    reviewers = page.text("#reviewer-summary")
    assert "Alex Reviewer" in reviewers and "Independent" in reviewers
    assert "Commissioned" in reviewers
    assert "Checked 10 February 2025: No conflict: never worked in Northshire" in reviewers
    assert "Viewpoint of those involved: Former social worker" in reviewers
    assert timeline(page)[:2] == [
        "10 February 2025: Conflict of interest check recorded for Alex Reviewer: the "
        "reviewer counts as commissioned",
        "10 February 2025: Reviewer added: Alex Reviewer"]
    assert tracker_row(call, client, reference, reviewer="alex") is not None
    assert tracker_row(call, client, reference, reviewer="Nobody") is None

    # --- Terms of reference and methodology ----------------------------------------------
    fill(call, client, "reviews.terms_of_reference", {
        "terms_of_reference": "How agencies shared what they knew after the move",
        "methodology": "Practitioner event and a conversation with the family"},
        incident_id=incident_id)
    page = review_page(call, client, incident_id)
    terms = page.text("#terms-summary")
    assert "How agencies shared what they knew after the move" in terms
    assert "Practitioner event and a conversation with the family" in terms
    assert timeline(page)[0] == ("10 February 2025: The review's terms of reference and "
                                 "methodology recorded")

    # --- A request made by e-mail, recorded by hand and answered ------------------------
    on(date(2025, 2, 12))
    fill(call, client, "reviews.review_requests", {
        "agency": "Southvale Children's Services", "sent_on": date(2025, 2, 12),
        "due_on": date(2025, 2, 26)}, incident_id=incident_id)
    page = review_page(call, client, incident_id)
    [request_row] = page.html.select("#information-requests tbody tr")
    assert "Recorded by hand" in request_row.get_text()
    assert "Awaited" in request_row.get_text()
    assert "26 February 2025" in request_row.get_text()
    request_id = int(request_row["id"].rsplit("-", 1)[-1])

    on(date(2025, 2, 27))
    page = review_page(call, client, incident_id)
    assert "Overdue" in page.text("#information-requests")  # a day late, and no answer yet

    on(date(2025, 2, 28))
    fill(call, client, "reviews.review_request", {
        "answered_on": date(2025, 2, 28),
        "summary": "Case records from the previous address"},
        incident_id=incident_id, review_request_id=request_id)
    page = review_page(call, client, incident_id)
    answered = page.text(f"#review-request-{request_id}")
    assert "Answered" in answered
    assert "28 February 2025: Case records from the previous address" in answered
    assert "Overdue" not in answered
    assert timeline(page)[0] == ("28 February 2025: Southvale Children's Services answered "
                                 "the written request")

    # --- Publication planned for 28 July ------------------------------------------------
    on(date(2025, 7, 1))
    fill(call, client, "reviews.publication",
         {"planned_publication_on": date(2025, 7, 28)}, incident_id=incident_id)
    page = review_page(call, client, incident_id)
    assert stages(page)["Publication"] == "In progress"
    assert "Planned publication date 28 July 2025" in page.text("#publication-summary")
    # The copies go 7 working days before the planned date.
    copies = deadline(page, "cspr_prepublication_copies")
    assert "Send the local review report to the Panel and the Secretary of State" in copies
    assert "17 July 2025" in copies
    assert timeline(page)[0] == "1 July 2025: Planned publication date set: 28 July 2025"

    # --- A criminal investigation delays publication -------------------------------------
    on(date(2025, 7, 14))
    fill(call, client, "reviews.new_delay", {
        "reason": "criminal_investigation", "told_panel_sos_on": date(2025, 7, 11),
        "revised_on": date(2025, 12, 15)}, incident_id=incident_id)
    page = review_page(call, client, incident_id)
    published = page.text("#publication-summary")
    assert "Planned publication date 15 December 2025" in published
    assert "Delayed: Criminal investigation; revised date 15 December 2025" in published
    delays = page.text("#delay-table")
    assert "14 July 2025" in delays and "11 July 2025" in delays
    assert "28 July 2025 to 15 December 2025" in delays
    # The copies' deadline moved with the planned date.
    assert "4 December 2025" in deadline(page, "cspr_prepublication_copies")
    assert "17 July 2025" not in deadline(page, "cspr_prepublication_copies")
    assert timeline(page)[0] == (
        "14 July 2025: Publication delayed (Criminal investigation); the Panel and the "
        "Secretary of State told on 11 July 2025; revised publication date 15 December 2025")

    # Past the six months: overdue, and the reason shows beside the tag (not a bare red flag).
    on(date(2025, 8, 11))
    page = review_page(call, client, incident_id)
    assert deadline_tag(page, "cspr_publication") == "Overdue"
    assert page.html.select_one("#deadline-cspr_publication .govuk-tag--red") is not None
    assert "Delayed: Criminal investigation; revised date 15 December 2025" in deadline(
        page, "cspr_publication")
    row = tracker_row(call, client, reference, overdue="y")
    assert "Publish the local child safeguarding practice review, 5 August 2025" in row
    assert "Overdue" in row and "Publication delayed: Criminal investigation" in row

    # --- Copies sent to the Panel, the Secretary of State and Ofsted ---------------------
    on(date(2025, 12, 3))
    fill(call, client, "reviews.publication", {
        "copies_sent_on": date(2025, 12, 3), "ofsted_copy_sent_on": date(2025, 12, 3),
        "publish_type": "full"}, incident_id=incident_id)
    page = review_page(call, client, incident_id)
    published = page.text("#publication-summary")
    assert "Due by 4 December 2025, sent 3 December 2025" in published
    assert "Copy to Ofsted Sent 3 December 2025" in published
    assert "The full report" in published
    assert deadline_tag(page, "cspr_prepublication_copies") == "Met on time"
    assert timeline(page)[:2] == [
        "3 December 2025: Report sent to Ofsted before publication",
        "3 December 2025: Report sent to the Panel and the Secretary of State before "
        "publication"]

    # --- Published on the revised date ---------------------------------------------------
    on(date(2025, 12, 15))
    url = "https://www.northshire.example/safeguarding/reviews/child-p"
    fill(call, client, "reviews.publication", {
        "published_on": date(2025, 12, 15), "published_url": url}, incident_id=incident_id)
    page = review_page(call, client, incident_id)
    assert page.html.select_one(f"#publication-summary a[href='{url}']") is not None
    assert "15 December 2025" in page.text("#publication-summary")
    assert ("Published 15 December 2025: 140 days after the first planned date, 28 July "
            "2025, for the reasons above.") in page.text("#slippage")
    assert deadline_tag(page, "cspr_publication") == "Met late"
    assert "Criminal investigation" in deadline(page, "cspr_publication")
    assert "15 December 2026" in deadline(page, "cspr_public_until")
    assert stages(page)["Review"] == "Completed"
    assert stages(page)["Publication"] == "Completed"
    assert stages(page)["Recommendations and actions"] == "Not yet started"
    assert page.html.select_one(f"a[href$='/{incident_id}/delays/new']") is None
    assert timeline(page)[0] == "15 December 2025: Published: The full report"
    row = tracker_row(call, client, reference, stage="published")
    # Published: no longer "Publication delayed" on the list (it once said so for good).
    assert "Published" in row and "None open" in row and "delayed" not in row

    # --- Recommendations of the final report and their actions ---------------------------
    on(date(2026, 1, 5))
    fill(call, client, "reviews.recommendations",
         {"text": "Share case records when a family moves between areas"},
         incident_id=incident_id)
    fill(call, client, "reviews.recommendations",
         {"text": "Train staff on recognising injuries in non-mobile babies"},
         incident_id=incident_id)
    page = review_page(call, client, incident_id)
    assert "0 of 2 recommendations complete" in page.text("#recommendations-complete")
    assert "Share case records" in page.text("#recommendation-1")
    assert "Train staff" in page.text("#recommendation-2")
    first, second = (
        int(page.html.select_one(f"#recommendation-{n} a[href$='/actions/new']")["href"]
            .split("/recommendations/")[1].split("/")[0]) for n in (1, 2))

    fill(call, client, "reviews.new_review_action", {
        "description": "Agree a protocol for transferring records between areas",
        "agency": "Children's social care", "lead": "Sam Lead",
        "due_on": date(2026, 3, 31), "status": "in_progress"},
        incident_id=incident_id, recommendation_id=first)
    fill(call, client, "reviews.new_review_action", {
        "description": "Deliver bruising protocol training",
        "agency": "Northshire NHS Trust", "lead": "Jo Trainer",
        "due_on": date(2026, 2, 27), "status": "not_started"},
        incident_id=incident_id, recommendation_id=second)
    page = review_page(call, client, incident_id)
    assert stages(page)["Recommendations and actions"] == "In progress"
    assert "Actions under way" in page.text("#incident + dl")
    card = page.text("#recommendation-1")
    assert "Sam Lead" in card and "Children's social care" in card and "31 March 2026" in card
    assert timeline(page)[0] == "5 January 2026: Action added for Northshire NHS Trust, " \
                                "due 27 February 2026"
    assert "Actions under way" in tracker_row(call, client, reference)
    protocol, training = (int(link["href"].rsplit("/", 1)[-1]) for link in page.html.select(
        "#recommendation-1 a[href*='/actions/'], #recommendation-2 a[href*='/actions/']")
        if not link["href"].endswith("/new"))

    # A dated progress update, then the first action completed with its evidence.
    on(date(2026, 3, 2))
    fill(call, client, "reviews.review_action_updates", {
        "update_on": date(2026, 2, 20), "update_text": "Draft protocol out for comment"},
        form_page=("reviews.review_action",
                   {"incident_id": incident_id, "review_action_id": protocol}),
        incident_id=incident_id, review_action_id=protocol)
    page = review_page(call, client, incident_id)
    assert "Latest update 20 February 2026: Draft protocol out for comment" in page.text(
        "#recommendation-1")
    # The training is past its due date: on the review page and across reviews.
    assert "Overdue" in page.text("#recommendation-2")
    overdue = call(client, "reviews.overdue_actions")
    assert reference in overdue.text() and "Deliver bruising protocol training" in \
        overdue.text()

    fill(call, client, "reviews.review_action", {
        "status": "complete", "evidence": "Protocol signed by both partnerships",
        "completed_on": date(2026, 3, 2)}, incident_id=incident_id,
        review_action_id=protocol)
    page = review_page(call, client, incident_id)
    assert "1 of 2 recommendations complete" in page.text("#recommendations-complete")
    assert "2 March 2026: Protocol signed by both partnerships" in page.text(
        "#recommendation-1")
    assert stages(page)["Recommendations and actions"] == "In progress"
    assert timeline(page)[0] == "2 March 2026: Action for Children's social care completed"

    on(date(2026, 3, 9))
    fill(call, client, "reviews.review_action", {
        "status": "complete", "evidence": "Attendance register: 94% of staff trained",
        "completed_on": date(2026, 3, 6)}, incident_id=incident_id,
        review_action_id=training)
    page = review_page(call, client, incident_id)
    assert "2 of 2 recommendations complete" in page.text("#recommendations-complete")
    assert page.html.select("#recommendation-2 h3 .govuk-tag--green")
    # Published in full: no justification needed.
    assert set(stages(page).values()) == {"Completed", "Not needed"}
    assert stages(page)["Record why the report will not be published in full"] == "Not needed"
    assert "Complete" in page.text("#incident + dl")
    assert reference not in call(client, "reviews.overdue_actions").text()
    row = tracker_row(call, client, reference, stage="complete")
    assert "Complete" in row and "Converted" in row and "delayed" not in row


def test_a_looked_after_child_who_died_shows_the_secretary_of_state_and_ofsted_deadline(
        business_client, call):
    client = business_client
    on(date(2025, 1, 6))
    recorded = fill(call, client, "reviews.new_incident", {
        "child_reference": "Child L", "outcome": "died",
        "incident_date": date(2025, 1, 2), "la_aware_on": date(2025, 1, 3),
        "abuse_or_neglect": "yes", "location": "in_area", "looked_after": "yes",
        "care_leaver": "no",
        "cp_plan": "no"})
    incident_id = int(recorded.response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])

    page = review_page(call, client, incident_id)
    row = deadline(page, "sos_ofsted_lac_notification")
    assert ("Notify the Secretary of State and Ofsted of the death of a looked-after child"
            in row)
    assert "10 January 2025" in row and "inferred" in row
    assert "Secretary of State and Ofsted notified Not yet" in page.text("#notification-summary")

    # Told a working day late: the form asks why, and the reason is kept.
    on(date(2025, 1, 13))
    refused = fill(call, client, "reviews.notifications", {
        "sos_ofsted_notified_on": date(2025, 1, 13)}, status=400, incident_id=incident_id)
    assert "Enter why it was sent after the deadline of 10 January 2025" in refused.errors
    fill(call, client, "reviews.notifications", {
        "sos_ofsted_notified_on": date(2025, 1, 13),
        "sos_ofsted_late_reason": "Placement authority told us on 10 January"},
        incident_id=incident_id)
    page = review_page(call, client, incident_id)
    assert deadline_tag(page, "sos_ofsted_lac_notification") == "Met late"
    assert ("13 January 2025 (late: Placement authority told us on 10 January)"
            in page.text("#notification-summary"))
    assert timeline(page)[0] == "13 January 2025: Secretary of State and Ofsted notified (late)"
    # The Panel is still to be told, and three days overdue.
    assert deadline_tag(page, "panel_notification") == "Overdue"
    row = tracker_row(call, client, "Child L", overdue="y")
    assert "Died" in row and "Overdue" in row
