"""Notifying a death: the national child death notification form (its shared questions are
in forms.cdr.notification_questions)."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import InputRequired, Optional

from cdr.models import AGENCY_KINDS, NOTIFIER_SOURCES
from cdr.services import notified_jar
from cdr.services.notifications import BIRTH_OUTCOMES, NOTIFIER_FIELDS
from forms.base import StripWhitespaceForm
from forms.cdr.notification_questions import (
    _add_national_fields,
    _address,
    _age_uncertain,
    _carers,
    _ChildAndDeath,
    _choices,
    _date_of_birth,
    _date_of_death,
    _family_name,
    _flags,
    _given_names,
    _la_of_death,
    _la_of_residence,
    _NationalForm,
    _nhs_number,
    _place_of_death,
    _place_of_death_other,
    _postcode,
    _radios,
    _received_on,
    _sex,
    _text,
    _time_of_death,
)
from forms.fields import GovDateField
from forms.submission import SubmissionKeyForm

# The question "Was the death unexpected?": answers stored as death_expected (EXPECTED).
UNEXPECTED_ANSWERS = {notified_jar.UNEXPECTED: "Yes, the death was unexpected",
                      "yes": "No, the death was expected", "not_known": "Not known"}
# How many agencies the notification form takes (more are added on the case afterwards).
AGENCY_ROWS = 6


class NotificationForm(_NationalForm, _ChildAndDeath, SubmissionKeyForm, StripWhitespaceForm):
    """The national child death notification form: the child, the death, the notifier."""

    partnership = SelectField("Which partnership is this notification for?", coerce=int,
                              widget=GovSelect(),
                              invalid_choice_message="Select a partnership from the list")
    given_names = _given_names()
    family_name = _family_name()
    date_of_birth = _date_of_birth()
    age_uncertain = _age_uncertain()
    sex = _sex()
    nhs_number = _nhs_number()
    address = _address()
    postcode = _postcode()
    la_of_residence = _la_of_residence()
    date_of_death = _date_of_death()
    time_of_death = _time_of_death()
    birth_outcome = RadioField(
        "Was this a stillbirth or a termination of pregnancy?",
        choices=_choices(BIRTH_OUTCOMES), widget=GovRadioInput(),
        description="Child death reviews cover a baby of any gestation who showed signs of "
        "life after birth, and a stillbirth where no healthcare professional was present. "
        "They do not cover a stillbirth with a healthcare professional present, or a "
        "termination of pregnancy carried out within the law.",
        validators=[InputRequired(
            message="Select whether this was a stillbirth or a termination of pregnancy")],
        invalid_choice_message="Select whether this was a stillbirth or a termination of "
        "pregnancy",
    )
    place_of_death = _place_of_death()
    place_of_death_other = _place_of_death_other()
    la_of_death = _la_of_death()
    death_expected = RadioField(
        "Was the death unexpected?", choices=_choices(UNEXPECTED_ANSWERS),
        widget=GovRadioInput(), description=notified_jar.UNEXPECTED_DEFINITION,
        validators=[InputRequired(message="Select whether the death was unexpected, or not "
                                          "known")],
        invalid_choice_message="Select whether the death was unexpected, or not known")
    jar_criteria = SelectMultipleField(
        "Which of these apply?", choices=_choices(notified_jar.ASKED),
        widget=GovCheckboxesInput(),
        description="If any applies, a Joint Agency Response is required and its rapid "
        "response meetings are due from the date of death. Select all that apply, or none. "
        "If this is not yet known, the designated doctor records it on the case later.",
        invalid_choice_message="Select the criteria from the list")
    carers = _carers()
    # The person who notified, never the child: each label says so (a bare "Name" under the
    # child's questions read as the child's).
    notifier_name = _text("Name of the person notifying the death",
                          required="Enter the notifier's name")
    notifier_role = _text("Their role (if known)")
    notifier_agency = _text("Their agency", required="Enter the notifier's agency",
                            description="For example, Northshire Hospitals NHS Trust")
    notifier_contact = _text("Their telephone or email (if known)")
    received_on = _received_on()
    source = _radios("Who told the CDOP?", NOTIFIER_SOURCES, "Select who told the CDOP")
    flags = _flags()
    circumstances = _text("Circumstances of the death (if known)", max_length=10000,
                          area=True, description="What is known of how the child died. "
                          "This is not shown to CDOP members.")
    # Set on the page that shows a duplicate, to record this as a further notification.
    further_of = HiddenField()
    agency_rows = AGENCY_ROWS
    nhs_reason_required = True

    def __init__(self, *args, partnerships, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.partnership.choices = [SelectChoice(p.id, p.name) for p in partnerships]
        self.single_partnership = partnerships[0] if len(partnerships) == 1 else None
        if self.single_partnership is not None:
            del self.partnership
        elif self.partnership.data is None:
            self.partnership.data = partnerships[0].id

    def validate(self, extra_validators=None):
        """Field checks, then the date of birth, the place, the scope of the review, the
        rest of the national form, whether the JAR answers agree, and the agencies."""
        valid = super().validate(extra_validators)
        valid = self._check_date_of_birth() and valid
        valid = self._check_place() and valid
        if self.date_of_death.data is not None:
            valid = self._check_scope(self.received_on, self.birth_outcome.data) and valid
        valid = self._check_national() and valid
        problem = notified_jar.contradiction(self.death_expected.data, self.jar_criteria.data)
        if problem and not self.death_expected.errors:
            # On the question itself: the criteria are hidden once "expected" is selected.
            self.death_expected.errors.append(problem)
            valid = False
        return self._check_agencies() and valid

    def _check_agencies(self):
        """Each agency row: a name and its kind together, or neither."""
        valid = True
        for number in range(1, AGENCY_ROWS + 1):
            name, kind, professional = (self[f"agency_{number}_{part}"]
                                        for part in ("name", "kind", "professional"))
            if (kind.data or professional.data) and not name.data and not name.errors:
                name.errors.append(f"Enter the name of agency {number}")
                valid = False
            if name.data and not kind.data and not kind.errors:
                kind.errors.append(f"Select what kind of agency agency {number} is")
                valid = False
        return valid

    def agencies(self) -> list[dict]:
        """The agencies named, in order: {name, kind, professional}."""
        rows = ({part: self[f"agency_{number}_{part}"].data
                 for part in ("name", "kind", "professional")}
                for number in range(1, AGENCY_ROWS + 1))
        return [row for row in rows if row["name"]]

    def chosen_partnership_id(self) -> int:
        """The partnership the case is for."""
        if self.single_partnership is not None:
            return self.single_partnership.id
        return self.partnership.data

    def notification_data(self) -> dict:
        """Everything the notification service needs, by column name."""
        return {
            **self.identity_values(),
            **self.death_values(),
            "received_on": self.received_on.data,
            "birth_outcome": self.birth_outcome.data,
            **{name: self[name].data for name in NOTIFIER_FIELDS},
            **self.national_values(),
            "jar_criteria": list(self.jar_criteria.data or []),
            "agencies": self.agencies(),
        }

    def hidden_items(self) -> list[tuple[str, str]]:
        """(name, value) of every answer as posted, to post them again from the duplicate
        page (further_of and the CSRF token are added there)."""
        items = []
        for field in self:
            if field.name in ("csrf_token", "further_of"):
                continue
            if isinstance(field, BooleanField):
                items += [(field.name, "y")] if field.data else []
            elif isinstance(field, GovDateField | SelectMultipleField):
                items += [(field.name, str(value)) for value in field.raw_data or []]
            else:
                items += [(field.name, value) for value in (field.raw_data or [])[:1]]
        return items



_add_national_fields(NotificationForm)
for _number in range(1, AGENCY_ROWS + 1):
    setattr(NotificationForm, f"agency_{_number}_name",
            _text(f"Agency {_number}: name", description="Like Northshire Primary School"
                  if _number == 1 else None))
    setattr(NotificationForm, f"agency_{_number}_kind", SelectField(
        f"Agency {_number}: kind of agency", widget=GovSelect(), validators=[Optional()],
        choices=[SelectChoice("", "Select the kind of agency"), *_choices(AGENCY_KINDS)],
        invalid_choice_message="Select a kind of agency from the list"))
    setattr(NotificationForm, f"agency_{_number}_professional",
            _text(f"Agency {_number}: professional's name and role (if known)"))

