"""The pages `make bench` measures: (label, signed-in demo user, path), a path worked out
after seeding when it names a record (a case, a meeting, a review of the seeded data)."""

import sqlalchemy as sa

from tracker.extensions import db

# (label, signed-in demo user, path). Later issues add their pages here.
PAGES = [
    ("Home (CDOP administrator)", "cdop.admin@example.org", "/"),
    ("Statutory timescales", "cdop.admin@example.org", "/timescales/"),
    (
        "Deadline calculator",
        "cdop.admin@example.org",
        "/timescales/calculator?rule=panel_notification&trigger=23&trigger=12&trigger=2024",
    ),
    ("Users (system administrator)", "admin@example.org", "/users/"),
    ("Partnership settings", "admin@example.org", "/partnerships/NSP"),
    ("Partnerships", "admin@example.org", "/partnerships/"),
    ("Possible duplicates", "admin@example.org",
     lambda: _endpoint_path("partnerships.duplicates", code="NSP")),
    ("Imports", "cdop.admin@example.org", lambda: _endpoint_path("imports.index")),
    ("Agency directory", "cdop.admin@example.org", lambda: _endpoint_path("agencies.index")),
    ("Your reminder settings", "cdop.admin@example.org",
     lambda: _endpoint_path("account.reminders")),
    ("Your sessions", "cdop.admin@example.org", lambda: _endpoint_path("account.sessions")),
    ("Retention: schedule and records due", "admin@example.org",
     lambda: _endpoint_path("retention.show", code="NSP")),
    ("Partnership data archive", "admin@example.org",
     lambda: _endpoint_path("archive.download", code="NSP")),
    ("Audit trail (auditor)", "auditor@example.org", "/audit/"),
    # Child death reviews. A callable path is worked out after seeding (None: skip the page,
    # e.g. an endpoint this version does not have).
    ("Child deaths: case list", "cdop.admin@example.org", "/child-deaths/"),
    ("Child deaths: list, overdue filter", "cdop.admin@example.org",
     "/child-deaths/?overdue=y&jar=yes"),
    ("Child deaths: case page", "cdop.admin@example.org",
     lambda: _case_path("information")),
    ("Child deaths: search by reference", "cdop.admin@example.org",
     lambda: _search_path("reference")),
    ("Child deaths: search by NHS number", "cdop.admin@example.org",
     lambda: _search_path("nhs_number")),
    ("Child deaths: search by name", "cdop.admin@example.org",
     lambda: _search_path("name")),
    ("Home (designated doctor)", "designated.doctor@example.org", "/"),
    ("My cases (designated doctor)", "designated.doctor@example.org",
     lambda: _endpoint_path("cdr.my_cases")),
    ("Child deaths: the doctor's overdue cases", "designated.doctor@example.org",
     lambda: _doctor_overdue_path()),
    ("CDOP meetings", "cdop.admin@example.org",
     lambda: _endpoint_path("cdr.panel_meetings")),
    ("Outstanding requests", "cdop.admin@example.org",
     lambda: _endpoint_path("cdr.outstanding_requests")),
    ("Request page with its agency links", "cdop.admin@example.org",
     lambda: _link_request_path()),
    ("Not yet sent to the NCMD", "cdop.admin@example.org",
     lambda: _endpoint_path("cdr.ncmd_not_sent")),
    ("Panel agenda", "cdop.admin@example.org", lambda: _panel_agenda_path()),
    ("Public notifications to triage", "cdop.admin@example.org",
     lambda: _endpoint_path("cdr.public_queue")),
    # Practice reviews.
    ("Practice reviews: tracker list", "business.unit@example.org", "/practice-reviews/"),
    ("Practice reviews: list, overdue filter", "business.unit@example.org",
     "/practice-reviews/?overdue=y&decision=local"),
    ("Practice reviews: review page", "business.unit@example.org",
     lambda: _review_path()),
    ("Practice reviews: overdue actions", "business.unit@example.org",
     lambda: _endpoint_path("reviews.overdue_actions")),
    ("Practice reviews: yearly reports", "business.unit@example.org",
     lambda: _endpoint_path("reviews.yearly_reports")),
    ("Home (business unit)", "business.unit@example.org", "/"),
    # The dashboard of the other roles (the auditor's spans both domains and partnerships).
    ("Home (panel member)", "panel.member@example.org", "/"),
    ("Home (auditor)", "auditor@example.org", "/"),
    # Reminders (after the reminder pass on SEED_TODAY): notices, policies, the admin page.
    ("Notices (CDOP administrator)", "cdop.admin@example.org", "/notices"),
    ("Notices (business unit)", "business.unit@example.org", "/notices"),
    ("Reminder policies", "admin@example.org", "/partnerships/NSP/reminders"),
    ("Reminders admin page", "admin@example.org", "/admin/reminders"),
    # Reports: a whole reporting year of one partnership (both domains for the auditor).
    ("Deadline compliance (auditor, a year)", "auditor@example.org",
     "/deadline-compliance/?partnership=NSP&date_from=1&date_from=4&date_from=2025"
     "&date_to=31&date_to=3&date_to=2026"),
    # The same, cut through two months: those days are counted deadline by deadline.
    ("Deadline compliance (15 Apr to 14 Mar)", "auditor@example.org",
     "/deadline-compliance/?partnership=NSP&date_from=15&date_from=4&date_from=2025"
     "&date_to=14&date_to=3&date_to=2026"),
    ("Child deaths: annual report data", "cdop.admin@example.org",
     "/child-deaths/annual-report?partnership=NSP&year=2025"),
]


