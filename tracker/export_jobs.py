"""Large exports built by the scheduler behind a progress page, never inside a request.

A domain registers each list export as an `ExportKind` (Domain.exports): `prepare(args)` reads
the request's query arguments as the signed-in user and returns a `PreparedExport` (the cover,
the sheets, the file name, what the audit row names, and a cheap capped row count), or a
response (a redirect when the filters are wrong). `send_or_queue` counts the rows up to
EXPORT_INLINE_MAX_ROWS + 1: no more, and the workbook is built and sent at once as before;
more, and an `ExportJob` is recorded and the user is sent to its progress page.

The scheduler's export job (`build_queued`) claims each queued job with one atomic UPDATE (so
two schedulers never build one twice), replays `prepare` with the job's arguments as the
job's user (permissions and partnerships are checked again, as of the build), and writes the
workbook under EXPORT_DIR with a random name, readable only by the app's user, noting the
permissions its contents need (PreparedExport.permissions). Each download checks them again,
with the partnerships, as the user is now (`may_download`): a user who has since lost a
role's permission, the identity permission or a partnership is refused as a build would be,
the refusal audited and the file deleted. The download
is audited exactly as an inline export is, at each download. Files are deleted
EXPORT_KEEP_HOURS after they are built.

A killed build leaves nothing behind for long. The job records its file's token (committed)
before a byte is written, so every file in the export folder belongs to a job or to nobody;
the build's temporary files go in a folder of its own there (tracker.excel.scratch_folder),
never the system's temporary folder. While the build runs (preparing, writing, saving) a
thread beats its heartbeat (the job's `heartbeat_at`, every HEARTBEAT_EVERY, on a connection
of its own: tracker.heartbeat); a job whose heartbeat is older than STUCK_AFTER (its process
died), or that has run for MAX_BUILD_TIME (hung), is failed by the next sweep (the user may
try again) and its files removed, and each sweep (and the scheduler's start) removes what no
ready or building job owns and nothing has touched for ORPHAN_AFTER (`remove_orphans`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, g, redirect, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import Forbidden

from tracker import audit
from tracker.domains import registered_domains
from tracker.excel import (
    SCRATCH_SUFFIX,
    Cover,
    ExportSheet,
    build_workbook,
    export_folder,
    scratch_folder,
    send_workbook,
)
from tracker.extensions import db
from tracker.heartbeat import Heartbeat
from tracker.roles import Permission
from tracker.short_reads import end_read
from tracker.timeutil import utcnow

log = logging.getLogger(__name__)

QUEUED, BUILDING, READY, FAILED, EXPIRED = "queued", "building", "ready", "failed", "expired"
# A building job beats its heartbeat this often while writing rows; one whose heartbeat is
# older than STUCK_AFTER has died with its process.
HEARTBEAT_EVERY = timedelta(seconds=5)
STUCK_AFTER = timedelta(minutes=2)
# A build still going after this long has hung (a lock or a connection that never answers),
# whatever its heartbeat says (the heartbeat proves only that its process is alive): it is
# failed too, and if it ever finishes its file is removed, not offered. The largest export
# (100,000 rows) builds in well under a minute.
MAX_BUILD_TIME = timedelta(minutes=30)
# A file or folder in the export folder that no job owns is removed once untouched this long
# (an inline export's temporary folder is in use until then).
ORPHAN_AFTER = timedelta(minutes=2)
# What the progress page says of a build whose process died.
INTERRUPTED = "the build stopped before it finished. Try again"
# The names this app gives to what it writes in the export folder (nothing else is removed).
_OURS = re.compile(r"[A-Za-z0-9_-]{16,80}(\.xlsx|" + re.escape(SCRATCH_SUFFIX) + ")")
# What the progress page says of a build or a download refused for want of access.
NO_ACCESS = "You no longer have access to these records"


@dataclass(frozen=True)
class ExportKind:
    """A list export that may be built in the background.

    `prepare(args)` runs as the signed-in user (in the request, or replayed by the scheduler)
    and returns a PreparedExport or a response; `back_endpoint` is the list it exports.
    """

    name: str
    prepare: Callable
    back_endpoint: str


@dataclass
class PreparedExport:
    """Everything an export needs before its rows are read."""

    cover: Cover
    sheets: Sequence[ExportSheet]
    filename: str
    partnership_ids: Sequence[int]
    audit_as: str | None = None
    audit_id: int | None = None
    # count(limit) -> the rows of the main sheet, counted no further than `limit`.
    count: Callable[[int], int] | None = None
    # The permissions a user must hold to receive the file (the export, the records', the
    # identity permission when it holds identifying details): checked again at download.
    permissions: Sequence[Permission] = ()


class ExportJob(db.Model):
    """An export too large to build in a request: who asked, what for, and how far it got."""

    __tablename__ = "export_job"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(60))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    # The query arguments as JSON [[key, value], …]: the filters, replayed by the build.
    arguments: so.Mapped[str] = so.mapped_column(sa.Text)
    partnership_ids: so.Mapped[str] = so.mapped_column(sa.String(500))
    # The permissions the built file needs, comma-separated (set by the build); none is read
    # as a file nobody may download.
    permissions: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), index=True, default=QUEUED)
    row_count: so.Mapped[int | None]
    audit_as: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    audit_id: so.Mapped[int | None]
    audit_detail: so.Mapped[str | None] = so.mapped_column(sa.Text)
    error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # The file's random name under EXPORT_DIR, while it exists.
    token: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(index=True)
    started_at: so.Mapped[datetime | None]
    # Beaten by the build while it writes (its process is alive); see STUCK_AFTER.
    heartbeat_at: so.Mapped[datetime | None]
    finished_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    downloaded_at: so.Mapped[datetime | None]

    @property
    def partnerships(self) -> list[int]:
        """The partnership ids the export covers."""
        return [int(each) for each in self.partnership_ids.split(",") if each]


def export_kinds(app=None) -> dict[str, ExportKind]:
    """Every registered domain's export kinds, by name."""
    return {kind.name: kind for domain in registered_domains(app) for kind in domain.exports}


