"""Importing serious incidents and practice reviews from a spreadsheet."""

import io
from datetime import date

import pytest
import sqlalchemy as sa

from reviews.imports import COLUMNS
from reviews.models import IncidentChild, SeriousIncident
from tests.cdr.factories import make_case
from tests.conftest import page
from tests.import_files import confirm, problems, upload, workbook
from tests.reviews.factories import make_incident
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db

HEADERS = [column.header for column in COLUMNS]
NAME = "practice-reviews"


def row(**changes):
    """One row of the template: an incident with the new-incident form's answers."""
    values = {
        "Outcome": "Seriously harmed", "Incident date": date(2024, 12, 20),
        "Date the local authority became aware": date(2024, 12, 23),
        "Abuse or neglect known or suspected": "Yes",
        "Where it happened": "In the local authority's area", "Looked-after child": "No",
        "Child protection plan": "No",
        **changes,
    }
    assert not set(values) - set(HEADERS), set(values) - set(HEADERS)
    return [values.get(header) for header in HEADERS]


def incidents():
    return db.session.scalars(sa.select(SeriousIncident).order_by(SeriousIncident.id)).all()


@pytest.mark.relative_dates
def test_a_good_file_imports_incidents_at_their_stage_with_deadlines(business_client,
                                                                    partnership):
    case = make_case(partnership, date_of_death=date(2024, 11, 2))
    data = workbook(HEADERS, [
        row(Reference="CSPR-NSP-2022-0003", **{
            "Reference for the child": "Child Q", "Child's full name": "Invented Person",
            "Incident date": date(2022, 3, 1), "Date the local authority became aware":
            date(2022, 3, 2), "Date the Panel was notified": date(2022, 3, 4),
            "Date the safeguarding partners were notified": date(2022, 3, 4),
            "Date the rapid review was sent to the Panel": date(2022, 3, 20),
            "Decision": "local", "Date of the decision": date(2022, 4, 1),
            "Date the review was published": date(2022, 9, 30)}),
        row(Outcome="Died", **{"Child death case reference": case.reference.lower(),
                               "Looked-after child": "Yes"}),
        row(**{"Decision": "No review", "Date of the decision": "15/01/2025"}),
    ], title="Serious incidents")
    preview = upload(business_client, NAME, data)
    assert preview.status_code == 200, problems(preview)
    assert "Invented Person" not in page(preview).get_text()
    assert confirm(business_client, NAME, preview).location.endswith("/practice-reviews/")

    published, died, no_review = incidents()
    assert (published.reference, published.stage, published.converted) == (
        "CSPR-NSP-2022-0003", "published", True)
    assert db.session.scalar(sa.select(IncidentChild.full_name)) == "Invented Person"
    assert died.reference == "CSPR-NSP-2024-0001" and died.cdr_case_id == case.id
    assert died.child_reference == "Child A" and died.stage == "notified"
    assert no_review.stage == "no_review"
    publication = db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_id == published.id, Deadline.rule_key == "cspr_publication"))
    assert publication.met_on == date(2022, 9, 30)
    # A looked-after child who died: the Secretary of State and Ofsted deadline is stored.
    keys = set(db.session.scalars(sa.select(Deadline.rule_key)
                                  .where(Deadline.owner_type == "serious_incident",
                                         Deadline.owner_id == died.id)))
    assert {"panel_notification", "partners_notification", "sos_ofsted_lac_notification"} <= keys
    audited = db.session.scalars(sa.select(AuditEvent.object_label)
                                 .where(AuditEvent.action == "import")).all()
    assert audited == ["CSPR-NSP-2022-0003", "CSPR-NSP-2024-0001", "CSPR-NSP-2024-0002",
                       "Practice reviews"]


@pytest.mark.relative_dates
def test_every_problem_is_listed_by_row_and_column(business_client, partnership):
    held = make_incident(partnership)
    data = workbook(HEADERS, [
        row(Decision="Local child safeguarding practice review"),
        row(**{"Date the review was published": date(2024, 12, 30)}),
        row(Outcome="Seriously harmed", **{"Child death case reference": "CDOP-NSP-1999-0001"}),
        row(**{"Date the Panel was notified": date(2024, 12, 1), "Looked-after child": "maybe"}),
        row(Reference=held.reference),
        row(**{"Reference for the child": held.child_reference,
               "Incident date": held.incident_date,
               "Date the local authority became aware": held.la_aware_on}),
    ])
    response = upload(business_client, NAME, data)
    assert response.status_code == 400
    assert problems(response) == [
        ("2", "Date of the decision", "Enter the date of the decision"),
        ("3", "Date the review was published", "A publication date is only for a local or "
                                               "national review"),
        ("4", "Outcome", "A child death case is linked: the outcome must be Died, or remove "
                         "the child death case reference"),
        ("4", "Child death case reference", "There is no child death case with this "
                                            "reference in your partnerships"),
        ("5", "Looked-after child", "Looked-after child must be Yes or No"),
        ("5", "Date the Panel was notified", "Date the Panel was notified must be the same as "
                                             "or after the date the local authority became "
                                             "aware"),
        ("6", "Reference", "An incident with this reference is already recorded"),
        ("7", "Reference for the child", f"This incident is already recorded as "
                                         f"{held.reference}"),
    ]
    assert incidents() == [held]


def test_the_template_downloads_for_the_business_unit(business_client):
    from openpyxl import load_workbook

    response = business_client.get(f"/imports/{NAME}/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert [cell.value for cell in book["Serious incidents"][1]] == HEADERS


def test_an_old_reference_is_kept_beside_a_new_one_and_the_clash_check_stays_at_home(
        business_client, call, partnership, other_partnership):
    make_incident(other_partnership, reference="OLD-17")
    data = workbook(HEADERS, [
        row(Reference="OLD-17", **{"Reference for the child": "Child R"}),
        row(Reference="CSPR-NSP-2024-0003", **{"Reference for the child": "Child S"}),
    ])
    preview = upload(business_client, NAME, data)
    assert problems(preview) == []  # another partnership's OLD-17 is never mentioned
    assert confirm(business_client, NAME, preview).status_code == 302

    kept, old = sorted((i for i in incidents() if i.partnership_id == partnership.id),
                       key=lambda i: i.reference)
    assert (kept.reference, kept.previous_reference) == ("CSPR-NSP-2024-0003", None)
    assert (old.reference, old.previous_reference) == ("CSPR-NSP-2024-0004", "OLD-17")
    shown = call(business_client, "reviews.incident", incident_id=old.id)
    assert shown.text("#previous-reference") == "Previous reference: OLD-17"


def test_a_reference_naming_the_child_or_another_partnership_is_refused(business_client):
    data = workbook(HEADERS, [
        row(Reference="CSPR-SVP-2024-0001"),
        row(Reference="Mossbank 2019", **{"Child's full name": "Invented Mossbank"}),
        row(**{"Reference for the child": "Child Mossbank",
               "Child's full name": "Invented Mossbank"}),
        row(**{"Reference for the child": "Child\tR"}),
    ])
    assert problems(upload(business_client, NAME, data)) == [
        ("2", "Reference", "Reference must not start with another partnership's prefix: "
                           "give one starting CSPR-NSP-, or leave it empty for a new one"),
        ("3", "Reference", "Reference must not include the child's name, NHS number or "
                           "postcode"),
        ("4", "Reference for the child", "Reference for the child must not include the "
                                         "child's name"),
        ("5", "Reference for the child", "Reference for the child must be on one line, "
                                         "without line breaks, tabs or other control "
                                         "characters"),
    ]
    assert incidents() == []
