"""A partnership's data archive (system administrators): the page and its download.

The archive (tracker.archive) is built inside the request, as an inline export is: the file
is spooled in the export folder (in memory up to its size limit), the export is audited and
committed, and only then is the file sent. The audit row names the partnership, the tables
and the rows, never a value of one.
"""

import tempfile

from flask import Blueprint, render_template, request, send_file

from tracker import archive, audit
from tracker.excel import SPOOL_BYTES, scratch_folder
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import utcnow
from tracker.views.partnerships import _own_partnership_or_404

bp = Blueprint("archive", __name__, url_prefix="/partnerships")
ZIP_MIMETYPE = "application/zip"


class _ArchiveFile(tempfile.SpooledTemporaryFile):
    """The built archive: in memory up to SPOOL_BYTES, then on disk; closed quietly when
    collected (as tracker.excel's export file)."""

    def __del__(self):
        if not self.closed:
            self.close()


@bp.route("/<code>/archive", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def download(code):
    """What the archive holds, and the button that builds and downloads it."""
    partnership = _own_partnership_or_404(code)
    plan = archive.archived_tables()
    # The confirming POST (CSRFProtect has checked its token) builds it.
    if request.method != "POST":
        return render_template("tracker/partnerships/archive.html", partnership=partnership,
                               tables=[t.name for t in plan.tables],
                               not_archived=archive.NOT_ARCHIVED)
    with scratch_folder() as folder:
        spooled = _ArchiveFile(max_size=SPOOL_BYTES, dir=folder)
        try:
            written = archive.write_archive(partnership, spooled)
        except BaseException:
            spooled.close()
            raise
    audit.record(audit.Action.EXPORT, partnership, partnership_id=partnership.id, detail=(
        f"{archive.AUDIT_DETAIL}: {sum(written.rows.values())} rows from "
        f"{len(written.rows)} tables"))
    db.session.commit()
    size = spooled.tell()
    spooled.seek(0)
    name = f"{partnership.code}-data-archive-{utcnow():%Y-%m-%d}.zip"
    response = send_file(spooled, mimetype=ZIP_MIMETYPE, as_attachment=True,
                         download_name=name, max_age=0, conditional=False, etag=False)
    response.content_length = size
    response.headers["Cache-Control"] = "no-store"
    return response
