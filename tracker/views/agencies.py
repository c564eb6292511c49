"""The agency directory's pages (CDOP administrators and the business unit): the agencies of
the user's partnerships, and adding and changing an agency and its contacts.

Every change is audited through the models (`tracker.audit.Audited`); an edit carries the
version it was opened at (`tracker.versioning`); a create form is saved once
(`tracker.submissions`).
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.agencies import (
    AgencyForm,
    ContactActiveForm,
    ContactForm,
    NewAgencyForm,
    NewContactForm,
)
from tracker import agencies as service
from tracker import submissions, versioning
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.security import get_scoped_or_404, permission_required, visible_partnership_ids

bp = Blueprint("agencies", __name__, url_prefix="/agencies")


def _partnerships():
    return sorted(current_user.partnerships, key=lambda p: p.name)


@bp.route("/")
@permission_required(Permission.MANAGE_AGENCIES)
def index():
    """Every agency of the user's partnerships with its contacts, by name."""
    partnerships = _partnerships()
    return render_template(
        "tracker/agencies/index.html", partnerships=partnerships,
        agencies=service.agencies_of(visible_partnership_ids()),
        names={p.id: p.name for p in partnerships})


def _agency_or_404(agency_id):
    return get_scoped_or_404(service.DirectoryAgency, agency_id)


def _save(form, change, message, record=None, creates=False, on_clash="name"):
    """Apply `change` (which may raise service.Refused) and commit; (None, the page it
    returns) when saved, else (the status of the refusal, None), its message on the form."""
    try:
        if creates:
            form.claim_submission()
        if record is not None:
            versioning.check(form, record)
        next_url = submissions.made(change())
        db.session.commit()
    except service.Refused as refused:
        submissions.release()
        getattr(form, refused.field).errors.append(refused.message)
        return 400, None
    except versioning.STALE:
        return versioning.refuse(form, record), None
    except sa.exc.IntegrityError:
        # Someone saved the same name or address at the same moment: the database refused it.
        submissions.release()
        getattr(form, on_clash).errors.append(
            "Someone else saved this at the same moment: check the directory and try again")
        return 400, None
    flash(message, "success")
    return None, next_url


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_AGENCIES)
def new():
    """Add an agency to one of the user's partnerships' directories."""
    form = NewAgencyForm(partnerships=_partnerships())
    status = 200
    if form.validate_on_submit():
        partnership = db.session.get(Partnership, form.chosen_partnership_id())

        def change():
            agency = service.add_agency(partnership, form.name.data, form.kind.data)
            return url_for("agencies.show", agency_id=agency.id)

        status, landing = _save(form, change,
                                f"{form.name.data} added to the agency directory", creates=True)
        if landing:
            return redirect(landing)
    elif form.errors:
        status = 400
    return render_template("tracker/agencies/agency_form.html", form=form,
                           agency=None), status


@bp.route("/<int:agency_id>")
@permission_required(Permission.MANAGE_AGENCIES)
def show(agency_id):
    """One agency and its contacts."""
    agency = _agency_or_404(agency_id)
    return render_template("tracker/agencies/show.html", agency=agency,
                           contacts=service.contacts_of(agency),
                           active_form=ContactActiveForm(),
                           partnership=db.session.get(Partnership, agency.partnership_id))


@bp.route("/<int:agency_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_AGENCIES)
def edit(agency_id):
    """Change an agency's name or type."""
    agency = _agency_or_404(agency_id)
    form = AgencyForm(obj=agency if request.method == "GET" else None)
    versioning.opened_at(form, agency)
    status = 200
    landing = url_for("agencies.show", agency_id=agency.id)
    if form.validate_on_submit():
        def change():
            service.update_agency(agency, form.name.data, form.kind.data)
            return landing

        status, landing = _save(form, change, "The agency's details have been saved",
                                record=agency)
        if landing:
            return redirect(landing)
    elif form.errors:
        status = 400
    return render_template("tracker/agencies/agency_form.html", form=form,
                           agency=agency), status


@bp.route("/<int:agency_id>/contacts/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_AGENCIES)
def new_contact(agency_id):
    """Add a contact to an agency."""
    agency = _agency_or_404(agency_id)
    form = NewContactForm()
    status = 200
    if form.validate_on_submit():
        def change():
            service.add_contact(agency, form.name.data, form.role.data, form.email.data,
                                form.escalation.data)
            return url_for("agencies.show", agency_id=agency.id)

        status, landing = _save(form, change,
                                f"{form.name.data} added to {agency.name}'s contacts",
                                creates=True, on_clash="email")
        if landing:
            return redirect(landing)
    elif form.errors:
        status = 400
    return render_template("tracker/agencies/contact_form.html", form=form, agency=agency,
                           contact=None), status


@bp.route("/<int:agency_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_AGENCIES)
def edit_contact(agency_id, contact_id):
    """Change a contact's name, role, address or whether they are the escalation contact."""
    agency = _agency_or_404(agency_id)
    contact = get_scoped_or_404(service.AgencyContact, contact_id)
    if contact.agency_id != agency.id:
        abort(404)
    form = ContactForm(obj=contact if request.method == "GET" else None)
    versioning.opened_at(form, contact)
    status = 200
    if form.validate_on_submit():
        def change():
            service.update_contact(contact, form.name.data, form.role.data, form.email.data,
                                   form.escalation.data)
            return url_for("agencies.show", agency_id=agency.id)

        status, landing = _save(form, change, f"{form.name.data}'s details have been saved",
                                record=contact, on_clash="email")
        if landing:
            return redirect(landing)
    elif form.errors:
        status = 400
    return render_template("tracker/agencies/contact_form.html", form=form, agency=agency,
                           contact=contact), status


@bp.route("/<int:agency_id>/contacts/<int:contact_id>/active", methods=["POST"])
@permission_required(Permission.MANAGE_AGENCIES)
def contact_active(agency_id, contact_id):
    """Make a contact inactive (no new request goes to them; links already sent keep working)
    or active again; audited as a change of the contact."""
    agency = _agency_or_404(agency_id)
    contact = get_scoped_or_404(service.AgencyContact, contact_id)
    if contact.agency_id != agency.id:
        abort(404)
    form = ContactActiveForm()
    wanted = form.active.data if form.validate_on_submit() else None
    if wanted not in ("yes", "no") or contact.active == (wanted == "yes"):
        flash("Nothing was changed", "info")
    else:
        contact.active = wanted == "yes"
        db.session.commit()
        flash(f"{contact.name} is active again" if contact.active else
              f"{contact.name} is inactive: no new request can be sent to them; the links "
              "already sent keep working", "success")
    return redirect(url_for("agencies.show", agency_id=agency.id))
