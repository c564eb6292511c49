"""Files an agency contact attaches to the reporting form (tracker.attachments): type told by
content, size and count limits, stored outside the web root under a random name, served only
as audited downloads to staff who may see the case, never a file name in a log line."""

import io
import logging
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import _signed_in_client, csrf_token_from
from tests.tracker import test_agency_access
from tests.tracker.test_agency_access import ANSWERS, _post_page, _signed_in
from tracker import agency_access
from tracker.attachments import AgencyAttachment
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role

PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
       b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
NAME = "Hill <b>notes & more.pdf"


def _zip(names) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<?xml version='1.0'?><w:document/>")
    return out.getvalue()


DOCX = _zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


# A reporting-form request sent to a directory contact: (case, link, token).
sent = test_agency_access.sent


@pytest.fixture(autouse=True)
def attachment_dir(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_DIR"] = str(folder)
    return folder


def _upload(client, name, data, content_type="application/pdf"):
    page = client.get("/agency/attachments")
    assert page.status_code == 200
    return client.post("/agency/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "upload": (io.BytesIO(data), name, content_type)})


def _agency(app, token):
    client = app.test_client()
    _signed_in(client, token)
    return client


def _send(client):
    assert _post_page(client, "/agency/form", ANSWERS).status_code == 302
    page = client.get("/agency/check")
    assert page.status_code == 200
    assert client.post("/agency/check", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True))}).status_code == 302


def _rows():
    db.session.expire_all()
    return db.session.scalars(sa.select(AgencyAttachment).order_by(AgencyAttachment.id)).all()


def _download_url(case, link, row):
    return f"/child-deaths/{case.id}/requests/{link.owner_id}/attachments/{row.id}"


def test_a_pdf_and_a_docx_are_attached_listed_and_reach_the_request_page(
        app, sent, cdop_client, attachment_dir):
    case, link, token = sent
    client = _agency(app, token)
    assert _upload(client, NAME, PDF).status_code == 302
    assert _upload(client, "report.docx", DOCX,
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                   ).status_code == 302
    html = client.get("/agency/attachments").get_data(as_text=True)
    # The name is shown escaped, never as markup; type and size beside it.
    assert "Hill &lt;b&gt;notes &amp; more.pdf" in html and "<b>notes" not in html
    assert f"PDF, {len(PDF)} bytes" in html and "report.docx" in html
    pdf, docx = _rows()
    assert (pdf.kind, pdf.size, pdf.original_name, docx.kind) == ("pdf", len(PDF), NAME, "docx")
    import hashlib
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    # Stored under a random name in the attachments folder, not under static/.
    stored = attachment_dir / pdf.stored_name
    assert stored.read_bytes() == PDF and "notes" not in pdf.stored_name
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    static = Path(app.static_folder).resolve()
    assert static not in stored.resolve().parents
    assert not any(p.name == pdf.stored_name for p in static.rglob("*"))
    # The check page lists them; sending sends them with the form.
    _send(client)
    page = cdop_client.get(f"/child-deaths/{case.id}/requests/{link.owner_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Hill &lt;b&gt;notes &amp; more.pdf" in text
    assert _download_url(case, link, pdf) in text and _download_url(case, link, docx) in text


def test_a_download_is_an_audited_attachment_never_shown_inline(app, sent, cdop_client):
    case, link, token = sent
    client = _agency(app, token)
    _upload(client, NAME, PDF)
    _send(client)
    (row,) = _rows()
    response = cdop_client.get(_download_url(case, link, row))
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "<" not in response.headers["Content-Disposition"]
    assert 'filename=Hill-b-notes-more.pdf' in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    audited = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "export", AuditEvent.object_type == "AgencyAttachment")).all()
    assert [(a.object_id, a.user_id, a.partnership_id) for a in audited] == [
        (str(row.id), cdop_client.user.id, link.partnership_id)]
    assert "notes" not in (audited[0].detail or "")


