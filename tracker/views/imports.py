"""Importing existing records from a spreadsheet: upload, preview, confirm; the template.

Each domain registers its imports (tracker.domains.Domain.imports); these pages know none of
them by name. Nothing is saved until the user confirms a file without problems, and then
every row is saved in one transaction.
"""

import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from forms.imports import ConfirmForm, UploadForm
from tracker import submissions
from tracker.extensions import db
from tracker.imports import pending, run, template
from tracker.imports.spec import CHOICE, DATE, YES_NO
from tracker.imports.upload import UploadRefused
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import format_date, london_today

bp = Blueprint("imports", __name__, url_prefix="/imports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 100


def _spec_or_404(name):
    spec = run.find(name, current_user)
    if spec is None:
        abort(404)
    return spec


@bp.route("/")
@permission_required(Permission.IMPORT)
def index():
    """The imports the user may run."""
    return render_template("tracker/imports/index.html", specs=run.imports_for(current_user))


@bp.route("/<name>", methods=["GET", "POST"])
@permission_required(Permission.IMPORT)
def upload(name):
    """Upload a file: a clear error for one that cannot be read, else its preview."""
    spec = _spec_or_404(name)
    partnerships = sorted(current_user.partnerships, key=lambda p: p.name)
    if not partnerships:
        abort(403)
    form = UploadForm(partnerships=partnerships)
    if form.is_submitted():
        pending.remove_expired()  # uploads nobody confirmed in time hold personal data
    if not form.validate_on_submit():
        return _render_upload(spec, form, 400 if form.errors else 200)
    data = form.uploaded_bytes(run.limits().max_bytes)
    if data is None:
        form.refuse("Select a file to upload")
        return _render_upload(spec, form, 400)
    partnership_id = form.chosen_partnership_id()
    try:
        checked = run.check_upload(spec, data, visible_partnership_ids(), london_today(),
                                   db.session.get(Partnership, partnership_id))
    except UploadRefused as refused:
        form.refuse(str(refused))
        return _render_upload(spec, form, 400)
    token = pending.save(data, user_id=current_user.id, partnership_id=partnership_id,
                         import_name=spec.name) if checked.ok else None
    return _render_preview(spec, checked, token, db.session.get(Partnership, partnership_id))


@bp.route("/<name>/confirm", methods=["POST"])
@permission_required(Permission.IMPORT)
def confirm(name):
    """Import every row of the previewed file in one transaction, or none."""
    spec = _spec_or_404(name)
    form = ConfirmForm()
    form.validate_on_submit()  # CSRFProtect has already refused a bad token
    stored = pending.load(form.token.data, user_id=current_user.id, import_name=spec.name)
    if stored is None or stored.partnership_id not in visible_partnership_ids():
        flash("This upload has expired or has already been imported: upload the file again",
              "error")
        return redirect(url_for("imports.upload", name=spec.name))
    partnership = db.session.get(Partnership, stored.partnership_id)
    today = london_today()
    # The form's key first: a second confirm waits for this one, then lands on its page.
    form.claim_submission()
    # Checked again: a record the file duplicates may have been added since the preview.
    checked = run.check_upload(spec, stored.data, visible_partnership_ids(), today,
                               partnership)
    if not checked.ok:
        submissions.release()
        pending.discard(form.token.data)
        return _render_preview(spec, checked, None, partnership)
    submissions.made(url_for(spec.done_endpoint))
    try:
        records = run.save_all(spec, checked, partnership, current_user, today)
    except sa.exc.IntegrityError:
        flash("Nothing was imported: someone else recorded a case at the same moment. "
              "Upload the file again", "error")
        return redirect(url_for("imports.upload", name=spec.name))
    pending.discard(form.token.data)
    flash(f"{len(records)} {spec.noun} imported into {partnership.name}", "success")
    return redirect(url_for(spec.done_endpoint))


@bp.route("/<name>/template.xlsx")
@permission_required(Permission.IMPORT)
def template_file(name):
    """The import's template: the headers, and a sheet of notes on each column."""
    spec = _spec_or_404(name)
    return send_file(io.BytesIO(template.workbook_bytes(spec)), mimetype=XLSX,
                     as_attachment=True, download_name=f"{spec.name}-import-template.xlsx")


def _render_upload(spec, form, status):
    return render_template("tracker/imports/upload.html", spec=spec, form=form,
                           limits=run.limits()), status


def _render_preview(spec, checked, token, partnership):
    shown = [column for column in spec.columns if not column.identifying
             and (spec.preview is None or column.key in spec.preview)]
    rows = [(number, [display(column, values[column.key]) for column in shown])
            for number, values in checked.rows[:PREVIEW_ROWS]]
    return render_template(
        "tracker/imports/preview.html", spec=spec, checked=checked, columns=shown, rows=rows,
        partnership=partnership, form=ConfirmForm(token=token), token=token,
        more=max(len(checked.rows) - PREVIEW_ROWS, 0),
    ), (200 if checked.ok else 400)


def display(column, value) -> str:
    """A checked value as the preview shows it."""
    if value is None:
        return ""
    for word, meant in column.words.items():
        if value == meant:
            return word
    if column.kind == DATE:
        return format_date(value)
    if column.kind == YES_NO:
        return "Yes" if value else "No"
    if column.kind == CHOICE:
        return column.choices.get(value, str(value))
    return str(value)
