"""The local review: reviewers, terms of reference and methodology, written requests to
agencies; publication (local and national) and delays to it."""

from flask import flash, redirect, render_template, request, url_for

from forms.reviews.incident import add_problems
from forms.reviews.local_review import ReviewerForm, ReviewRequestForm, TermsForm
from forms.reviews.publication import DelayForm, PublicationForm
from reviews import bp
from reviews.services import local_review as service
from reviews.services import publication as publishing
from reviews.services.incidents import Problems
from reviews.views.incidents import _incident_for, save_form
from tracker import submissions, versioning
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import london_today


def _review_url(incident, anchor):
    return url_for("reviews.incident", incident_id=incident.id, _anchor=anchor)


def save_record(form, render, apply, saved_message, next_url, creates=False, record=None):
    """GET shows the form; POST validates, applies (refusals are a 400 with the reasons),
    commits and goes on to `next_url`. For records of a review other than the incident.

    A form that `creates` a record saves it once per submission key: sent again, it lands
    on `next_url` (tracker.submissions). `record` is the record an edit form changes: the
    form carries the version it was opened at, and a save made after someone else's is
    refused (409, tracker.versioning)."""
    if record is not None:
        versioning.opened_at(form, record)
    if request.method == "GET" or not form.validate_on_submit():
        return render(form, 400 if form.errors else 200)
    try:
        if creates:
            form.claim_submission()
        if record is not None:
            versioning.check(form, record)
        apply(form)
        submissions.made(next_url)
        db.session.commit()
    except Problems as refused:
        submissions.release()
        add_problems(form, refused.problems)
        return render(form, 400)
    except versioning.STALE:
        return render(form, versioning.refuse(form, record))
    flash(saved_message, "success")
    return redirect(next_url)


def _posted_or(data):
    """Form arguments: the request's on POST, the record's answers on GET."""
    return {} if request.method == "POST" else {"formdata": None, "data": data}


# --- Reviewers -------------------------------------------------------------------------------


@bp.route("/<int:incident_id>/reviewers", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def reviewers(incident_id):
    """The reviewers of a local review, and a form to add one."""
    incident = _incident_for(incident_id, "reviewers form")
    service.local_only(incident)
    form = ReviewerForm(**_posted_or(None))

    def render(form, status):
        return render_template("reviews/local_review/reviewers.html", incident=incident,
                               form=form, rows=service.reviewer_rows(incident)), status

    return save_record(form, render,
                       lambda form: service.save_reviewer(incident, None, form.values(),
                                                          london_today()),
                       "Reviewer added", _review_url(incident, "local-review"), creates=True)


@bp.route("/<int:incident_id>/reviewers/<int:reviewer_id>", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def edit_reviewer(incident_id, reviewer_id):
    """Change a reviewer's details or record the conflict-of-interest check."""
    incident = _incident_for(incident_id, "reviewer form")
    service.local_only(incident)
    reviewer = service.reviewer_or_404(incident, reviewer_id)
    form = ReviewerForm(**_posted_or(ReviewerForm.data_from(reviewer)))

    def render(form, status):
        return render_template("reviews/local_review/reviewer.html", incident=incident,
                               reviewer=reviewer, form=form), status

    return save_record(form, render,
                       lambda form: service.save_reviewer(incident, reviewer, form.values(),
                                                          london_today()),
                       "Reviewer saved", _review_url(incident, "local-review"),
                       record=reviewer)


# --- Terms of reference ----------------------------------------------------------------------


@bp.route("/<int:incident_id>/terms-of-reference", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def terms_of_reference(incident_id):
    """The local review's terms of reference and methodology."""
    incident = _incident_for(incident_id, "terms of reference form")
    service.local_only(incident)

    def make_form(fresh=False):
        posted = request.method == "POST" and not fresh
        return TermsForm(**({} if posted else {"formdata": None}),
                         data=None if posted else TermsForm.data_from(incident))

    def render(form, status, stale=False):
        return render_template("reviews/local_review/terms.html", incident=incident,
                               form=form, stale=stale), status

    return save_form(incident, make_form, render,
                     lambda form: service.save_terms(incident, form.values(), london_today()),
                     "The terms of reference have been saved", "local-review")


# --- Written requests ------------------------------------------------------------------------


@bp.route("/<int:incident_id>/requests", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def review_requests(incident_id):
    """Record a written request for information sent to an agency during the review by
    e-mail or post, outside the tracker (listed with the personal links under "Requests for
    information" on the review page)."""
    incident = _incident_for(incident_id, "written request form")
    service.local_only(incident)
    form = ReviewRequestForm(**_posted_or(None))

    def render(form, status):
        return render_template("reviews/local_review/request.html", incident=incident,
                               review_request=None, form=form), status

    return save_record(form, render,
                       lambda form: service.save_request(incident, None, form.values(),
                                                         london_today()),
                       "Request recorded", _review_url(incident, "information-from-agencies"),
                       creates=True)


@bp.route("/<int:incident_id>/requests/<int:review_request_id>", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def review_request(incident_id, review_request_id):
    """Change a written request or record the agency's answer."""
    incident = _incident_for(incident_id, "written request form")
    service.local_only(incident)
    found = service.request_or_404(incident, review_request_id)
    form = ReviewRequestForm(**_posted_or(ReviewRequestForm.data_from(found)))

    def render(form, status):
        return render_template("reviews/local_review/request.html", incident=incident,
                               review_request=found, form=form), status

    return save_record(form, render,
                       lambda form: service.save_request(incident, found, form.values(),
                                                         london_today()),
                       "Request saved", _review_url(incident, "information-from-agencies"),
                       record=found)


# --- Publication and delays ------------------------------------------------------------------


@bp.route("/<int:incident_id>/publication", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def publication(incident_id):
    """The planned date, copies before publication, what is published, and publication itself."""
    incident = _incident_for(incident_id, "publication form")
    publishing.reviewed(incident)
    national = incident.decision == "national"

    def make_form(fresh=False):
        posted = request.method == "POST" and not fresh
        return PublicationForm(**({} if posted else {"formdata": None}),
                               data=None if posted else PublicationForm.data_from(incident),
                               national=national)

    def render(form, status, stale=False):
        return render_template("reviews/publication/edit.html", incident=incident, form=form,
                               due=publishing.publication_due(incident),
                               delays=publishing.delays_of(incident),
                               told=publishing.TOLD[incident.decision],
                               stale=stale), status

    return save_form(incident, make_form, render,
                     lambda form: publishing.save(incident, form.values(), london_today()),
                     "Publication details saved", "publication")


@bp.route("/<int:incident_id>/delays/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def new_delay(incident_id):
    """Record a delay to publication, its reason and the revised date."""
    incident = _incident_for(incident_id, "publication delay form")
    publishing.reviewed(incident)
    form = DelayForm(**_posted_or(None), national=incident.decision == "national")

    def render(form, status):
        return render_template("reviews/publication/delay.html", incident=incident, form=form,
                               due=publishing.publication_due(incident),
                               told=publishing.TOLD[incident.decision]), status

    return save_record(form, render,
                       lambda form: publishing.record_delay(incident, form.values(),
                                                             london_today()),
                       "Delay recorded: the revised date is now the planned publication date",
                       _review_url(incident, "publication"), creates=True)
