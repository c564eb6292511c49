"""The import pages: a file that cannot be read safely is refused with a clear message and
changes nothing; the template; who may import; an upload only its uploader can confirm."""

import io
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from cdr.imports import COLUMNS
from cdr.models import ChildDeathCase, ChildIdentity
from tests.conftest import page, sign_in
from tests.factories import make_user
from tests.import_files import (
    confirm,
    field_error,
    problems,
    replace_part,
    upload,
    workbook,
    zip_of,
)
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.imports.upload import OLE_MAGIC
from tracker.roles import Role

# The pages read the real today (the relative_dates CI step runs these on awkward days).
pytestmark = pytest.mark.relative_dates

HEADERS = [column.header for column in COLUMNS]
NAME = "child-deaths"


@pytest.fixture(autouse=True)
def import_folder(app, tmp_path):
    """Uploads waiting for confirmation go to a folder of the test's own."""
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    return tmp_path / "imports"


def good_file(rows=1) -> bytes:
    return workbook(HEADERS, [[
        {"Date of death": date(2025, 3, 1), "Date of birth": "Not known", "Sex": "Male",
         "Place of death": "Home", "Local authority where the child normally lived": "North",
         "Expected death": "Yes", "Date the notification was received": date(2025, 3, 3),
         "Given names": f"Named{n}", "Family name": "Invented"}.get(header)
        for header in HEADERS] for n in range(rows)])


def nothing_changed(folder):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 0
    assert not folder.exists() or not any(folder.iterdir()), "an upload was kept"


def ole_file(encrypted: bool) -> bytes:
    """An OLE compound file's header and a directory naming its streams."""
    streams = ["EncryptionInfo", "EncryptedPackage"] if encrypted else ["Workbook"]
    directory = b"".join(name.encode("utf-16-le").ljust(128, b"\0") for name in streams)
    return OLE_MAGIC + bytes(504) + directory


def bomb() -> bytes:
    """A workbook's parts and one part that inflates a thousandfold."""
    return zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                   "xl/worksheets/sheet1.xml": bytes(60 * 1024 * 1024)})


REFUSED = {
    "text": (b"Date of death,Sex\n2025-03-01,Male\n", "must be an Excel workbook (.xlsx)"),
    "password": (ole_file(encrypted=True), "protected with a password"),
    "xls": (ole_file(encrypted=False), "Excel 97-2003 workbook (.xls)"),
    "empty": (b"", "The selected file is empty"),
    "zip bomb": (bomb(), "cannot be opened safely"),
    "too many parts": (zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>",
                               **{f"xl/media/{n}.xml": b"<x/>" for n in range(300)}}),
                       "cannot be opened safely"),
    "broken zip": (b"PK\x03\x04" + bytes(200), "damaged and cannot be opened"),
    "missing parts": (zip_of({"xl/worksheets/sheet1.xml": b"<worksheet/>"}),
                      "not a complete Excel workbook"),
    "malformed XML": (replace_part(good_file(), "xl/worksheets/sheet1.xml",
                                   b"<worksheet><sheetData><row"), "damaged and cannot be opened"),
    "entities": (replace_part(good_file(), "xl/workbook.xml",
                              b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
                 "damaged and cannot be opened"),
    "entities behind a comment": (replace_part(
        good_file(), "xl/workbook.xml", b'<?xml version="1.0"?><!--' + b"x" * 70_000
        + b'--><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'), "damaged and cannot be opened"),
}


@pytest.mark.parametrize("kind", REFUSED)
def test_a_file_that_cannot_be_read_safely_is_refused_and_changes_nothing(
        cdop_client, import_folder, kind):
    data, message = REFUSED[kind]
    response = upload(cdop_client, NAME, data)
    assert response.status_code == 400
    assert message in field_error(response)
    assert message in page(response).select_one(".govuk-error-summary").get_text()
    nothing_changed(import_folder)


