"""The case page and the case list."""


from flask import current_app, redirect, render_template, request, url_for

from cdr import bp
from cdr.services import access, case_page, lists
from forms.cdr.cases import CaseFilterForm
from forms.cdr.requests import InformationCompleteForm
from tracker import case_owner, searches
from tracker.extensions import db
from tracker.pagination import SortableList, requested_page
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_today


@bp.route("/", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CDR_CASES)
def cases():
    """The child death cases of the user's partnerships: filters, search, sort and pages.

    The filter form is posted and answered with a redirect to the list, so a search that may
    name a child reaches the list as a saved search's id, never in the URL (tracker.searches).
    A search writes a VIEW audit row saying who searched and how many cases matched, never
    what was searched for.
    """
    ids = visible_partnership_ids()
    with_identity = access.may_see_identity()
    if request.method == "POST":
        form = _filter_form(request.form, ids, with_identity)
        if form.validate():
            args = searches.url_args(request.form, _names(form), lists.is_reference)
            db.session.commit()
            return redirect(url_for("cdr.cases", **args))
        return _list_page(form, False, lists.CaseFilters(with_identity=with_identity), ids, [])
    args, lost = searches.resolve(request.args)
    form = _filter_form(args, ids, with_identity, csrf=False)
    if searches.must_move(request.args, lists.is_reference):
        # An old link or a typed URL: the text leaves the URL at once.
        args = searches.url_args(request.args, _names(form), lists.is_reference)
        db.session.commit()
        return redirect(url_for("cdr.cases", **args))
    valid = form.validate()
    if lost:
        form.q.errors = [*form.q.errors, searches.LOST]
        valid = False
    filters = _filters(form, with_identity) if valid else lists.CaseFilters(
        with_identity=with_identity)
    kept = [(key, value) for key, value in request.args.items(multi=True)
            if key in _names(form) and key != "page"
            and not (lost and key == searches.SEARCH_ARG)]
    return _list_page(form, valid, filters, ids, kept)


def _filter_form(formdata, ids, with_identity, csrf=True) -> CaseFilterForm:
    return CaseFilterForm(formdata=formdata, meta={"csrf": csrf},
                          doctors=lists.designated_doctors(ids),
                          search_hint=SEARCH_HINTS[with_identity])


def _names(form) -> set[str]:
    """The list's own query arguments: its filter fields (`search` among them)."""
    return {field.name for field in form} - {"csrf_token"}


def _list_page(form, valid, filters, ids, kept):
    """The list as filtered (every filter in `kept`, the links' query arguments)."""
    found = lists.case_list(filters, ids, requested_page(),
                            london_today(), per_page=current_app.config["PAGE_SIZE"])
    if filters.search:
        lists.record_search(found, ids)
        db.session.commit()
    links = SortableList("cdr.cases", kept, sort=filters.sort, descending=filters.descending,
                         descending_first=("date_of_death",))
    return render_template(
        "cdr/cases/index.html", form=form, found=found, filters=filters,
        sort_header=links.sort_header,
        pagination=links.pagination(found.page, found.pages),
    ), (200 if valid else 400)


SEARCH_HINTS = {
    True: "Reference, NHS number or part of the child's name",
    False: "Case reference, such as CDOP-NSP-2026-0042",
}


def _filters(form, with_identity) -> lists.CaseFilters:
    """The form's choices as list filters."""
    sort = form.sort.data if form.sort.data in lists.SORTS else "date_of_death"
    order = form.order.data or ("desc" if sort == "date_of_death" else "asc")
    return lists.CaseFilters(
        search=form.q.data or "",
        stage=form.stage.data or None,
        overdue=bool(form.overdue.data),
        jar={"yes": True, "no": False}.get(form.jar.data),
        doctor=form.doctor.data or None,
        agenda=form.agenda.data or None,
        died_from=form.died_from.data,
        died_to=form.died_to.data,
        sort=sort,
        descending=order == "desc",
        with_identity=with_identity,
    )


@bp.route("/<int:case_id>")
@permission_required(Permission.VIEW_CDR_CASES)
def case(case_id):
    """One case: the child and the death, stages, deadlines, and what happened."""
    found = access.view_case(case_id)
    today = london_today()
    return render_template(
        "cdr/case.html", page=case_page.load(found, today),
        information_form=InformationCompleteForm(
            formdata=None, notified_on=found.notification_received_on, today=today,
            complete_on=found.information_complete_on))


@bp.route("/<int:case_id>/owner", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def case_owner_form(case_id):
    """Choose the case owner: the account the case's reminders go to."""
    found = (access.case_or_404(case_id) if request.method == "POST"
             else access.view_case(case_id, "case owner form"))
    return case_owner.owner_page(found, permission=Permission.EDIT_CDR_CASES,
                                 back_url=url_for("cdr.case", case_id=found.id),
                                 today=london_today())
