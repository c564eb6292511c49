"""Files an agency contact attaches to the reporting form sent through a personal link
(tracker.agency_access): PDF, Word (.docx, .doc) and PNG or JPEG images.

A file's type is told by its CONTENT, never by its name or the browser's content type, and
the name's extension must agree with it: a PDF starts "%PDF-", a PNG with its 8-byte
signature, a JPEG with FF D8 FF; a .docx is a zip holding word/document.xml and
[Content_Types].xml and no macros (word/vbaProject.bin); a .doc is an OLE compound file
holding a "WordDocument" stream (other OLE files, such as .xls or .msi, have none). So an
.exe or a web page renamed .pdf, or a PNG named .docx, is refused. (A zip is only listed,
never unpacked.)

Files are kept outside the web root, under ATTACHMENT_DIR (default instance/attachments,
0700), each under a random name with no extension (`stored_name`); the row keeps the
original name (shown escaped, never in a URL, a header or a log line), the detected type,
the size and the SHA-256. They are served only as downloads (application/octet-stream,
Content-Disposition attachment with a safe name, nosniff, no-store) to staff who may see
the case, each download audited. They stay with the answer when the link is revoked or the
case closed: they are case records (a retention job deletes `path_of(row)` with the row).
"""

import hashlib
import io
import os
import secrets
import zipfile
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, request, send_file

from tracker import audit
from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.text import file_name
from tracker.timeutil import utcnow

# Detected type: (what the page calls it, the extensions a name of that type may end with).
TYPES = {
    "pdf": ("PDF", (".pdf",)),
    "docx": ("Word document", (".docx",)),
    "doc": ("Word document", (".doc",)),
    "png": ("PNG image", (".png",)),
    "jpeg": ("JPEG image", (".jpg", ".jpeg")),
}
ACCEPT = ",".join(ext for _label, exts in TYPES.values() for ext in exts)
# The room a multipart request needs beyond its file: the CSRF token, boundaries, headers.
REQUEST_OVERHEAD = 64 * 1024
NAME_MAX = 255

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The name of a .doc's main stream as an OLE directory entry holds it (UTF-16LE).
_WORD_STREAM = "WordDocument".encode("utf-16-le")


class Refused(Exception):
    """A file not taken; the message is for the form's error summary."""


class AgencyAttachment(PartnershipScoped, Audited, db.Model):
    """One file attached to a reporting form sent through a personal link."""

    __tablename__ = "agency_attachment"
    __audit_label__ = "kind"
    # The name an agency gave a file may name the child: never copied into the trail.
    __audit_redact__ = frozenset({"original_name", "stored_name", "sha256"})

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    answer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agency_answer.id"),
                                                 index=True)
    link_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agency_link.id"), index=True)
    original_name: so.Mapped[str] = so.mapped_column(sa.String(NAME_MAX))
    kind: so.Mapped[str] = so.mapped_column(sa.String(8))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    # The file's random name under ATTACHMENT_DIR (tracker.attachments.path_of).
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    uploaded_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def label(self) -> str:
        return TYPES[self.kind][0]


def max_bytes() -> int:
    return int(current_app.config["AGENCY_ATTACHMENT_MAX_BYTES"])


def max_count() -> int:
    return int(current_app.config["AGENCY_ATTACHMENT_MAX_COUNT"])


def request_limit() -> int:
    """The largest request the upload page reads: one file of the largest size, and room."""
    return max_bytes() + REQUEST_OVERHEAD


UPLOAD_ENDPOINT = "agency.attachments_page"


def fit_request_limit() -> None:
    """Before any form is read (registered ahead of CSRFProtect): the upload page takes a
    request of one file of the largest size and some room, whatever MAX_CONTENT_LENGTH is;
    every other page keeps the app's limit. A larger request is refused (413) unread."""
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = request_limit()


def size_text(size: int) -> str:
    """A size as people read it: 820 bytes, 12 KB, 3.4 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def folder() -> Path:
    """The attachments folder, outside the web root, readable by the app's user only."""
    path = Path(current_app.config.get("ATTACHMENT_DIR")
                or os.path.join(current_app.instance_path, "attachments"))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def path_of(row: AgencyAttachment) -> Path:
    """Where an attachment's file is (a retention job deletes it with the row)."""
    return folder() / row.stored_name


