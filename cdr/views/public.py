"""The public notification form: `/notify` and `/notify/<code>`, for people without an
account (no sign-in, no staff navigation, never current_user).

Every POST carries the CSRF token (CSRFProtect). The answers live in a draft row found by
a token in the signed session (cdr.services.public_notifications); a filled honeypot marks
the draft "suspected automated" (kept and sent like any other, no e-mail to the notifier); a
request over MAX_REQUEST_BYTES is refused before it is read; beginning a draft is rate
limited per address and per partnership (sending a finished one never is).
Nothing typed here is logged.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from cdr.models.public import PublicNotification
from cdr.services import public_notifications as service
from forms.cdr.public_notification import (
    HONEYPOT,
    MAX_REQUEST_BYTES,
    PAGE_TITLES,
    PAGES,
    PublicNotificationForm,
    answers_from,
    merged,
)
from tracker.extensions import db
from tracker.models import Partnership
from tracker.security import public_page
from tracker.timeutil import london_today

public_bp = Blueprint("public_notify", __name__, url_prefix="/notify")
TOKENS = "public_notify_drafts"
SENT = "public_notify_sent"
SLUGS = [slug for slug, _title, _fields in PAGES]


@public_bp.before_request
def _refuse_oversized():
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        abort(413)
    return None


@public_bp.after_request
def _not_cached(response):
    """The pages show a draft's answers about a child: never kept in a shared cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _partnership_or_404(code) -> Partnership:
    partnership = db.session.scalar(sa.select(Partnership).where(
        Partnership.code == code, Partnership.takes_public_notifications.is_(True)))
    if partnership is None:
        abort(404)
    return partnership


def _token(partnership):
    return (session.get(TOKENS) or {}).get(partnership.code)


def _draft_or_start(partnership):
    draft = service.find_draft(partnership, _token(partnership))
    return draft


def _rate_limited(partnership):
    db.session.rollback()
    return render_template("cdr/public/rate_limited.html", partnership=partnership), 429


def _note_honeypot(draft) -> None:
    """A filled hidden field: the draft is marked (never discarded; no commit)."""
    if request.form.get(HONEYPOT, "").strip() and not service.is_suspected(draft):
        service.mark_suspected(draft)


def _show_sent(partnership, reference):
    """Forget the draft's token and show its number (kept per partnership)."""
    tokens = dict(session.get(TOKENS) or {})
    tokens.pop(partnership.code, None)
    session[TOKENS] = tokens
    session[SENT] = {**(session.get(SENT) or {}), partnership.code: reference}
    return redirect(url_for("public_notify.sent", code=partnership.code))


@public_bp.route("/")
@public_page
def index():
    """The partnerships that take notifications through this form."""
    partnerships = db.session.scalars(sa.select(Partnership).where(
        Partnership.takes_public_notifications.is_(True)).order_by(Partnership.name)).all()
    return render_template("cdr/public/index.html", partnerships=partnerships)


@public_bp.route("/<code>")
@public_page
def start(code):
    """The start page: who the form is for and what it asks."""
    partnership = _partnership_or_404(code)
    return render_template("cdr/public/start.html", partnership=partnership, pages=PAGES)


@public_bp.route("/<code>/begin", methods=["POST"])
@public_page
def begin(code):
    """Begin a draft (a use of the form, rate limited) and go to its first page."""
    partnership = _partnership_or_404(code)
    if _draft_or_start(partnership) is not None:
        return redirect(url_for("public_notify.page", code=code, slug=SLUGS[0]))
    try:
        service.count_use(partnership, request.remote_addr)
    except service.RateLimited:
        return _rate_limited(partnership)
    service.purge_expired()
    _draft, token = service.new_draft(partnership)
    db.session.commit()
    session[TOKENS] = {**(session.get(TOKENS) or {}), partnership.code: token}
    return redirect(url_for("public_notify.page", code=code, slug=SLUGS[0]))


def _form(partnership, data):
    return PublicNotificationForm(data, partnership=partnership, today=london_today())


