"""Forms for gathering information: agency requests (one, or several at once), information
complete, the review meeting."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextArea, GovTextInput
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cdr.models import CORE_REPORTING_FORM, DRAFT_ANALYSIS, REPORTING_FORMS
from forms.base import StripWhitespaceForm, VersionedForm
from forms.cdr.analysis import analysis_questions
from forms.fields import GovDateField, SingleLineField
from forms.submission import SubmissionKeyForm
from tracker.timeutil import format_date

MAX_TEXT = 5000
_ANONYMISED_HINT = (
    "The CDOP panel reads this. Do not include names, dates of birth, addresses, postcodes, "
    "NHS numbers or anything else that identifies the child or family: write “the child”, "
    "“the mother”, “the GP”."
)


def _text(label, message_name, *, required=None, max_length=MAX_TEXT, hint=None):
    """An optional (or, with `required`, required) text area with a length limit."""
    checks = [DataRequired(message=required)] if required else [Optional()]
    checks.append(Length(max=max_length, message=(
        f"{message_name} must be {max_length:,} characters or fewer")))
    return TextAreaField(label, widget=GovTextArea(), description=hint, validators=checks)


class _CaseDatesForm(StripWhitespaceForm):
    """A form whose dates belong to one death: today or before, and not before the death."""

    def __init__(self, *args, date_of_death, today, **kwargs):
        super().__init__(*args, **kwargs)
        self._date_of_death = date_of_death
        self._today = today

    def check_date(self, field):
        """Refuse a date in the future or before the death (no date: nothing to check)."""
        if field.data is None:
            return
        name = field.label.text
        if field.data > self._today:
            raise ValidationError(f"{name} must be today or in the past")
        if field.data < self._date_of_death:
            raise ValidationError(f"{name} must be on or after the date of death, "
                                  f"{format_date(self._date_of_death)}")


def reporting_form_field(label="Reporting form"):
    """Which national form the agency is asked for: the core reporting form (the default) or
    a supplementary reporting form."""
    return SelectField(
        label, widget=GovSelect(), default=CORE_REPORTING_FORM,
        choices=[SelectChoice(key, name) for key, name in REPORTING_FORMS.items()],
        invalid_choice_message="Select a reporting form from the list",
        description="The core reporting form, or a supplementary reporting form for the "
        "cause of death",
    )


_AGENCY_HINT = ("For example, GP practice, health visiting, children's social care, police "
                "or school")
_AGENCY_LENGTH = Length(max=200, message="Agency must be 200 characters or fewer")


def _sent_on():
    return GovDateField("Date sent", description="For example, 27 3 2025",
                        required_message="Enter the date the request was sent")


class NewRequestForm(SubmissionKeyForm, _CaseDatesForm):
    """Ask an agency for what it knows of the child and family (a reporting form)."""

    agency = SingleLineField(
        "Agency",
        widget=GovTextInput(),
        description=_AGENCY_HINT,
        validators=[DataRequired(message="Enter the name of the agency"), _AGENCY_LENGTH],
    )
    reporting_form = reporting_form_field()
    sent_on = _sent_on()

    def validate_sent_on(self, field):
        """Sent today or before, and not before the death."""
        self.check_date(field)


class EditRequestForm(NewRequestForm, VersionedForm):
    """Record that a request was chased or returned, and what came back."""

    chased_on = GovDateField("Date chased", description="Leave blank if it has not been chased")
    returned_on = GovDateField(
        "Date returned", description="Leave blank if the agency has not returned it yet"
    )
    summary = _text("Summary of what was returned (optional)", "Summary", max_length=2000,
                    hint="A few lines. Do not include the child's or family's names.")

    def validate_chased_on(self, field):
        """Chased today or before, not before the death, and not before it was sent."""
        self._not_before_sent(field, "Date chased must be on or after the date sent")

    def validate_returned_on(self, field):
        """Returned today or before, not before the death, and not before it was sent."""
        self._not_before_sent(field, "Date returned must be on or after the date sent")

    def _not_before_sent(self, field, message):
        self.check_date(field)
        sent = self.sent_on.data
        if field.data is not None and sent is not None and field.data < sent:
            raise ValidationError(message)


class InformationCompleteForm(StripWhitespaceForm):
    """The button that says all the information is in, and since when (or, again, that it is
    not)."""

    complete = HiddenField()
    version = HiddenField()
    information_complete_on = GovDateField(
        "Date the information was complete", description="For example, 27 3 2025")

    def __init__(self, *args, notified_on, today, complete_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._notified_on = notified_on
        self._today = today
        if not self.is_submitted():
            # A case already complete opens on its date, to change; otherwise today.
            self.information_complete_on.data = complete_on or today

    def validate_complete(self, field):
        """Only "yes" or "no" (a hand-made post gets a form error, not a 500)."""
        if field.data not in ("yes", "no"):
            raise ValidationError("Select whether the information is complete")

    def validate_information_complete_on(self, field):
        """To mark it complete: a date, today or before, not before the notification."""
        if self.complete.data != "yes" or field.errors:
            return
        if field.data is None:
            raise ValidationError("Enter the date the information was complete")
        if field.data > self._today:
            raise ValidationError("Date the information was complete must be today or in "
                                  "the past")
        if field.data < self._notified_on:
            raise ValidationError("Date the information was complete must be on or after "
                                  "the date the death was notified, "
                                  f"{format_date(self._notified_on)}")


class _RowForm(StripWhitespaceForm):
    """A row of a larger form: no CSRF token of its own (the form holding it has one)."""

    class Meta:
        csrf = False


NO_LINK = 0


def _link_contact_field():
    """A directory contact to send the new request to as a personal link, or none."""
    return SelectField("Send a personal link to", widget=GovSelect(), coerce=int,
                       default=NO_LINK,
                       description="A contact from the agency directory gets the request as "
                                   "a link of their own by e-mail",
                       invalid_choice_message="Select a contact from the agency directory")


class _SuggestedAgency(_RowForm):
    """An agency the form suggests: ticked to ask it, with the form to ask for."""

    asked = BooleanField()
    agency = HiddenField()
    reporting_form = reporting_form_field()
    contact = _link_contact_field()


class _TypedAgency(_RowForm):
    """An agency typed in (a blank row asks no one), with the form to ask for."""

    agency = SingleLineField("Agency", widget=GovTextInput(), called="Agency",
                             validators=[Optional(), _AGENCY_LENGTH])
    reporting_form = reporting_form_field()
    contact = _link_contact_field()


TYPED_ROWS = 5


class SeveralRequestsForm(SubmissionKeyForm, _CaseDatesForm):
    """Reporting forms asked of several agencies at once, sent the same day: each a request
    with its own deadline."""

    suggested = FieldList(FormField(_SuggestedAgency), max_entries=200)
    typed = FieldList(FormField(_TypedAgency), min_entries=TYPED_ROWS, max_entries=TYPED_ROWS)
    sent_on = _sent_on()

    def __init__(self, *args, suggestions, contacts=(), suggested_contacts=None, **kwargs):
        """`suggestions`: the agency names to offer (cdr.services.requests.suggested_agencies);
        `contacts`: the directory's (contact, agency) pairs a new request's personal link may
        go to; `suggested_contacts`: agency name -> the contact id to offer for it."""
        super().__init__(*args, **kwargs)
        self._suggestions = list(suggestions)
        if not self.is_submitted():
            self.sent_on.data = self._today
            for name in self._suggestions:
                self.suggested.append_entry({
                    "agency": name,
                    "contact": (suggested_contacts or {}).get(name, NO_LINK)})
        choices = [SelectChoice(NO_LINK, "Do not send a link")] + [
            SelectChoice(contact.id, f"{agency.name}: {contact.name} ({contact.email})")
            for contact, agency in contacts]
        for row in [*self.suggested, *self.typed]:
            row.form.contact.choices = choices

    def validate_sent_on(self, field):
        """Sent today or before, and not before the death."""
        self.check_date(field)

    def wanted(self) -> list[tuple[str, str]]:
        """(agency, reporting form) of each agency ticked or typed, in the form's order."""
        ticked = [(row.form.agency.data, row.form.reporting_form.data)
                  for row in self.suggested if row.form.asked.data]
        typed = [(row.form.agency.data, row.form.reporting_form.data)
                 for row in self.typed if row.form.agency.data]
        return ticked + typed

    def links(self) -> list[int | None]:
        """The contact to send each wanted request to as a personal link (None: no link), in
        the order of `wanted`."""
        rows = [row for row in self.suggested if row.form.asked.data] + \
            [row for row in self.typed if row.form.agency.data]
        return [row.form.contact.data or None for row in rows]

    def validate(self, extra_validators=None):
        """Each row as its fields say, then across rows: only agencies the form offered (a
        hand-made post gets a form error), at least one agency, none asked twice for the
        same form."""
        valid = super().validate(extra_validators)
        for row in self.suggested:
            if row.form.agency.data not in self._suggestions:
                return self._refuse(self.suggested, row.form.asked,
                                    "Select agencies from the list")
        if not valid:
            return False
        seen = set()
        for agency, form in self.wanted():
            if (agency.casefold(), form) in seen:
                words = REPORTING_FORMS[form]
                return self._refuse(self.typed, self.typed[0].form.agency,
                                    f"{agency} is asked for the {words[0].lower()}{words[1:]} "
                                    "twice: ask for each form once")
            seen.add((agency.casefold(), form))
        if not seen:
            return self._refuse(self.typed, self.typed[0].form.agency,
                                "Select or enter at least one agency")
        return True

    @staticmethod
    def _refuse(rows, field, message) -> bool:
        """Put a message on a field of a row (and on the list's errors, which the error
        summary reads, held since the list was validated); False."""
        field.errors = [*field.errors, message]
        rows.errors = [row.errors for row in rows]
        return False