def test_a_file_over_the_configured_size_is_refused_before_it_is_opened(app, cdop_client,
                                                                         import_folder):
    data = good_file(rows=40)
    app.config["IMPORT_MAX_BYTES"] = len(data) - 1
    response = upload(cdop_client, NAME, data)
    assert response.status_code == 400
    assert "must be smaller than" in field_error(response)
    nothing_changed(import_folder)
    app.config["IMPORT_MAX_BYTES"] = len(data)
    assert upload(cdop_client, NAME, data).status_code == 200


def test_too_many_rows_are_refused(app, cdop_client, import_folder):
    app.config["IMPORT_MAX_ROWS"] = 3
    response = upload(cdop_client, NAME, good_file(rows=4))
    assert "must have 3 rows of cases or fewer" in field_error(response)
    nothing_changed(import_folder)


def test_a_file_with_unknown_or_missing_columns_names_them(cdop_client, import_folder):
    response = upload(cdop_client, NAME, workbook(["Date of death", "Favourite colour"],
                                                  [[date(2025, 1, 1), "blue"]]))
    assert response.status_code == 400
    rows = [[cell.get_text(strip=True) for cell in tr("td")]
            for tr in page(response).select("#problems tbody tr")]
    assert ["1", "Favourite colour", "This column is not in the template: remove it, or "
            "correct its header"] in rows
    assert ["1", "Sex", "This column is missing: add it with the header in the template"] in rows
    nothing_changed(import_folder)


def test_no_file_chosen(cdop_client):
    token_page = cdop_client.get(f"/imports/{NAME}").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    response = cdop_client.post(f"/imports/{NAME}", data={"csrf_token":
                                                          csrf_token_from(token_page)})
    assert response.status_code == 400
    assert field_error(response).endswith("Select a file to upload")


def test_the_template_has_every_column_and_a_sheet_of_notes(cdop_client):
    response = cdop_client.get(f"/imports/{NAME}/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Child deaths", "Notes"]
    assert [cell.value for cell in book["Child deaths"][1]] == HEADERS
    notes = {row[0]: row for row in book["Notes"].iter_rows(min_row=6, values_only=True)}
    assert set(notes) == set(HEADERS)
    assert notes["Sex"][1] == "Yes" and "Not known" in notes["Sex"][3]
    assert notes["Date of birth"][3] == "Not known"
    # The template imports as it is once rows are filled in: its headers are the import's.
    filled = load_workbook(io.BytesIO(response.data))
    filled["Child deaths"].append([
        {"Date of death": date(2025, 3, 1), "Date of birth": "Not known", "Sex": "Male",
         "Place of death": "Home", "Local authority where the child normally lived": "North",
         "Expected death": "Yes", "Date the notification was received": date(2025, 3, 3)
         }.get(header) for header in HEADERS])
    buffer = io.BytesIO()
    filled.save(buffer)
    assert upload(cdop_client, NAME, buffer.getvalue()).status_code == 200


@pytest.mark.parametrize("role", [Role.PANEL_MEMBER, Role.DESIGNATED_DOCTOR, Role.AUDITOR,
                                  Role.SYSTEM_ADMIN])
def test_only_the_roles_that_manage_records_may_import(app, client, partnership, role):
    sign_in(client, make_user(role, [partnership]).email)
    for url in ("/imports/", f"/imports/{NAME}", f"/imports/{NAME}/template.xlsx"):
        assert client.get(url).status_code == 403


def test_each_role_imports_only_its_own_domain(cdop_client, business_client):
    links = page(cdop_client.get("/imports/")).select("main li a")
    listed = [a.get_text(strip=True) for a in links]
    assert listed == ["Import child death cases", "Import agency directory"]
    assert cdop_client.get("/imports/practice-reviews").status_code == 404
    assert business_client.get(f"/imports/{NAME}").status_code == 404
    assert business_client.get("/imports/practice-reviews").status_code == 200


