"""The agency side of a personal link: the pages an agency contact reaches from the e-mail,
with no staff account (tracker.agency_access).

`/agency/<token>` answers a wrong, expired, revoked, locked or used-up token with one page
and one status (REFUSED_STATUS), so a token's fate cannot be told from outside. A live one
offers "Send me a code"; the code page takes it; the right code starts an agency session
(its own cookie, never Flask-Login) and the request page, whose URL carries nothing, shows
the child's details the agency needs to find its records. Every page is no-store
(tracker.security) and has its own layout without the staff navigation.
"""

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from forms.agency import (
    ANSWER_FIELDS,
    AttachmentForm,
    CodeForm,
    RemoveAttachmentForm,
    ReportingForm,
    SendCodeForm,
    SignOutForm,
    SubmitAnswersForm,
)
from tracker import agency_access, attachments, audit
from tracker.agency_links import find_valid, words_for
from tracker.domains import agency_request_view
from tracker.extensions import db
from tracker.timeutil import utcnow
from tracker.views import agency_written

bp = Blueprint("agency", __name__, url_prefix="/agency")

REFUSED_STATUS = 404


def _refused():
    """The one answer to every token that does not open a live link."""
    db.session.commit()  # keep what was recorded (a lock) before answering
    return render_template("tracker/agency/refused.html"), REFUSED_STATUS


def _session_ended():
    return render_template("tracker/agency/session_ended.html"), 401


@bp.route("/<token>", methods=["GET", "POST"])
def open_link(token):
    """A live link's first page: "Send me a code" (POST sends it)."""
    link = find_valid(token, utcnow())
    if link is None:
        return _refused()
    form = SendCodeForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _refused()
        agency_access.send_code(link, utcnow())
        db.session.commit()
        return redirect(url_for("agency.enter_code", token=token))
    return render_template("tracker/agency/open.html", form=form, token=token,
                           words=words_for(link.owner_type))


@bp.route("/<token>/code", methods=["GET", "POST"])
def enter_code(token):
    """The one-time code page; the right code starts an agency session."""
    now = utcnow()
    link = find_valid(token, now)
    if link is None:
        return _refused()
    form = CodeForm()
    if form.validate_on_submit():
        if agency_access.check_code(link, form.code.data, now):
            session_token = agency_access.start_session(link, now)
            db.session.commit()
            response = redirect(url_for("agency.request_page"))
            response.set_cookie(
                agency_access.COOKIE, session_token, httponly=True, samesite="Strict",
                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                path="/agency/")
            return response
        db.session.commit()
        if link.locked_at is not None:
            return _refused()
        form.code.errors = [*form.code.errors,
                            "The code is not right, or it has expired or been used: "
                            "check the latest e-mail, or ask for a new code"]
    status = 400 if form.errors else 200
    return render_template("tracker/agency/code.html", form=form, token=token,
                           send_form=SendCodeForm(), minutes=agency_access.CODE_MINUTES), status


def _session_link():
    """The link of the request's agency session, audited under its contact, or None."""
    link = agency_access.session_link(request.cookies.get(agency_access.COOKIE), utcnow())
    if link is not None:
        audit.act_as_agency_contact(link.contact_id)
        g.agency_link = link
    return link


@bp.route("/request")
def request_page():
    """What the agency needs to find its records: the child's identifying details, the
    partnership, the case reference and the due date."""
    link = _session_link()
    if link is None:
        db.session.commit()
        return _session_ended()
    view = agency_request_view(link.owner_type, link.owner_id)
    if view is None:
        db.session.commit()
        return _refused()
    audit.record(audit.Action.VIEW, object_type="AgencyLink", object_id=link.id,
                 object_label=link.owner_type, partnership_id=link.partnership_id,
                 detail="Agency contact viewed the request and the child's details")
    db.session.commit()
    child_rows = [{"key": {"text": label}, "value": {"text": value}}
                  for label, value in view["rows"]]
    answer = agency_access.answer_of(link)
    template = ("tracker/agency/written_request.html" if agency_written.is_written(view)
                else "tracker/agency/request.html")
    return render_template(template, view=view, child_rows=child_rows,
                           sign_out_form=SignOutForm(), answer=answer)


def _live_view():
    """(link, domain view) of the agency session, or None."""
    link = _session_link()
    if link is None:
        return None
    view = agency_request_view(link.owner_type, link.owner_id)
    return None if view is None else (link, view)


@bp.route("/form", methods=["GET", "POST"])
def reporting_form():
    """The online reporting form: save and come back, or continue to check the answers."""
    live = _live_view()
    if live is None:
        db.session.commit()
        return _session_ended()
    link, view = live
    if agency_written.is_written(view):
        return agency_written.form_page(link, view)
    answer = agency_access.answer_of(link)
    form = ReportingForm(data=dict(answer.answers) if answer else None)
    if not view["supplementary"]:
        del form.supplementary
    status = 200
    if form.validate_on_submit():
        answers = {name: form[name].data for name in ANSWER_FIELDS if name in form}
        agency_access.save_draft(link, answers, utcnow())
        if form.save.data:
            db.session.commit()
            return redirect(url_for("agency.request_page"))
        if form.attach.data:
            db.session.commit()
            return redirect(url_for("agency.attachments_page"))
        if form.complete(view["supplementary"]):
            db.session.commit()
            return redirect(url_for("agency.check_answers"))
        db.session.commit()
    if form.errors:
        status = 400
    db.session.commit()
    files = attachments.of_answers([answer.id]).get(answer.id, []) if answer else []
    return render_template("tracker/agency/form.html", form=form, view=view,
                           answer=answer, files=files), status


