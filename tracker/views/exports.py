"""The progress page of an export built in the background, its download, and trying again.

Only the user who asked for an export sees its page or its file (anyone else: 404). The page
refreshes itself every few seconds until the file is ready or the build has failed.
"""

from flask import Blueprint, abort, redirect, render_template, send_file, url_for
from flask_login import current_user

from tracker import export_jobs
from tracker.excel import XLSX_MIMETYPE
from tracker.export_jobs import BUILDING, EXPIRED, FAILED, QUEUED, READY, ExportJob
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import utcnow

bp = Blueprint("exports", __name__, url_prefix="/exports")

REFRESH_SECONDS = 5


def _own_job(job_id) -> ExportJob:
    """The signed-in user's export job, else 404 (another user's job does not exist for them)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.route("/<int:job_id>")
@permission_required(Permission.EXPORT)
def progress(job_id):
    """Where the export has got to; the download link once it is ready."""
    job = _own_job(job_id)
    kind = export_jobs.export_kinds().get(job.kind)
    return render_template(
        "tracker/exports/progress.html", job=job,
        refresh=REFRESH_SECONDS if job.status in (QUEUED, BUILDING) else None,
        back=url_for(kind.back_endpoint) if kind else url_for("main.home"),
        QUEUED=QUEUED, BUILDING=BUILDING, READY=READY, FAILED=FAILED, EXPIRED=EXPIRED)


@bp.route("/<int:job_id>/download")
@permission_required(Permission.EXPORT)
def download(job_id):
    """The built workbook, audited as an inline export is; refused (and audited) when the
    user has since lost a permission or a partnership its contents need."""
    job = _own_job(job_id)
    if job.status != READY or not job.token or not export_jobs.file_of(job).exists():
        return redirect(url_for("exports.progress", job_id=job.id))
    if not export_jobs.may_download(job, current_user):
        export_jobs.refuse_download(job, utcnow())
        db.session.commit()
        return redirect(url_for("exports.progress", job_id=job.id))
    export_jobs.audit_download(job, utcnow())
    db.session.commit()
    response = send_file(export_jobs.file_of(job), mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=job.filename, max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/retry", methods=["POST"])
@permission_required(Permission.EXPORT)
def retry(job_id):
    """Build a failed export again, with the same filters."""
    job = _own_job(job_id)
    if job.status == FAILED:
        export_jobs.retry(job, utcnow())
        db.session.commit()
    return redirect(url_for("exports.progress", job_id=job.id))
