"""The public notification form (`/notify/<code>`): the staff notify form's own fields and
checks (forms.cdr.notification.NotificationForm), asked over several question pages, with
the notifier's work e-mail address instead of the staff-only questions.

A page is checked by validating the whole form on the answers so far plus that page's, and
showing only that page's errors; check-your-answers validates the whole form again.
"""

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from werkzeug.datastructures import MultiDict
from wtforms.validators import DataRequired, Length, Regexp

from forms.cdr.notification import AGENCY_ROWS, NotificationForm
from forms.cdr.notification_questions import _text
from forms.fields import SingleLineField

# The pages, in order: (slug, title, field names).
PAGES = (
    ("child", "The child", (
        "given_names", "family_name", "date_of_birth", "age_uncertain", "sex", "ethnicity",
        "nhs_number", "nhs_number_absent", "address", "postcode", "carers",
        "la_of_residence")),
    ("death", "The death", (
        "date_of_death", "time_of_death", "birth_outcome", "place_of_death",
        "place_of_death_other", "la_of_death", "fatal_event_on", "fatal_event_time",
        "fatal_event_place", "senior_practitioner", "post_mortem_required", "cause_1a",
        "cause_1b", "cause_1c", "cause_2", "circumstances")),
    ("response", "Whether the death was unexpected", (
        "death_expected", "jar_criteria", "ncmd_alert", "ncmd_alert_details")),
    ("agencies", "Professionals and agencies involved with the child", tuple(
        f"agency_{number}_{part}" for number in range(1, AGENCY_ROWS + 1)
        for part in ("name", "kind", "professional"))),
    ("notifier", "About you", (
        "notifier_name", "notifier_role", "notifier_agency", "notifier_email")),
)
PAGE_FIELDS = {slug: fields for slug, _title, fields in PAGES}
PAGE_TITLES = {slug: title for slug, title, _fields in PAGES}
ASKED = frozenset(name for _slug, _title, fields in PAGES for name in fields)
# The staff form's own questions the public form does not ask.
STAFF_ONLY = ("partnership", "received_on", "source", "further_of", "flags",
              "notifier_contact", "submission_key")
# The honeypot: a field people never see or fill (hidden by CSS and from assistive
# technology), named so no browser's autofill targets it; a filled one suggests a robot,
# but the submission is still kept and sent (marked for triage): it may be a person.
HONEYPOT = "leave_this_empty_3"
# The most a whole posted page may hold, in bytes (the longest answer is 10,000 characters).
MAX_REQUEST_BYTES = 64 * 1024


class PublicNotificationForm(NotificationForm):
    """The notify form as the public pages ask it (the staff-only questions removed)."""

    notifier_name = _text("Your full name", required="Enter your full name")
    notifier_role = _text("Your role", required="Enter your role",
                          description="For example, GP or paediatric nurse")
    notifier_agency = _text("Your organisation", required="Enter your organisation",
                            description="For example, Northshire Hospitals NHS Trust")
    notifier_email = SingleLineField(
        "Your work email address", widget=GovTextInput(),
        description="We send the submission number here. Use your work address, not a "
        "personal one.",
        validators=[DataRequired(message="Enter your work email address"),
                    Length(max=254, message="Email address must be 254 characters or fewer"),
                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                           message="Enter an email address in the correct format, like "
                                   "name@example.nhs.uk")])

    def __init__(self, formdata, *, partnership, today, **kwargs):
        # The staff form's notification date and source, fixed: the day it is sent, by a
        # practitioner (the administrator can change both when opening the case).
        fixed = MultiDict(formdata or {})
        fixed.setlist("received_on", [str(today.day), str(today.month), str(today.year)])
        fixed.setlist("source", ["practitioner"])
        super().__init__(fixed, partnerships=[partnership], today=today, meta={"csrf": False},
                         **kwargs)
        for name in STAFF_ONLY:
            if name in self._fields and name not in ("received_on", "source"):
                del self[name]

    def page_errors(self, slug) -> dict:
        """{field name: [messages]} of one page's fields."""
        return {name: self[name].errors for name in PAGE_FIELDS[slug] if self[name].errors}

    def first_page_with_errors(self) -> str | None:
        for slug, _title, fields in PAGES:
            if any(self[name].errors for name in fields):
                return slug
        return None


def answers_from(posted: MultiDict, slug: str) -> dict:
    """The answers one page posted, {name: [strings]}, only its own fields."""
    return {name: posted.getlist(name) for name in PAGE_FIELDS[slug] if name in posted}


def merged(answers: dict, page: dict | None = None, slug: str | None = None) -> MultiDict:
    """The stored answers, with one page's replacing its own fields (a checkbox left
    unticked posts nothing, so the page's fields are cleared first)."""
    values = {name: list(value) for name, value in (answers or {}).items()
              if name in ASKED}
    if slug is not None:
        for name in PAGE_FIELDS[slug]:
            values.pop(name, None)
        values.update(page or {})
    data = MultiDict()
    for name, value in values.items():
        data.setlist(name, [str(item) for item in value])
    return data