@bp.route("/check", methods=["GET", "POST"])
def check_answers():
    """Check your answers, and send them."""
    live = _live_view()
    if live is None:
        db.session.commit()
        return _session_ended()
    link, view = live
    if agency_written.is_written(view):
        return agency_written.check_page(link, view)
    answer = agency_access.answer_of(link)
    saved = ReportingForm(data=dict(answer.answers) if answer else {}, meta={"csrf": False})
    if not view["supplementary"]:
        del saved.supplementary
    if answer is None or not saved.complete(view["supplementary"]):
        db.session.commit()
        return redirect(url_for("agency.reporting_form"))
    files = attachments.of_answers([answer.id]).get(answer.id, [])
    form = SubmitAnswersForm()
    if form.validate_on_submit():
        agency_access.submit(link, view["reviewers"], view["review_path"], utcnow())
        db.session.commit()
        return redirect(url_for("agency.sent"))
    db.session.commit()
    rows = [{"key": {"text": saved[name].label.text},
             "value": {"text": {"yes": "Yes", "no": "No"}.get(saved[name].data)
                       if name == "bereavement_offered" else (saved[name].data or "Not given")},
             "actions": {"items": [{"href": url_for("agency.reporting_form") + "#" + name,
                                    "text": "Change",
                                    "visuallyHiddenText": saved[name].label.text}]}}
            for name in ANSWER_FIELDS if name in saved]
    rows.append({"key": {"text": "Attached files"},
                 "value": {"text": ", ".join(row.original_name for row in files) or "None"},
                 "actions": {"items": [{"href": url_for("agency.attachments_page"),
                                        "text": "Change",
                                        "visuallyHiddenText": "attached files"}]}})
    return render_template("tracker/agency/check.html", form=form, rows=rows, view=view)


def _open_answer():
    """(link, view, answer) of the agency session while its reporting form may change, or
    None. A written response (a practice review's request) takes no files: nobody on the
    staff side would see them."""
    live = _live_view()
    if live is None:
        return None
    link, view = live
    if agency_written.is_written(view):
        return None
    answer = agency_access.answer_of(link)
    if answer is not None and answer.status in (agency_access.SUBMITTED,
                                                agency_access.ACCEPTED):
        return None
    return link, view, answer


def _render_attachments(view, answer, form, status=200):
    files = attachments.of_answers([answer.id]).get(answer.id, []) if answer else []
    return render_template(
        "tracker/agency/attachments.html", view=view, form=form, files=files,
        remove_form=RemoveAttachmentForm(), size_text=attachments.size_text,
        max_size=attachments.size_text(attachments.max_bytes()),
        max_count=attachments.max_count(), accept=attachments.ACCEPT), status


@bp.route("/attachments", methods=["GET", "POST"])
def attachments_page():
    """Files attached to the reporting form: the list, and attaching one (the request's
    size limit is the upload's own: tracker.attachments.fit_request_limit)."""
    live = _open_answer()
    if live is None:
        db.session.commit()
        return _session_ended()
    link, view, answer = live
    form = AttachmentForm()
    if form.validate_on_submit():
        uploaded = form.uploaded(attachments.max_bytes())
        try:
            if uploaded is None:
                raise attachments.Refused("Select a file")
            attachments.check(*uploaded)
            answer = answer or agency_access.save_draft(link, {}, utcnow())
            attachments.add(link, answer, *uploaded, now=utcnow())
        except attachments.Refused as refused:
            form.upload.errors = [*form.upload.errors, str(refused)]
        else:
            db.session.commit()
            return redirect(url_for("agency.attachments_page"))
    db.session.commit()
    return _render_attachments(view, answer, form, 400 if form.errors else 200)


@bp.route("/attachments/remove", methods=["POST"])
def remove_attachment():
    """Remove one attached file (done twice is done once)."""
    live = _open_answer()
    if live is None:
        db.session.commit()
        return _session_ended()
    link, _view, answer = live
    form = RemoveAttachmentForm()
    chosen = form.attachment_id.data
    if (form.validate_on_submit() and answer is not None and str(chosen or "").isdigit()
            and int(chosen) < 2**31):
        attachments.remove(link, answer, int(chosen))
    db.session.commit()
    return redirect(url_for("agency.attachments_page"))


@bp.route("/sent")
def sent():
    """The answers are sent (the session ended with the link's return); ?answer=written
    after a written response."""
    if request.args.get("answer") == agency_written.WRITTEN:
        return render_template("tracker/agency/written_sent.html")
    return render_template("tracker/agency/sent.html")


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """End the agency session."""
    form = SignOutForm()
    if form.validate_on_submit():
        agency_access.end_session(request.cookies.get(agency_access.COOKIE), utcnow())
        db.session.commit()
    response = redirect(url_for("agency.signed_out"))
    response.delete_cookie(agency_access.COOKIE, path="/agency/")
    return response


@bp.route("/signed-out")
def signed_out():
    """After signing out."""
    return render_template("tracker/agency/signed_out.html")