def export_dir() -> Path:
    """The directory of built exports, made readable by the app's user only."""
    return export_folder()


def file_of(job: ExportJob) -> Path:
    """Where a built job's workbook is."""
    return export_dir() / f"{job.token}.xlsx"


# --- In the request ----------------------------------------------------------------------


def send_or_queue(kind: ExportKind, args: MultiDict):
    """The export as a download when small enough; else a queued job and its progress page."""
    prepared = kind.prepare(args)
    if not isinstance(prepared, PreparedExport):
        return prepared
    limit = current_app.config["EXPORT_INLINE_MAX_ROWS"]
    if prepared.count is None or prepared.count(limit + 1) <= limit:
        return send_workbook(prepared.cover, prepared.sheets, prepared.filename,
                             partnership_ids=prepared.partnership_ids,
                             audit_as=prepared.audit_as, audit_id=prepared.audit_id)
    job = queue(kind.name, args, prepared, current_user.id, utcnow())
    db.session.commit()
    return redirect(url_for("exports.progress", job_id=job.id))


def queue(name, args: MultiDict, prepared: PreparedExport, user_id, now) -> ExportJob:
    """Record an export job for the scheduler (not committed)."""
    job = ExportJob(user_id=user_id, kind=name, title=prepared.cover.title,
                    filename=prepared.filename, arguments=json.dumps(list(args.items(multi=True))),
                    partnership_ids=_ids(prepared.partnership_ids), status=QUEUED,
                    created_at=now)
    db.session.add(job)
    db.session.flush()
    return job


def _ids(partnership_ids) -> str:
    return ",".join(str(each) for each in sorted(partnership_ids))


def retry(job: ExportJob, now) -> None:
    """Queue a failed job again with the same filters (not committed)."""
    _remove_file(job)
    job.status, job.error, job.created_at = QUEUED, None, now
    job.started_at = job.finished_at = job.row_count = job.audit_detail = None
    job.heartbeat_at = None
    job.permissions = None


