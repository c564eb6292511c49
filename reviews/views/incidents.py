"""The tracker list, recording a serious incident, its notifications, and the review page."""


from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.reviews.incident import IncidentForm, NotificationsForm, add_problems
from forms.reviews.tracker import TrackerFilterForm
from reviews import bp
from reviews.models import (
    CP_PLAN,
    DECISIONS,
    LOCATIONS,
    NOT_NOTIFIABLE,
    RECOMMENDATIONS,
    STAGES,
)
from reviews.services import access, lists, review_page
from reviews.services import incidents as service
from reviews.services import notifications as notices
from tracker import audit, case_owner, submissions, versioning
from tracker.extensions import db
from tracker.models import Partnership
from tracker.pagination import SortableList, requested_page
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_today

# The vocabularies every practice review page shows in words.
VOCABULARIES = {"stages": STAGES, "locations": LOCATIONS, "cp_plan": CP_PLAN,
                "recommendations": RECOMMENDATIONS, "decisions": DECISIONS,
                "not_notifiable": NOT_NOTIFIABLE}


@bp.context_processor
def vocabularies():
    """`review_vocab` in the practice review templates."""
    return {"review_vocab": VOCABULARIES}


# --- The tracker list ------------------------------------------------------------------------


@bp.route("/")
@permission_required(Permission.VIEW_REVIEWS)
def tracker():
    """Every serious incident and review of the user's partnerships: filters, sort, pages."""
    form = TrackerFilterForm(formdata=request.args, meta={"csrf": False})
    valid = form.validate()
    filters = _filters(form) if valid else lists.TrackerFilters()
    found = lists.tracker_list(filters, visible_partnership_ids(),
                               requested_page(), london_today(),
                               per_page=current_app.config["PAGE_SIZE"])
    kept = [(key, value) for key, value in request.args.items(multi=True)
            if key in {field.name for field in form} and key != "page"]
    links = SortableList("reviews.tracker", kept, sort=filters.sort, descending=filters.descending,
                         descending_first=("la_aware_on",))
    return render_template(
        "reviews/tracker/index.html", form=form, found=found, filters=filters,
        sort_header=links.sort_header, pagination=links.pagination(found.page, found.pages),
        may_edit=current_user.can(Permission.EDIT_REVIEWS),
    ), (200 if valid else 400)


def _filters(form) -> lists.TrackerFilters:
    """The form's choices as list filters."""
    sort = form.sort.data if form.sort.data in lists.SORTS else "la_aware_on"
    order = form.order.data or ("desc" if sort == "la_aware_on" else "asc")
    return lists.TrackerFilters(
        stage=form.stage.data or None,
        overdue=bool(form.overdue.data),
        due_soon=bool(form.due_soon.data),
        decision=form.decision.data or None,
        reviewer=form.reviewer.data or "",
        converted={"yes": True, "no": False}.get(form.converted.data),
        sort=sort,
        descending=order == "desc",
    )


# --- Recording an incident -------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def new_incident():
    """Record a serious incident; from a child death case (?cdr_case=), its dates carried over."""
    partnerships = sorted(current_user.partnerships, key=lambda p: p.name)
    if not partnerships:
        abort(403)
    today = london_today()
    form = IncidentForm(partnerships=partnerships, show_name=access.may_see_identity(),
                        data=None if request.method == "POST" else _prefill())
    if not form.validate_on_submit():
        return _render_new(form, 400 if form.errors else 200)
    case = None
    if form.cdr_reference.data:
        case = service.child_death_case(reference=form.cdr_reference.data,
                                        partnership_ids=visible_partnership_ids())
        if case is None:
            add_problems(form, {"cdr_reference": "There is no child death case with this "
                                                 "reference in your partnerships"})
            return _render_new(form, 400)
    partnership = db.session.get(Partnership, form.chosen_partnership_id())
    data = {**form.values(), "cdr_case": case}
    # The form's key, then the incident's lock, before the duplicate check: a second send of
    # this form, or another record of this incident, waits for this one and then finds it.
    form.claim_submission()
    service.lock_incident(data, partnership.id)
    duplicate = service.find_duplicate(data, partnership.id, visible_partnership_ids())
    if duplicate is not None:
        submissions.release()
        audit.record(audit.Action.VIEW, duplicate,
                     detail="Viewed as the same incident as a new record")
        db.session.commit()
        add_problems(form, service.duplicate_message(duplicate, data))
        return _render_new(form, 409, duplicate=duplicate)
    try:
        incident = service.record_and_commit(
            data, partnership, current_user, today,
            before_commit=lambda made: submissions.made(
                url_for("reviews.incident", incident_id=made.id)))
    except service.Problems as refused:
        submissions.release()
        add_problems(form, refused.problems)
        return _render_new(form, 400)
    flash(f"Serious incident recorded: the reference is {incident.reference}", "success")
    return redirect(url_for("reviews.incident", incident_id=incident.id))