def test_uploads_and_removals_are_audited_under_the_contact(app, sent, attachment_dir):
    case, link, token = sent
    client = _agency(app, token)
    _upload(client, NAME, PDF)
    (row,) = _rows()
    page = client.get("/agency/attachments")
    removed = client.post("/agency/attachments/remove", data={
        "attachment_id": str(row.id),
        "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert removed.status_code == 302
    assert _rows() == [] and not (attachment_dir / row.stored_name).exists()
    assert "No files attached" in client.get("/agency/attachments").get_data(as_text=True)
    trail = db.session.scalars(sa.select(AuditEvent).where(sa.or_(
        AuditEvent.object_type == "AgencyAttachment",
        AuditEvent.detail.like("%attached file%"),
        AuditEvent.detail.like("%attached a file%")))).all()
    assert {(a.action, a.object_type) for a in trail} >= {
        ("create", "AgencyAttachment"), ("delete", "AgencyAttachment"),
        ("update", "AgencyLink"), ("delete", "AgencyLink")}
    assert {a.user_email for a in trail} == {f"Agency contact {link.contact_id}"}
    assert not any("notes" in str(a.detail) + str(a.changes) for a in trail)


def test_an_oversized_file_is_refused_and_the_request_limit_fits_the_upload(
        app, sent, attachment_dir):
    case, link, token = sent
    client = _agency(app, token)
    app.config.update(AGENCY_ATTACHMENT_MAX_BYTES=100_000, MAX_CONTENT_LENGTH=50_000)
    # Larger than the app's request limit, within the upload's own: taken.
    big = PDF + b"%" * 80_000
    assert _upload(client, "big.pdf", big).status_code == 302
    # Over the file limit: a GOV.UK error, nothing kept.
    refused = _upload(client, "bigger.pdf", PDF + b"%" * 100_000)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "govuk-error-summary" in html
    assert "The selected file must be smaller than 98 KB" in html
    # Far over: refused unread (413).
    assert _upload(client, "huge.pdf", PDF + b"%" * 300_000).status_code == 413
    assert [row.original_name for row in _rows()] == ["big.pdf"]
    assert len(list(attachment_dir.iterdir())) == 1
    # Other agency pages keep the app's limit.
    page = client.get("/agency/form")
    assert client.post("/agency/form", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "history": "x" * 60_000}).status_code == 413


@pytest.mark.parametrize("name,data", [
    ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
    ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("picture.docx", PNG),
    ("archive.docx", _zip(["[Content_Types].xml", "notes.txt"])),
    ("macros.docx", _zip(["[Content_Types].xml", "word/document.xml",
                          "word/vbaProject.bin"])),
    ("sheet.doc", OLE + "Workbook".encode("utf-16-le")),
    ("report.png", PDF),
    ("empty.pdf", b""),
])
def test_a_disguised_or_empty_file_is_refused_with_an_error_summary(
        app, sent, attachment_dir, name, data):
    case, link, token = sent
    client = _agency(app, token)
    refused = _upload(client, name, data, "application/pdf")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "govuk-error-summary" in html
    assert ("The selected file must be a PDF, a Word document (.docx or .doc), or a PNG or "
            "JPEG image" in html) or "The selected file is empty" in html
    assert _rows() == [] and not (attachment_dir.exists() and any(attachment_dir.iterdir()))


def test_a_word_doc_png_and_jpeg_are_taken(app, sent):
    case, link, token = sent
    client = _agency(app, token)
    for name, data in (("old.doc", OLE + "WordDocument".encode("utf-16-le")),
                       ("photo.PNG", PNG), ("scan.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20)):
        assert _upload(client, name, data).status_code == 302
    assert [row.kind for row in _rows()] == ["doc", "png", "jpeg"]


def test_no_more_than_the_set_number_of_files(app, sent):
    case, link, token = sent
    app.config["AGENCY_ATTACHMENT_MAX_COUNT"] = 2
    client = _agency(app, token)
    assert _upload(client, "a.pdf", PDF).status_code == 302
    assert _upload(client, "b.pdf", PDF).status_code == 302
    refused = _upload(client, "c.pdf", PDF)
    assert refused.status_code == 400
    assert "You can attach up to 2 files: remove one to attach another" in refused.get_data(
        as_text=True)
    assert len(_rows()) == 2
    assert 'type="file"' not in client.get("/agency/attachments").get_data(as_text=True)


def test_no_file_without_a_live_session_nor_once_sent(app, sent):
    case, link, token = sent
    stranger = app.test_client()
    assert stranger.get("/agency/attachments").status_code == 401
    client = _agency(app, token)
    _upload(client, NAME, PDF)
    _send(client)
    # Sent: the form (and its files) no longer change through the link.
    assert client.get("/agency/attachments").status_code == 401
    assert len(_rows()) == 1


def test_files_reach_only_signed_in_staff_of_the_cases_partnership(
        app, sent, cdop_client, other_partnership, call):
    case, link, token = sent
    client = _agency(app, token)
    _upload(client, NAME, PDF)
    (row,) = _rows()
    url = _download_url(case, link, row)
    # A draft's files are not the team's yet.
    assert cdop_client.get(url).status_code == 404
    _send(client)
    assert cdop_client.get(url).status_code == 200
    # Not signed in (the agency session included): to the sign-in page, no file.
    for anonymous in (app.test_client(), client):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    # Nor under static/, by its stored name.
    assert app.test_client().get(f"/static/{row.stored_name}").status_code == 404
    # Staff of another partnership: as if it did not exist.
    other = _signed_in_client(app, other_partnership, Role.CDOP_ADMIN)
    assert other.get(url).status_code == 404
    # The right file through another request's URL, or another case's: 404.
    assert cdop_client.get(
        f"/child-deaths/{case.id}/requests/{link.owner_id + 1}/attachments/{row.id}"
    ).status_code == 404
    # A role that may not edit the case's requests: refused.
    viewer = _signed_in_client(app, db.session.get(type(other_partnership),
                                                   link.partnership_id), Role.PANEL_MEMBER)
    assert viewer.get(url).status_code in (403, 404)


def test_no_file_name_in_a_log_line(app, sent, cdop_client, caplog):
    case, link, token = sent
    caplog.set_level(logging.DEBUG)
    client = _agency(app, token)
    _upload(client, NAME, PDF)
    _upload(client, "Testchild Invented.exe.pdf", b"MZ" + b"\x00" * 50)
    _send(client)
    (row,) = _rows()
    cdop_client.get(_download_url(case, link, row))
    assert "notes" not in caplog.text and "Testchild" not in caplog.text
    assert agency_access.AgencyAnswer.query.one().status == agency_access.SUBMITTED