def test_only_the_uploader_can_confirm_and_only_once(app, cdop_client, partnership, client):
    preview = upload(cdop_client, NAME, good_file(rows=2))
    other = make_user(Role.CDOP_ADMIN, [partnership])
    sign_in(client, other.email)
    refused = confirm(client, NAME, preview, own_session=True)
    assert refused.status_code == 302 and refused.location.endswith(f"/imports/{NAME}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 0
    assert confirm(cdop_client, NAME, preview).status_code == 302
    again = confirm(cdop_client, NAME, preview)
    # Confirmed again (the same submission key): it lands where the import did.
    assert again.location.endswith("/child-deaths/")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 2


def test_the_file_name_and_the_childs_details_are_never_audited(cdop_client, import_folder):
    preview = upload(cdop_client, NAME, good_file(), filename="Named0 Invented deaths.xlsx")
    confirm(cdop_client, NAME, preview)
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert len(rows) == 2
    assert all("Named0" not in f"{row.detail} {row.object_label}" for row in rows)
    assert not any(import_folder.iterdir()), "the imported upload was not deleted"


def test_a_zip_bomb_is_refused_from_its_directory_without_inflating_it(monkeypatch, cdop_client):
    data, opened = bomb(), []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: opened.append(a) or 1 / 0)
    response = upload(cdop_client, NAME, data)
    assert "cannot be opened safely" in field_error(response)
    assert opened == []


def test_a_duplicate_recorded_after_the_preview_stops_the_whole_import(cdop_client,
                                                                       partnership):
    from tests.cdr.factories import make_case

    preview = upload(cdop_client, NAME, good_file(rows=3))
    held = make_case(partnership, identity=False)
    db.session.add(ChildIdentity(case_id=held.id, partnership_id=partnership.id,
                                 given_names="Named2", family_name="Invented",
                                 name_search="named2 invented", date_of_birth=None))
    held.date_of_death = date(2025, 3, 1)
    db.session.commit()
    response = confirm(cdop_client, NAME, preview)
    assert response.status_code == 400
    assert [row[:2] for row in problems(response)] == [("4", "Given names")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 1


def test_a_failure_part_way_through_saves_nothing(monkeypatch, cdop_client):
    from tracker.imports import run

    preview = upload(cdop_client, NAME, good_file(rows=3))
    monkeypatch.setattr(run, "build_deadlines", lambda records: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        confirm(cdop_client, NAME, preview)
    db.session.remove()
    for model in (ChildDeathCase, ChildIdentity, AuditEvent):
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                  .where(*([AuditEvent.action == "import"]
                                           if model is AuditEvent else [])))
        assert count == 0, model.__name__


def test_an_upload_left_unconfirmed_expires(monkeypatch, cdop_client, import_folder):
    from tracker.imports import pending

    preview = upload(cdop_client, NAME, good_file())
    monkeypatch.setattr(pending, "PENDING_MINUTES", -1)
    kept = list(import_folder.iterdir())
    assert all(path.stat().st_mode & 0o077 == 0 for path in kept), "readable by others"
    upload(cdop_client, NAME, b"not a spreadsheet")  # any later upload clears expired ones
    assert kept and not any(import_folder.iterdir())
    response = confirm(cdop_client, NAME, preview)
    assert response.location.endswith(f"/imports/{NAME}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 0


def test_a_reference_taken_at_the_same_moment_imports_nothing_and_says_so(monkeypatch,
                                                                           cdop_client):
    from tracker.imports import run

    def clash(records):
        raise sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key: reference"))

    preview = upload(cdop_client, NAME, good_file(rows=2))
    monkeypatch.setattr(run, "build_deadlines", clash)
    response = confirm(cdop_client, NAME, preview)
    assert response.location.endswith(f"/imports/{NAME}")
    banner = page(cdop_client.get(response.location)).select_one(".govuk-notification-banner")
    assert "Nothing was imported: someone else recorded a case at the same moment" in \
        banner.get_text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 0