def detect(data: bytes) -> str | None:
    """The type the bytes are (a key of TYPES), by their content alone; None for any other."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return None
        if ({"word/document.xml", "[Content_Types].xml"} <= names
                and "word/vbaProject.bin" not in names):
            return "docx"
        return None
    if data.startswith(_OLE) and _WORD_STREAM in data:
        return "doc"
    return None


def check(name: str, data: bytes) -> str:
    """The detected type of an upload, or Refused (empty, too large, or not what it is
    named: the name's extension must be of the type its content is)."""
    if not data:
        raise Refused("The selected file is empty")
    if len(data) > max_bytes():
        raise Refused(f"The selected file must be smaller than {size_text(max_bytes())}")
    kind = detect(data)
    if kind is None or not name.lower().endswith(TYPES[kind][1]):
        raise Refused("The selected file must be a PDF, a Word document (.docx or .doc), "
                      "or a PNG or JPEG image")
    return kind


def of_answers(answer_ids) -> dict[int, list[AgencyAttachment]]:
    """The attachments of each answer, oldest first: one query."""
    found: dict[int, list[AgencyAttachment]] = {}
    ids = list(answer_ids)
    if not ids:
        return found
    for row in db.session.scalars(sa.select(AgencyAttachment).where(
            AgencyAttachment.answer_id.in_(ids)).order_by(AgencyAttachment.id)):
        found.setdefault(row.answer_id, []).append(row)
    return found


def add(link, answer, name: str, data: bytes, now=None) -> AgencyAttachment:
    """Keep an upload of the agency contact (audited under the contact), or Refused. The
    caller checks the link is live and the answer not sent; the file is written before the
    row, and removed again if the row cannot be saved (the caller commits)."""
    now = now or utcnow()
    name = " ".join((name or "").replace("\\", "/").rsplit("/", 1)[-1].split())
    if not name:
        raise Refused("Select a file")
    kind = check(name, data)
    if len(of_answers([answer.id]).get(answer.id, [])) >= max_count():
        raise Refused(f"You can attach up to {max_count()} files: remove one to attach "
                      "another")
    stored = secrets.token_hex(16)
    fd = os.open(folder() / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    row = AgencyAttachment(
        answer_id=answer.id, link_id=link.id, partnership_id=link.partnership_id,
        original_name=name[-NAME_MAX:], kind=kind, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), stored_name=stored, uploaded_at=now)
    audit.act_as_agency_contact(link.contact_id)
    db.session.add(row)
    try:
        db.session.flush()
    except Exception:
        (folder() / stored).unlink(missing_ok=True)
        raise
    audit.record(audit.Action.UPDATE, object_type="AgencyLink", object_id=link.id,
                 object_label=link.owner_type, partnership_id=link.partnership_id,
                 detail=f"Agency contact attached a file ({TYPES[kind][0]}, "
                        f"{size_text(len(data))})")
    return row


def remove(link, answer, attachment_id) -> bool:
    """Remove one of the answer's attachments and its file (audited under the contact);
    False when it is not one of them."""
    row = db.session.get(AgencyAttachment, attachment_id) if attachment_id else None
    if row is None or row.answer_id != answer.id or row.link_id != link.id:
        return False
    audit.act_as_agency_contact(link.contact_id)
    path = path_of(row)
    db.session.delete(row)
    audit.record(audit.Action.DELETE, object_type="AgencyLink", object_id=link.id,
                 object_label=link.owner_type, partnership_id=link.partnership_id,
                 detail=f"Agency contact removed an attached file ({row.label})")
    db.session.flush()
    path.unlink(missing_ok=True)
    return True


def download(row: AgencyAttachment, user=None):
    """The file as a download, never shown in the browser, the download audited (the caller
    has checked the user may see the case, and commits)."""
    audit.record(audit.Action.EXPORT, object_type="AgencyAttachment", object_id=row.id,
                 object_label=row.kind, partnership_id=row.partnership_id, user=user,
                 detail=f"Downloaded a file an agency attached ({row.label})")
    stem, _dot, ext = row.original_name.rpartition(".")
    safe = file_name(stem, "attachment") + "." + TYPES[row.kind][1][0].lstrip(".")
    if f".{ext.lower()}" in TYPES[row.kind][1]:
        safe = file_name(stem, "attachment") + "." + ext.lower()
    # Read whole (a file is at most AGENCY_ATTACHMENT_MAX_BYTES): no file left open.
    response = send_file(io.BytesIO(path_of(row).read_bytes()),
                         mimetype="application/octet-stream",
                         as_attachment=True, download_name=safe, max_age=0,
                         conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def remove_for_links(link_ids) -> int:
    """Delete the attachments of these links (retention's disposal, tracker.disposal): the
    rows now, in the caller's transaction, and their files once it commits; a rollback keeps
    both. Returns how many went."""
    rows = db.session.execute(sa.select(AgencyAttachment.id, AgencyAttachment.stored_name)
                              .where(AgencyAttachment.link_id.in_(list(link_ids)))).all()
    if not rows:
        return 0
    db.session.execute(sa.delete(AgencyAttachment).where(
        AgencyAttachment.id.in_([row.id for row in rows]))
        .execution_options(synchronize_session=False))
    paths = [folder() / row.stored_name for row in rows]
    session = db.session()
    state = {"done": False}

    def unlink_files(_session):
        if not state["done"]:
            state["done"] = True
            for path in paths:
                path.unlink(missing_ok=True)

    def keep_files(_session, _previous=None):
        state["done"] = True  # rolled back: the rows are back, so their files stay

    sa.event.listen(session, "after_commit", unlink_files, once=True)
    sa.event.listen(session, "after_soft_rollback", keep_files, once=True)
    return len(rows)