def may_download(job: ExportJob, user) -> bool:
    """Whether `user` may still receive the job's file: active, holding every permission its
    contents needed when built, and still in every partnership it covers."""
    if job.permissions is None or not user.is_active:
        return False
    needed = [each for each in job.permissions.split(",") if each]
    return all(user.can(each) for each in needed) and \
        set(job.partnerships) <= set(user.partnership_ids)


def refuse_download(job: ExportJob, now) -> None:
    """A download refused for want of access (not committed): audited, the file deleted, the
    job failed with the message a refused build gives (the user may ask for it again)."""
    for partnership_id in job.partnerships or [None]:
        audit.record(audit.Action.REFUSED, object_type=job.audit_as or job.title,
                     object_id=job.audit_id, partnership_id=partnership_id,
                     detail=f"Download of {job.filename} refused: {NO_ACCESS.lower()}")
    _remove_file(job)
    job.status, job.error, job.finished_at = FAILED, NO_ACCESS, now


def audit_download(job: ExportJob, now) -> None:
    """The EXPORT audit rows an inline export would have made, for this download."""
    for partnership_id in job.partnerships or [None]:
        audit.record(audit.Action.EXPORT, object_type=job.audit_as or job.title,
                     object_id=job.audit_id, partnership_id=partnership_id,
                     detail=job.audit_detail)
    job.downloaded_at = now


# --- In the scheduler --------------------------------------------------------------------


def claim(job_id: int, now) -> bool:
    """Mark a queued job as building, atomically: True only for the one caller that did."""
    result = db.session.execute(
        sa.update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == QUEUED)
        .values(status=BUILDING, started_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def build_queued(now_fn: Callable[[], datetime] = utcnow, limit: int = 20) -> int:
    """Claim and build queued jobs, oldest first (up to `limit`); returns how many were built."""
    built = 0
    for job_id in db.session.scalars(sa.select(ExportJob.id).where(ExportJob.status == QUEUED)
                                     .order_by(ExportJob.id).limit(limit)).all():
        if claim(job_id, now_fn()):
            build(job_id, now_fn)
            built += 1
    return built


def build(job_id: int, now_fn: Callable[[], datetime] = utcnow) -> None:
    """Build a claimed job's workbook as its user: ready with its file, or failed.

    The file's token is committed with the job before anything is written, so a build
    killed mid-way leaves files that the sweep knows to be this job's.
    """
    app = current_app._get_current_object()
    job = db.session.get(ExportJob, job_id)
    args = MultiDict(json.loads(job.arguments))
    user_id, kind = job.user_id, job.kind  # read now: the commit expires the job
    token = secrets.token_urlsafe(32)
    job.token = token
    db.session.commit()
    path = export_dir() / f"{token}.xlsx"
    end_read()  # the job is read: hold no transaction (nor, on PostgreSQL, a snapshot) while
    # the build runs, which reads its rows in short transactions of its own
    try:
        # A fresh app context: its own `g` (the user, cached partnership ids) and session.
        # The heartbeat beats through all of it: preparing, writing rows, saving the workbook.
        with app.app_context(), app.test_request_context(query_string=args), \
                Heartbeat(ExportJob.__table__, job_id, HEARTBEAT_EVERY, "Export job", now_fn):
            outcome = _build_as_user(user_id, kind, args, path, token)
    except Forbidden:
        outcome = {"status": FAILED, "error": NO_ACCESS}
    except Exception as error:  # the user sees "failed" and may try again
        log.exception("Export job %s failed", job_id)
        db.session.rollback()
        outcome = {"status": FAILED, "error": f"{type(error).__name__}"[:500]}
    if outcome["status"] != READY:
        path.unlink(missing_ok=True)
        outcome["token"] = None
    # Only if it is still this build's: a sweep may have failed it meanwhile (its heartbeat
    # stopped for too long), and then the user has been told so and its file must go.
    finished = db.session.execute(
        sa.update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == BUILDING,
                                   ExportJob.token == token)
        .values(**outcome, finished_at=now_fn()).execution_options(synchronize_session=False))
    db.session.commit()
    if finished.rowcount != 1:
        path.unlink(missing_ok=True)
    db.session.expire_all()


