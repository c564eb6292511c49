"""Importing child death cases from a spreadsheet: all rows or none, every problem listed."""

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from cdr.imports import COLUMNS
from cdr.models import ChildDeathCase, ChildIdentity
from tests.cdr.factories import make_case
from tests.conftest import Page, page
from tests.import_files import confirm, problems, upload, workbook
from tests.tracker.test_audit import count_queries
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db

# The pages read the real today (the relative_dates CI step runs these on awkward days).
pytestmark = pytest.mark.relative_dates

HEADERS = [column.header for column in COLUMNS]
_names = itertools.count(1)
NAME = "child-deaths"


def row(**changes):
    """One row of the template: a death in scope with the usual answers, as cells in order."""
    values = {
        "Date of death": date(2025, 3, 1), "Date of birth": date(2024, 1, 26),
        "Sex": "Female", "Place of death": "Hospital",
        "Local authority where the child normally lived": "Northshire",
        "Expected death": "No", "Date the notification was received": date(2025, 3, 2),
        "Given names": f"Testchild{next(_names)}", "Family name": "Invented",
        **changes,
    }
    unknown = set(values) - set(HEADERS)
    assert not unknown, unknown
    return [values.get(header) for header in HEADERS]


def nhs(n: int) -> str:
    """The n-th valid NHS number from the range reserved for testing (modulus 11)."""
    while True:
        digits = f"999{n:06d}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return digits + str(0 if check == 11 else check)
        n += 100000


def cases():
    return db.session.scalars(sa.select(ChildDeathCase).order_by(ChildDeathCase.id)).all()


def test_a_good_file_is_previewed_then_imported_with_deadlines_and_an_audit_trail(cdop_client):
    data = workbook(HEADERS, [
        row(Reference="CDOP-NSP-2019-0012", **{"Date of death": date(2019, 5, 4),
            "Date of birth": date(2010, 1, 1), "Date the notification was received":
            date(2019, 5, 5), "Date of the child death review meeting": date(2019, 9, 1),
            "Date the CDOP panel review was completed": date(2019, 11, 20),
            "Category of death": "Infection", "Modifiable factors identified": "No",
            "NHS number": "999 000 0018", "Postcode": "zz99 3aa"}),
        row(**{"Date the death was registered": "10/03/2025", "Given names": "Second",
               "Date of the child death review meeting": date(2025, 6, 2)}),
        row(**{"Date of birth": "Not known", "Given names": None, "Family name": None,
               "Sex": "not_known", "Expected death": "Not known"}),
    ])
    preview = upload(cdop_client, NAME, data)
    assert preview.status_code == 200
    html = page(preview)
    assert "Import 3 child death cases?" in html.h1.get_text()
    assert [th.get_text(strip=True) for th in html.select("#rows th")] == [
        "Row", "Reference", "Date of death", "Sex", "Place of death", "Expected death",
        "Date the notification was received", "Date the CDOP panel review was completed",
        "Category of death"]
    assert [td.get_text(strip=True) for td in html.select("#rows tbody tr")[0]("td")][:4] == [
        "2", "CDOP-NSP-2019-0012", "4 May 2019", "Female"]
    # The preview leaves out the child's identifying details.
    assert "Testchild" not in html.get_text() and "0018" not in html.get_text()
    assert cases() == []

    done = confirm(cdop_client, NAME, preview)
    assert done.status_code == 302 and done.location.endswith("/child-deaths/")
    old, new, unnamed = cases()
    assert old.reference == "CDOP-NSP-2019-0012" and old.stage == "closed"
    assert old.closed_on == date(2019, 11, 20) and old.category == "infection"
    assert new.reference == "CDOP-NSP-2025-0001" and new.stage == "panel"
    assert unnamed.reference == "CDOP-NSP-2025-0002" and unnamed.age_uncertain
    assert unnamed.age_at_death_days is None and unnamed.sex == "not_known"
    identity = db.session.scalar(sa.select(ChildIdentity).where(ChildIdentity.case_id == old.id))
    assert (identity.nhs_number, identity.postcode) == ("9990000018", "ZZ99 3AA")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildIdentity)) == 2
    # The registrar's 7 days, from the date the death was registered, stored as a deadline.
    due = db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_id == new.id, Deadline.rule_key == "registrar_notification"))
    assert due.trigger_date == date(2025, 3, 10) and due.due_date is not None
    imports = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import")
                                 .order_by(AuditEvent.id)).all()
    assert [event.object_label for event in imports] == [
        "CDOP-NSP-2019-0012", "CDOP-NSP-2025-0001", "CDOP-NSP-2025-0002", "Child death cases"]
    assert imports[-1].detail == "Imported 3 child death cases from a spreadsheet"
    assert all(event.user_id == cdop_client.user.id for event in imports)