@public_bp.route("/<code>/<slug>", methods=["GET", "POST"])
@public_page
def page(code, slug):
    """One question page; saved to the draft when its own answers pass."""
    partnership = _partnership_or_404(code)
    if slug not in PAGE_TITLES:
        abort(404)
    draft = _draft_or_start(partnership)
    if draft is None:
        return redirect(url_for("public_notify.start", code=code))
    if request.method == "POST":
        _note_honeypot(draft)
        page_answers = answers_from(request.form, slug)
        form = _form(partnership, merged(draft.answers, page_answers, slug))
        form.validate()
        errors = form.page_errors(slug)
        if not errors:
            suspected = service.is_suspected(draft)
            draft.answers = {**{name: value for name, value in
                                merged(draft.answers, page_answers, slug).lists()}}
            if suspected:
                service.mark_suspected(draft)
            db.session.commit()
            if request.args.get("back") == "check" or slug == SLUGS[-1]:
                return redirect(url_for("public_notify.check", code=code))
            return redirect(url_for("public_notify.page", code=code,
                                    slug=SLUGS[SLUGS.index(slug) + 1]))
        db.session.commit()  # the honeypot's mark, if any
        return _render_page(partnership, slug, form, errors), 400
    form = _form(partnership, merged(draft.answers))
    return _render_page(partnership, slug, form, {})


def _render_page(partnership, slug, form, errors):
    index = SLUGS.index(slug)
    back = (url_for("public_notify.page", code=partnership.code, slug=SLUGS[index - 1])
            if index else url_for("public_notify.start", code=partnership.code))
    return render_template(f"cdr/public/page_{slug}.html", partnership=partnership,
                           form=form, slug=slug, title=PAGE_TITLES[slug],
                           page_errors=_summary(form, errors), back=back,
                           honeypot=HONEYPOT, back_to_check=request.args.get("back"))


def _summary(form, errors):
    """The GOV.UK error summary's list for one page's errors."""
    return [{"text": messages[0], "href": f"#{form[name].id}"}
            for name, messages in errors.items()]


@public_bp.route("/<code>/check", methods=["GET", "POST"])
@public_page
def check(code):
    """Check your answers, then send (never rate limited: the draft's beginning was)."""
    partnership = _partnership_or_404(code)
    draft = _draft_or_start(partnership)
    if draft is None:
        already = service.find_sent(partnership, _token(partnership)) \
            if request.method == "POST" else None
        if already is not None:  # a replayed Send: the number already issued
            return _show_sent(partnership, already.reference)
        return redirect(url_for("public_notify.start", code=code))
    form = _form(partnership, merged(draft.answers))
    valid = form.validate()
    if request.method == "POST":
        _note_honeypot(draft)
        if not valid:
            db.session.commit()  # the honeypot's mark, if any
            return redirect(url_for("public_notify.page", code=code,
                                    slug=form.first_page_with_errors()))
        if service.submit(draft, form, partnership) is None:
            # Another Send of this draft went first: show the number it was given.
            db.session.rollback()
            return _show_sent(partnership, db.session.scalar(
                sa.select(PublicNotification.reference).where(
                    PublicNotification.id == draft.id)))
        db.session.commit()
        return _show_sent(partnership, draft.reference)
    return render_template("cdr/public/check.html", partnership=partnership, form=form,
                           pages=PAGES, valid=valid, first_error=form.first_page_with_errors(),
                           honeypot=HONEYPOT)


@public_bp.route("/<code>/sent")
@public_page
def sent(code):
    """The confirmation page, with the submission number."""
    partnership = _partnership_or_404(code)
    numbers = session.get(SENT)  # {partnership code: number}: never another's
    reference = numbers.get(partnership.code) if isinstance(numbers, dict) else None
    if not reference:
        return redirect(url_for("public_notify.start", code=code))
    return render_template("cdr/public/sent.html", partnership=partnership,
                           reference=reference)


@public_bp.app_template_filter("public_answer")
def public_answer(field) -> str:
    """An answer as check-your-answers shows it (plain text: the page escapes it)."""
    from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField

    from forms.fields import GovDateField

    if isinstance(field, GovDateField):
        return " ".join(part for part in (field.raw_data or []) if part)
    if isinstance(field, BooleanField):
        return "Yes" if field.data else ""
    if isinstance(field, SelectMultipleField):
        labels = dict((str(value), label) for value, label, *_ in field.iter_choices())
        return ", ".join(labels.get(str(value), "") for value in field.data or [])
    if isinstance(field, RadioField | SelectField):
        for value, label, selected, *_ in field.iter_choices():
            if selected and value not in ("", None):
                return str(label)
        return ""
    return str(field.data or "")