def resolved(app, pages):
    """The pages with callable paths worked out (in a request context); None ones skipped."""
    with app.test_request_context():
        found = [(label, email, path() if callable(path) else path)
                 for label, email, path in pages]
    for label, _, path in found:
        if path is None:
            print(f"  {label:<42}(skipped: not in this version)")
    return [page for page in found if page[2] is not None]


def _endpoint_path(endpoint, **values):
    """The URL of an endpoint, or None when the app has no such endpoint."""
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _nsp_case(stage):
    """A Northshire child death case at a stage, from the middle of the table."""
    return db.session.execute(sa.text(
        "SELECT c.id, c.reference, i.nhs_number, i.family_name FROM cdr_case c "
        "JOIN partnership p ON p.id = c.partnership_id "
        "LEFT JOIN cdr_child_identity i ON i.case_id = c.id "
        "WHERE p.code = 'NSP' AND c.stage = :stage ORDER BY c.id "
        "LIMIT 1 OFFSET (SELECT count(*) / 2 FROM cdr_case WHERE stage = :stage) / 2"
    ), {"stage": stage}).first()


def _case_path(stage):
    """A case page of a case at this stage."""
    case = _nsp_case(stage)
    return _endpoint_path("cdr.case", case_id=case.id) if case else None


def _link_request_path():
    """The page of the request the demo sent as an agency link (cdr.demo.send_agency_link)."""
    from tracker.agency_links import AgencyLink

    link = db.session.scalar(sa.select(AgencyLink).where(
        AgencyLink.owner_type == "cdr_agency_request").order_by(AgencyLink.id).limit(1))
    if link is None:
        return None
    case_id = db.session.scalar(sa.text("SELECT case_id FROM cdr_agency_request WHERE id = :id"),
                                {"id": link.owner_id})
    return _endpoint_path("cdr.edit_request", case_id=case_id, request_id=link.owner_id)


def _search_path(key):
    """The case list searched by a case's reference, NHS number, or part of the name."""
    case = _nsp_case("information")
    if case is None:
        return None
    text = {"reference": case.reference, "nhs_number": case.nhs_number,
            "name": case.family_name}[key]
    return _endpoint_path("cdr.cases", q=text)


def _doctor_overdue_path():
    """The case list filtered as the designated doctor's dashboard links it: their overdue
    cases."""
    doctor_id = db.session.execute(sa.text(
        "SELECT id FROM \"user\" WHERE email = 'designated.doctor@example.org'")).scalar()
    return _endpoint_path("cdr.cases", overdue="y", doctor=doctor_id) if doctor_id else None


def _panel_agenda_path():
    """The agenda of a Northshire panel meeting."""
    meeting_id = db.session.execute(sa.text(
        "SELECT m.id FROM cdr_panel_meeting m JOIN partnership p ON p.id = m.partnership_id "
        "WHERE p.code = 'NSP' ORDER BY m.id LIMIT 1")).scalar()
    return _endpoint_path("cdr.panel_meeting", meeting_id=meeting_id) if meeting_id else None


def _review_path():
    """The review page of a published Northshire review, from the middle of the table."""
    incident_id = db.session.execute(sa.text(
        "SELECT s.id FROM serious_incident s JOIN partnership p ON p.id = s.partnership_id "
        "WHERE p.code = 'NSP' AND s.stage = 'actions' ORDER BY s.id "
        "LIMIT 1 OFFSET (SELECT count(*) / 4 FROM serious_incident WHERE stage = 'actions')"
    )).scalar()
    return _endpoint_path("reviews.incident", incident_id=incident_id) if incident_id else None