def test_every_problem_in_every_row_is_listed_and_nothing_is_imported(cdop_client):
    data = workbook(HEADERS, [
        row(**{"Date of death": date(2099, 1, 1), "Date of birth": "not known"}),
        row(**{"Date of birth": date(2000, 1, 1)}),
        row(Sex="Boy", **{"NHS number": "9990000019"}),
        row(**{"Date the notification was received": None, "Expected death": None}),
        row(**{"Date the CDOP panel review was completed": date(2025, 5, 1)}),
        row(),
    ])
    response = upload(cdop_client, NAME, data)
    assert response.status_code == 400
    assert problems(response) == [
        ("2", "Date of death", "Date of death must be today or in the past"),
        ("2", "Date the notification was received", "Date the notification was received must "
                                                    "be the same as or after the date of death"),
        ("3", "Date of birth", "Child death reviews are only for children under 18: this "
                               "person was 18 or over when they died"),
        ("4", "Sex", "Sex must be one of: Female, Male, Indeterminate, Not known"),
        ("4", "NHS number", "The NHS number is not valid: check each digit and enter it again"),
        ("5", "Expected death", "Enter whether the death was expected, or Not known"),
        ("5", "Date the notification was received",
         "Enter the date the notification was received"),
        ("6", "Category of death", "Enter the category of death: the CDOP panel review was "
                                   "completed"),
        ("6", "Modifiable factors identified", "Enter whether modifiable factors were "
                                               "identified: the CDOP panel review was completed"),
    ]
    html = page(response)
    assert "9 problems in the file: nothing has been imported" in html.select_one(
        ".govuk-error-summary").get_text()
    assert html.select_one("form[action$='/confirm']") is None
    assert cases() == []


def test_a_duplicate_within_the_file_and_of_a_recorded_case_is_refused(cdop_client,
                                                                       partnership):
    held = make_case(partnership)
    held_nhs = db.session.scalar(sa.select(ChildIdentity.nhs_number)
                                 .where(ChildIdentity.case_id == held.id))
    data = workbook(HEADERS, [
        # Not one of the factories' NHS numbers, which the held case takes in turn.
        row(**{"NHS number": nhs(77), "Given names": "One"}),
        row(**{"NHS number": f"{nhs(77)[:3]} {nhs(77)[3:6]} {nhs(77)[6:]}",
               "Given names": "Other"}),
        row(**{"NHS number": held_nhs, "Given names": "Again"}),
        row(Reference=held.reference, **{"Given names": "Fourth"}),
        row(**{"Given names": "Fifth"}),
        row(**{"Given names": "fifth "}),
    ])
    response = upload(cdop_client, NAME, data)
    assert problems(response) == [
        ("3", "NHS number", "This is the same as row 2 of the file"),
        ("4", "NHS number", f"This death is already recorded as case {held.reference}"),
        ("5", "Reference", "A case with this reference is already recorded"),
        ("7", "Given names", "This is the same as row 6 of the file"),
    ]
    assert len(cases()) == 1


def test_a_formula_is_refused_never_calculated(cdop_client):
    formula_column = HEADERS.index("Family name") + 1
    address_column = HEADERS.index("Address") + 1
    data = workbook(HEADERS, [
        row(**{"Family name": "=HYPERLINK(\"http://evil.example\",\"x\")"}),
        row(**{"Given names": "=1+1"}),
        row(Address="+44 1234"),
    ], text_cells=[(3, HEADERS.index("Given names") + 1)])
    response = upload(cdop_client, NAME, data)
    assert problems(response) == [
        ("2", "Family name", "Family name must be a value, not a formula"),
        ("3", "Given names", "Given names must not start with =, +, -, @ or a tab: a "
                             "spreadsheet would run it as a formula"),
        ("4", "Address", "Address must not start with =, +, -, @ or a tab: a spreadsheet "
                         "would run it as a formula"),
    ]
    assert formula_column and address_column and cases() == []


