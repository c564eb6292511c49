"""The accessibility statement, the privacy notice and the cookies page (open to everyone,
linked from every layout's footer), and the partnership setting of the contacts they show.

Signed out or in, /accessibility, /privacy and /cookies show every partnership's contacts,
or only those of the partnership named by ?partnership=<code> (an unknown code: 404).
"""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.statements import ContactsForm
from tracker import statements, versioning
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.security import permission_required, public_page, visible_partnership_ids

bp = Blueprint("statements", __name__)

# When the accessibility statement's words were last checked against the code and its tests.
STATEMENT_PREPARED_ON = "7 December 2026"


def _listed():
    """The partnerships the page is about: the one asked for, else every one."""
    code = request.args.get("partnership") or None
    rows = statements.listed(code)
    if code is not None and not rows:
        abort(404)
    return rows, code


@bp.route("/accessibility")
@public_page
def accessibility():
    """The accessibility statement (after the GOV.UK sample statement)."""
    rows, code = _listed()
    return render_template("tracker/statements/accessibility.html", rows=rows, code=code,
                           prepared_on=STATEMENT_PREPARED_ON)


@bp.route("/privacy")
@public_page
def privacy():
    """The privacy notice: what the tracker holds, why, for how long, and people's rights."""
    rows, code = _listed()
    return render_template("tracker/statements/privacy.html", rows=rows, code=code)


@bp.route("/cookies")
@public_page
def cookies():
    """The cookies the tracker sets: only those it needs to work."""
    return render_template("tracker/statements/cookies.html",
                           cookies=statements.cookies(current_app.config))


@bp.route("/partnerships/<code>/contacts", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def contacts(code):
    """A system administrator sets the contacts the partnership's statements show
    (audited, and refused when someone else saved them after the form was opened)."""
    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.code == code))
    if partnership is None or partnership.id not in visible_partnership_ids():
        abort(404)
    existing = statements.contacts_of(partnership.id)
    form = ContactsForm(obj=existing)
    versioning.opened_at(form, existing)
    if form.validate_on_submit():
        try:
            versioning.check(form, existing)
        except versioning.STALE:
            status = versioning.refuse(form, existing)
            return _render_contacts(partnership, form), status
        row = existing or statements.PartnershipContacts(partnership_id=partnership.id)
        for name in ("data_protection_officer", "privacy_contact", "accessibility_email",
                     "lawful_basis"):
            setattr(row, name, getattr(form, name).data or None)
        row.updated_by_id = current_user.id
        db.session.add(row)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # a first save by someone else at the same moment
            db.session.rollback()
            form.data_protection_officer.errors.append(
                "Someone else saved this partnership's contacts at the same moment. Check "
                "them and save again")
            return _render_contacts(partnership, form), 409
        flash("Contacts for the accessibility statement and privacy notice saved", "success")
        return redirect(url_for("partnerships.show", code=partnership.code))
    return _render_contacts(partnership, form), (400 if form.errors else 200)


def _render_contacts(partnership, form):
    return render_template("tracker/statements/contacts.html", partnership=partnership,
                           form=form)