def _prefill() -> dict | None:
    """Answers carried over from the child death case named by ?cdr_case= (its id, from the
    case page's offer) or ?from_case= (its reference, typed here), only when that case hands
    a serious incident to the user (service.handed_off_case); the view is audited. Any other
    ?cdr_case= is a 404, as for a case that does not exist."""
    reference = request.args.get("from_case", "").strip()[:40]
    if "cdr_case" in request.args:
        case_id = request.args.get("cdr_case", type=int)
        case = service.handed_off_case(case_id=case_id) if case_id is not None else None
        if case is None:
            abort(404)
    elif reference:
        case = service.handed_off_case(reference=reference)
        if case is None:
            flash("There is no child death case with this reference in your partnerships "
                  "waiting for a serious incident", "error")
            return None
    else:
        return None
    audit.record(audit.Action.VIEW, case, detail="Viewed the dates and safeguarding answers "
                 "carried over to a new serious incident")
    db.session.commit()
    return service.answers_from_case(case)


def _render_new(form, status, duplicate=None):
    return render_template("reviews/incidents/new.html", form=form,
                           duplicate=duplicate), status


# --- Notifications ---------------------------------------------------------------------------


@bp.route("/<int:incident_id>/notifications", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def notifications(incident_id):
    """Record when the Panel, the partners (and the Secretary of State and Ofsted) were told."""
    incident = _incident_for(incident_id, "notifications form")

    def make_form(fresh=False):
        posted = request.method == "POST" and not fresh
        return NotificationsForm(**({} if posted else {"formdata": None}),
                                 data=None if posted else NotificationsForm.data_from(incident),
                                 sos_ofsted=notices.sos_ofsted_notice(incident) is not None)

    def render(form, status, stale=False):
        return render_template("reviews/incidents/notifications.html", incident=incident,
                               form=form, due=notices.due_dates(incident),
                               sos_ofsted=notices.sos_ofsted_notice(incident),
                               stale=stale), status

    return save_form(incident, make_form, render,
                     lambda form: notices.record(incident, form.values(), london_today()),
                     "The notifications have been saved", "notifications")


# --- Shared by the forms that change an incident ---------------------------------------------


def _incident_for(incident_id, what):
    """The incident, with a VIEW audit row when its form is shown."""
    if request.method == "POST":
        return access.incident_or_404(incident_id)
    return access.view_incident(incident_id, what)


def save_form(incident, make_form, render, apply, saved_message, anchor):
    """GET shows the form as the incident is; POST validates, checks the version, applies,
    commits and goes back to the review page. A refused save is a 400 with the reasons; a
    stale one (someone else saved first) is a 409 saying who changed what, the typed answers
    kept (tracker.versioning)."""
    form = make_form()
    if request.method == "GET" or not form.validate_on_submit():
        return render(form, 400 if form.errors else 200)
    try:
        versioning.check(form, incident)
        changed = apply(form)
        db.session.commit()
    except service.Problems as refused:
        db.session.rollback()
        add_problems(form, refused.problems)
        return render(form, 400)
    except versioning.STALE:
        # What the user typed stays on the page, with who changed the incident and what.
        return render(form, versioning.refuse(form, incident))
    flash(saved_message if changed else "Nothing was changed", "success")
    return redirect(url_for("reviews.incident", incident_id=incident.id, _anchor=anchor))


# --- The review page -------------------------------------------------------------------------


@bp.route("/<int:incident_id>")
@permission_required(Permission.VIEW_REVIEWS)
def incident(incident_id):
    """One incident and its review: stages, deadlines, timeline and actions."""
    found = access.view_incident(incident_id)
    return render_template("reviews/review.html", page=review_page.load(found, london_today()))


@bp.route("/<int:incident_id>/owner", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def incident_owner(incident_id):
    """Choose the case owner: the account the review's reminders go to."""
    found = _incident_for(incident_id, "case owner form")
    return case_owner.owner_page(found, permission=Permission.EDIT_REVIEWS,
                                 back_url=url_for("reviews.incident", incident_id=found.id),
                                 today=london_today())