def _build_as_user(user_id, name, args, path: Path, token: str) -> dict:
    """Replay the export's preparation as its user, then write the workbook to `path`."""
    from tracker.models import User

    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return {"status": FAILED, "error": "The account that asked for it is not active"}
    g._login_user = user  # what flask_login's current_user reads in this request context
    prepared = export_kinds()[name].prepare(args)
    if not isinstance(prepared, PreparedExport):
        return {"status": FAILED, "error": "The filters are no longer valid"}
    with scratch_folder(token) as folder:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as target:
            counts = build_workbook(prepared.cover, prepared.sheets, target, folder)
    db.session.rollback()  # the build only reads
    return {"status": READY, "row_count": next(iter(counts.values()), 0),
            "audit_detail": prepared.cover.audit_detail(counts),
            "audit_as": prepared.audit_as, "audit_id": prepared.audit_id,
            "partnership_ids": _ids(prepared.partnership_ids),
            "permissions": ",".join(sorted({str(each) for each in prepared.permissions}))}


def sweep(now) -> int:
    """Delete files older than EXPORT_KEEP_HOURS, fail builds that died (removing their
    files) and remove orphans; returns how many jobs' files expired.

    An expired job keeps no filters either: a search may be a child's name.
    """
    keep = timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"])
    old = db.session.scalars(sa.select(ExportJob).where(
        ExportJob.status.in_((READY, FAILED)), ExportJob.finished_at < now - keep)).all()
    for job in old:
        _remove_file(job)
        job.status, job.arguments = EXPIRED, "[]"
    dead = db.session.scalars(sa.select(ExportJob).where(
        ExportJob.status == BUILDING,
        sa.or_(sa.func.coalesce(ExportJob.heartbeat_at, ExportJob.started_at)
               < now - STUCK_AFTER, ExportJob.started_at < now - MAX_BUILD_TIME))).all()
    for job in dead:
        log.warning("Export job %s: its build stopped or hung (started %s, heartbeat %s)",
                    job.id, job.started_at, job.heartbeat_at)
        _remove_file(job)
        job.status, job.error, job.finished_at = FAILED, INTERRUPTED, now
    db.session.commit()
    remove_orphans()
    return len(old)


def remove_orphans() -> int:
    """Remove what this app wrote in the export folder that no ready or building job owns
    (a file whose job is gone, a killed build's or inline export's temporary folder) once
    untouched for ORPHAN_AFTER, so as not to take a build in progress in another process.
    Returns how many were removed."""
    owned = set(db.session.scalars(sa.select(ExportJob.token).where(
        ExportJob.status.in_((READY, BUILDING)), ExportJob.token.is_not(None))))
    db.session.commit()
    removed = 0
    before = time.time() - ORPHAN_AFTER.total_seconds()
    for entry in export_dir().iterdir():
        if not _OURS.fullmatch(entry.name) or entry.name.split(".")[0] in owned:
            continue
        if _last_touched(entry) > before:
            continue
        log.warning("Removing %s from the export folder: no job owns it", entry.name)
        _remove_path(entry)
        removed += 1
    return removed


def _last_touched(entry: Path) -> float:
    """When a file, or a folder or anything in it, was last changed (0 if it has gone)."""
    try:
        times = [entry.stat().st_mtime]
        if entry.is_dir():
            times += [each.stat().st_mtime for each in entry.iterdir()]
    except FileNotFoundError:
        return 0.0
    return max(times)


def _remove_path(entry: Path) -> None:
    if entry.is_dir():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def _remove_file(job: ExportJob) -> None:
    """Remove a job's file and its build's temporary folder, and forget its token."""
    if job.token:
        file_of(job).unlink(missing_ok=True)
        shutil.rmtree(export_dir() / f"{job.token}{SCRATCH_SUFFIX}", ignore_errors=True)
        job.token = None


def run(now_fn: Callable[[], datetime] = utcnow) -> tuple[int, int]:
    """One scheduler run: build what is queued, then delete what has expired."""
    return build_queued(now_fn), sweep(now_fn())