class ReviewMeetingForm(analysis_questions(
        DRAFT_ANALYSIS, confirmed=False, limit=f"{MAX_TEXT:,}",
        labels={"category": "Proposed category of death (optional)",
                "modifiable": "Were modifiable factors identified? (optional)"}),
        _CaseDatesForm):
    """The child death review meeting and its draft analysis form (the category, factors and
    answers it proposes to the CDOP meeting), written anonymised."""

    review_meeting_on = GovDateField(
        "Date of the meeting",
        description="For example, 27 3 2025",
        required_message="Enter the date of the child death review meeting",
    )
    review_meeting_attendees = _text(
        "Attendees", "Attendees", required="Enter who attended the meeting",
        hint="Roles and agencies of the professionals who attended, one a line",
    )
    analysis_summary = _text("Summary", "Summary", hint=_ANONYMISED_HINT)
    # Written before the draft asked for the factors in each domain: shown while it holds
    # text, to move into the domains.
    analysis_factors = _text("Factors identified", "Factors identified", hint=(
        "Written before the factors were asked for in each domain: move them into the "
        "domains above, then clear this box"))
    version = HiddenField()

    def __init__(self, *args, identifies=None, **kwargs):
        """`identifies(text)` says whether a text names the child (cdr.services.requests)."""
        super().__init__(*args, **kwargs)
        self._identifies = identifies or (lambda text: False)

    def validate_review_meeting_on(self, field):
        """Held today or before, and not before the death."""
        self.check_date(field)

    def validate_analysis_summary(self, field):
        """No name, NHS number or postcode of the child: the panel reads it."""
        self._anonymised(field, "Summary")

    def validate_analysis_factors(self, field):
        """No name, NHS number or postcode of the child: the panel reads it."""
        self._anonymised(field, "Factors identified")

    def _anonymised(self, field, name):
        if self._identifies(field.data):
            raise ValidationError(
                f"{name} must not include the child's name, NHS number or postcode"
            )