def test_the_preview_issues_the_same_queries_however_many_rows(cdop_client):
    counts = []
    upload(cdop_client, NAME, workbook(HEADERS, [row()]))  # loads the user's partnerships
    for rows in (5, 60):
        data = workbook(HEADERS, [row(**{"NHS number": nhs(n)}) for n in range(rows)])
        with count_queries() as statements:
            assert upload(cdop_client, NAME, data).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] > 0


def test_a_reference_not_of_the_partnerships_form_is_kept_as_the_previous_one(
        cdop_client, call):
    data = workbook(HEADERS, [
        row(Reference="CDOP-NSP-2025-0042/A", **{"Given names": "Legacy"}),
        row(Reference="OLD-17", **{"Given names": "Older"}),
        row(Reference="cdop-nsp-2025-0002", **{"Given names": "Own"}),
        row(**{"Given names": "New"}),
    ])
    done = confirm(cdop_client, NAME, upload(cdop_client, NAME, data))
    assert done.status_code == 302

    by_name = {db.session.scalar(sa.select(ChildIdentity.given_names).where(
        ChildIdentity.case_id == case.id)): case for case in cases()}
    # The one of the partnership's own form is kept (and never issued again); the others
    # get new references and keep theirs beside them.
    assert by_name["Own"].reference == "CDOP-NSP-2025-0002"
    assert by_name["Own"].previous_reference is None
    assert (by_name["Legacy"].reference, by_name["Legacy"].previous_reference) == (
        "CDOP-NSP-2025-0003", "CDOP-NSP-2025-0042/A")
    assert (by_name["Older"].reference, by_name["Older"].previous_reference) == (
        "CDOP-NSP-2025-0004", "OLD-17")
    assert by_name["New"].reference == "CDOP-NSP-2025-0005"

    shown = call(cdop_client, "cdr.case", case_id=by_name["Legacy"].id)
    assert shown.text("#previous-reference") == "Previous reference: CDOP-NSP-2025-0042/A"
    # Not shaped like a reference, so the search travels as a saved search's id.
    moved = call(cdop_client, "cdr.cases", status=302, data={"q": "old-17"})
    found = Page(cdop_client.get(moved.response.headers["Location"]))
    assert found.text("table").count("CDOP-NSP-2025-") == 1
    assert "CDOP-NSP-2025-0004" in found.text("table")


def test_a_reference_naming_the_child_or_with_another_prefix_or_a_line_break_is_refused(
        cdop_client, other_partnership):
    data = workbook(HEADERS, [
        row(Reference="CDOP-SVP-2025-0001"),
        row(Reference="Invented 2019", **{"Family name": "Invented"}),
        row(Reference="OLD 9990000018", **{"NHS number": "999 000 0018"}),
        row(Reference="OLD\n17"),
        row(**{"Local authority where the child normally lived": "North\rshire"}),
        row(Address="1 Imaginary Lane\nNorthtown"),
    ])
    response = upload(cdop_client, NAME, data)
    assert problems(response) == [
        ("2", "Reference", "Reference must not start with another partnership's prefix: "
                           "give one starting CDOP-NSP-, or leave it empty for a new one"),
        ("3", "Reference", "Reference must not include the child's name, NHS number or "
                           "postcode"),
        ("4", "Reference", "Reference must not include the child's name, NHS number or "
                           "postcode"),
        ("5", "Reference", "Reference must be on one line, without line breaks, tabs or "
                           "other control characters"),
        ("6", "Local authority where the child normally lived",
         "Local authority where the child normally lived must be on one line, without line "
         "breaks, tabs or other control characters"),
    ]
    assert cases() == []


def test_the_clash_check_looks_only_in_the_users_own_partnerships(
        cdop_client, partnership, other_partnership):
    make_case(other_partnership, reference="OLD-17", identity=False)
    make_case(partnership, previous_reference="OLD-9", identity=False)
    data = workbook(HEADERS, [row(Reference="OLD-17"), row(Reference="old-9")])

    # Another partnership's record is never mentioned; one of the user's own is.
    assert problems(upload(cdop_client, NAME, data)) == [
        ("3", "Reference", "A case with this reference is already recorded")]
    data = workbook(HEADERS, [row(Reference="OLD-17")])
    assert confirm(cdop_client, NAME, upload(cdop_client, NAME, data)).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).where(
        ChildDeathCase.previous_reference == "OLD-17")) == 1
