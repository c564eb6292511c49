"""The agency side's pages for a request answered by a written response (a practice review's
request for information), where the registered view's `form_kind` is "written": the response
page (save and come back, or continue) and check-your-answers with sending. Called by
tracker/views/agency.py's form and check pages, which pick the reporting form otherwise; the
session, refusals and audit are theirs."""

from flask import redirect, render_template, request, url_for

from forms.agency import WRITTEN_FIELDS, SubmitAnswersForm, WrittenResponseForm
from tracker import agency_access, audit
from tracker.extensions import db
from tracker.timeutil import utcnow

WRITTEN = "written"


def is_written(view) -> bool:
    """Whether the request is answered by a written response."""
    return view.get("form_kind") == WRITTEN


def form_page(link, view):
    """The written response: save and come back later, or continue to check it."""
    answer = agency_access.answer_of(link)
    form = WrittenResponseForm(data=dict(answer.answers) if answer else None)
    if request.method == "GET":
        audit.record(audit.Action.VIEW, object_type="AgencyLink", object_id=link.id,
                     object_label=link.owner_type, partnership_id=link.partnership_id,
                     detail="Agency contact viewed the request and the written response")
    if form.validate_on_submit():
        agency_access.save_draft(link, {name: form[name].data for name in WRITTEN_FIELDS},
                                 utcnow())
        db.session.commit()
        if form.save.data:
            return redirect(url_for("agency.request_page"))
        if form.complete():
            return redirect(url_for("agency.check_answers"))
    db.session.commit()
    return render_template("tracker/agency/written_form.html", form=form, view=view,
                           answer=answer), (400 if form.errors else 200)


def check_page(link, view):
    """Check the response, and send it: the domain is told it came back (view["returned"])."""
    answer = agency_access.answer_of(link)
    saved = WrittenResponseForm(data=dict(answer.answers) if answer else {},
                                meta={"csrf": False})
    if answer is None or not saved.complete():
        db.session.commit()
        return redirect(url_for("agency.reporting_form"))
    form = SubmitAnswersForm()
    if form.validate_on_submit():
        now = utcnow()
        if agency_access.submit(link, view["reviewers"], view["review_path"], now):
            view["returned"](now)
        db.session.commit()
        return redirect(url_for("agency.sent", answer=WRITTEN))
    audit.record(audit.Action.VIEW, object_type="AgencyLink", object_id=link.id,
                 object_label=link.owner_type, partnership_id=link.partnership_id,
                 detail="Agency contact checked the written response")
    db.session.commit()
    rows = [{"key": {"text": saved[name].label.text},
             "value": {"text": saved[name].data},
             "actions": {"items": [{"href": url_for("agency.reporting_form") + "#" + name,
                                    "text": "Change",
                                    "visuallyHiddenText": saved[name].label.text}]}}
            for name in WRITTEN_FIELDS]
    return render_template("tracker/agency/written_check.html", form=form, rows=rows,
                           view=view)
