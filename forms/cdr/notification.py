"""Notifying a death (after the national child death notification form), changing a case's
details, the registrar's and coroner's dates, and transferring a case."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from cdr.models import (
    AGENCY_KINDS,
    ETHNICITIES,
    EXPECTED,
    NHS_NUMBER_ABSENT,
    NOTIFIER_SOURCES,
    PLACES_OF_DEATH,
    SEXES,
    YES_NO,
)
from cdr.services import notified_jar
from cdr.services.notifications import (
    BIRTH_OUTCOMES,
    DEATH_FIELDS,
    FLAGS,
    IDENTITY_FIELDS,
    NOTIFICATION_FORM_FIELDS,
    NOTIFIER_FIELDS,
    scope_problems,
)
from forms.base import StripWhitespaceForm
from forms.cdr.validators import (
    NhsNumber,
    Postcode,
    TimeOfDay,
    blank_to_none,
    nhs_digits,
    parse_time,
    postcode,
)
from forms.fields import GovDateField, SingleLineField
from forms.submission import SubmissionKeyForm

# --- Fields, made by functions so each form lists them in the order its page shows them ---


def _text(label, *, required=None, max_length=200, description=None, area=False):
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=max_length,
                             message=f"{label} must be {max_length} characters or fewer"))
    field = TextAreaField if area else SingleLineField
    return field(label, widget=GovTextArea() if area else GovTextInput(),
                 description=description, validators=validators,
                 filters=[] if required else [blank_to_none])


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _radios(label, choices, required):
    return RadioField(label, choices=_choices(choices), widget=GovRadioInput(),
                      validators=[InputRequired(message=required)],
                      invalid_choice_message=required)


def _given_names():
    return _text("Given names", required="Enter the child's given names",
                 description="If the baby was not named, enter Baby")


def _family_name():
    return _text("Family name", required="Enter the child's family name")


def _date_of_birth():
    return GovDateField("Date of birth", description="For example, 27 3 2012")


def _age_uncertain():
    return BooleanField("Date of birth not known: the child was or may have been under 18",
                        widget=GovCheckboxInput())


def _sex():
    return _radios("Sex", SEXES, "Select the child's sex, or not known")


def _nhs_number():
    return StringField("NHS number (if known)", widget=GovTextInput(),
                       description="10 digits, like 943 476 5919",
                       filters=[nhs_digits], validators=[Optional(), NhsNumber()])


def _address():
    return _text("Address where the child normally lived (if known)", max_length=1000,
                 area=True)


def _postcode():
    return StringField("Postcode (if known)", widget=GovTextInput(), filters=[postcode],
                       validators=[Optional(), Postcode()])


def _la_of_residence():
    return _text("Local authority where the child normally lived", max_length=100,
                 required="Enter the local authority where the child normally lived",
                 description="The partnership for this area reviews the death")


def _date_of_death():
    return GovDateField("Date of death", description="For example, 27 3 2025",
                        required_message="Enter the date of death")


def _time_of_death():
    return StringField("Time of death (if known)", widget=GovTextInput(),
                       description="On the 24-hour clock, like 14:30",
                       validators=[Optional(), TimeOfDay()])


def _place_of_death():
    return _radios("Where did the child die?", PLACES_OF_DEATH,
                   "Select where the child died")


def _place_of_death_other():
    return _text("If the child died somewhere other than a hospital or home, describe the "
                 "place", max_length=200)


def _la_of_death():
    return _text("Local authority where the child died (if known)", max_length=100)


def _death_expected():
    return _radios("Was the death expected?", EXPECTED,
                   "Select whether the death was expected, or not known")


def _received_on(label="Date the notification was received"):
    return GovDateField(label, description="For example, 28 3 2025",
                        required_message="Enter the date the notification was received")


def _flags():
    return SelectMultipleField("Flags", choices=_choices(FLAGS),
                               widget=GovCheckboxesInput(),
                               description="Select all that apply",
                               invalid_choice_message="Select flags from the list")


def _optional_radios(label, choices, description=None):
    return RadioField(label, choices=_choices(choices), widget=GovRadioInput(),
                      description=description, validators=[Optional()],
                      invalid_choice_message="Select one of the answers")


def _carers():
    return _text("Carers of the child at the time of death (if known)", max_length=2000,
                 area=True, description="Each carer's name and relationship to the child, "
                 "one on a line, like: Alex Example, mother")


# The question "Was the death unexpected?": answers stored as death_expected (EXPECTED).
UNEXPECTED_ANSWERS = {notified_jar.UNEXPECTED: "Yes, the death was unexpected",
                      "yes": "No, the death was expected", "not_known": "Not known"}
# How many agencies the notification form takes (more are added on the case afterwards).
AGENCY_ROWS = 6


class _NationalForm:
    """The rest of the national notification form, shared by the notification form and
    the case details form (fields added to each below)."""

    # A new notification says why there is no NHS number; a case recorded before the
    # question existed can still be changed without it.
    nhs_reason_required = False

    FIELDS = {
        "nhs_number_absent": lambda: _optional_radios(
            "If there is no NHS number, why not?", NHS_NUMBER_ABSENT),
        "ethnicity": lambda: SelectField(
            "Ethnicity (if known)", widget=GovSelect(), validators=[Optional()],
            choices=[SelectChoice("", "Select the child's ethnic group"),
                     *_choices(ETHNICITIES)],
            description="The ethnic groups of the 2021 census",
            invalid_choice_message="Select an ethnic group from the list"),
        "fatal_event_on": lambda: GovDateField(
            "Date of the fatal event (if different from the date of death)",
            description="When the child died after an incident, such as a collapse, a fall "
            "or a crash: the day it happened. For example, 27 3 2025"),
        "fatal_event_time": lambda: StringField(
            "Time of the fatal event (if known)", widget=GovTextInput(),
            description="On the 24-hour clock, like 14:30",
            validators=[Optional(), TimeOfDay(
                "Enter the time of the fatal event on the 24-hour clock, like 14:30")]),
        "fatal_event_place": lambda: _text("Place of the fatal event (if different from the "
                                           "place of death)"),
        "senior_practitioner": lambda: _text(
            "Senior practitioner present at the death (if any)",
            description="Name and role, like Dr A Example, consultant paediatrician"),
        "cause_1a": lambda: _text("1a: disease or condition leading directly to death",
                                  max_length=500),
        "cause_1b": lambda: _text("1b: other disease or condition, if any, leading to 1a",
                                  max_length=500),
        "cause_1c": lambda: _text("1c: other disease or condition, if any, leading to 1b",
                                  max_length=500),
        "cause_2": lambda: _text("2: other significant conditions contributing to the death "
                                 "but not related to it", max_length=500),
        "post_mortem_required": lambda: _optional_radios("Is a post-mortem required?",
                                                         EXPECTED),
        # Our wording: the NCMD form's own words for its alert question were not found
        # (ncmd.info says only that it changed in April 2022).
        "ncmd_alert": lambda: _optional_radios(
            "Is there anything about this death the National Child Mortality Database should "
            "be alerted to straight away?", YES_NO,
            description="For example, a possible cluster of deaths, or a risk to other "
            "children from a product or a place"),
        "ncmd_alert_details": lambda: _text("What the National Child Mortality Database "
                                            "should be alerted to", max_length=2000,
                                            area=True),
    }

    def _check_national(self):
        """An NHS number, or why there is none; an alert says what it is about."""
        valid = True
        if "nhs_number_absent" in self._fields and not self.nhs_number.errors:
            if not self.nhs_number.data and not self.nhs_number_absent.data \
                    and self.nhs_reason_required:
                self.nhs_number_absent.errors.append(
                    "Enter the NHS number, or select why there is none")
                valid = False
            elif self.nhs_number.data and self.nhs_number_absent.data:
                self.nhs_number_absent.errors.append(
                    "Do not select why there is no NHS number when you enter one")
                valid = False
        if self.ncmd_alert.data == "yes" and not self.ncmd_alert_details.data:
            self.ncmd_alert_details.errors.append(
                "Enter what the National Child Mortality Database should be alerted to")
            valid = False
        for field in (self.fatal_event_on,):
            if field.data and self.date_of_death.data and field.data > self.date_of_death.data:
                field.errors.append("Date of the fatal event must be the same as or before "
                                    "the date of death")
                valid = False
        return valid

    def national_values(self) -> dict:
        """The case columns of the rest of the national form."""
        values = {name: self[name].data or None for name in NOTIFICATION_FORM_FIELDS
                  if name in self._fields}
        values["fatal_event_time"] = parse_time(self.fatal_event_time.data)
        if "nhs_number_absent" in self._fields and self.nhs_number.data:
            values["nhs_number_absent"] = None
        if self.ncmd_alert.data != "yes":
            values["ncmd_alert_details"] = None
        return values


def _add_national_fields(form_class, *, with_nhs_reason=True):
    for name, make in _NationalForm.FIELDS.items():
        if name != "nhs_number_absent" or with_nhs_reason:
            setattr(form_class, name, make())
    return form_class


class _ChildAndDeath:
    """Checks shared by the notification form and the case details form."""

    today = None

    def _check_date_of_birth(self):
        """A date of birth, or 'not known' ticked: one or the other."""
        if "date_of_birth" not in self._fields or self.date_of_birth.errors:
            return True
        if self.date_of_birth.data is None and not self.age_uncertain.data:
            self.date_of_birth.errors.append(
                "Enter the date of birth, or select that it is not known")
            return False
        if self.date_of_birth.data is not None and self.age_uncertain.data:
            self.age_uncertain.errors.append(
                "Leave the date of birth empty if you select that it is not known")
            return False
        return True

    def _check_place(self):
        if self.place_of_death.data == "other" and not self.place_of_death_other.data:
            self.place_of_death_other.errors.append("Describe the place where the child died")
            return False
        return True

    def _check_scope(self, received_field, birth_outcome=None):
        """The rules of cdr.services.notifications.scope_problems, shown on their fields."""
        born = self.date_of_birth.data if "date_of_birth" in self._fields else self._born
        problems = scope_problems(
            date_of_birth=born, date_of_death=self.date_of_death.data,
            received_on=received_field.data, birth_outcome=birth_outcome, today=self.today,
        )
        for name, message in problems.items():
            name = received_field.name if name == "received_on" else name
            field = self[name] if name in self._fields else self.date_of_death
            if not field.errors:
                field.errors.append(message)
        return not problems

    def death_values(self) -> dict:
        """The case columns this form sets (without the notification date)."""
        flags = set(self.flags.data or [])
        values = {
            "date_of_death": self.date_of_death.data,
            "time_of_death": parse_time(self.time_of_death.data),
            "place_of_death": self.place_of_death.data,
            "place_of_death_other": self.place_of_death_other.data
            if self.place_of_death.data == "other" else None,
            "la_of_residence": self.la_of_residence.data,
            "la_of_death": self.la_of_death.data,
            "sex": self.sex.data,
            "death_expected": self.death_expected.data,
            **{name: name in flags for name in FLAGS},
        }
        if "age_uncertain" in self._fields:
            values["age_uncertain"] = bool(self.age_uncertain.data)
        return values

    def identity_values(self) -> dict | None:
        """The child's identifying details, or None when this form does not hold them."""
        if "given_names" not in self._fields:
            return None
        return {name: self[name].data for name in IDENTITY_FIELDS}


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


class CaseDetailsForm(_NationalForm, _ChildAndDeath, StripWhitespaceForm):
    """Change the child's details (for users who may see them), the death and the flags."""

    version = HiddenField()
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
    place_of_death = _place_of_death()
    place_of_death_other = _place_of_death_other()
    la_of_death = _la_of_death()
    death_expected = _death_expected()
    notification_received_on = _received_on("Date the first notification was received")
    flags = _flags()
    carers = _carers()

    def __init__(self, *args, show_identity, born, today, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self._born = born
        self._criteria = criteria
        if not show_identity:
            for name in (*IDENTITY_FIELDS, "age_uncertain", "nhs_number_absent"):
                delattr(self, name)

    def validate(self, extra_validators=None):
        """Field checks, then the date of birth, the place, the dates of the death, the rest
        of the national form, and whether the death may be expected given its JAR."""
        valid = super().validate(extra_validators)
        valid = self._check_date_of_birth() and valid
        valid = self._check_place() and valid
        if self.date_of_death.data is not None:
            valid = self._check_scope(self.notification_received_on) and valid
        valid = self._check_national() and valid
        if notified_jar.contradiction(self.death_expected.data, self._criteria) \
                and not self.death_expected.errors:
            self.death_expected.errors.append(
                "The Joint Agency Response records this death as sudden with no immediately "
                "apparent cause, so it cannot be expected: change the Joint Agency Response "
                "first, or keep the death as unexpected")
            valid = False
        return valid

    def case_values(self) -> dict:
        """The case columns to save."""
        return {**self.death_values(), **self.national_values(),
                "notification_received_on": self.notification_received_on.data}

    @staticmethod
    def data_from(case, identity) -> dict:
        """The form's answers as the case holds them now."""
        data = {name: getattr(case, name) for name in DEATH_FIELDS if name not in FLAGS}
        data["time_of_death"] = case.time_of_death.strftime("%H:%M") \
            if case.time_of_death else ""
        data["flags"] = [name for name in FLAGS if getattr(case, name)]
        data["version"] = str(case.version)
        data.update({name: getattr(case, name) for name in NOTIFICATION_FORM_FIELDS})
        data["fatal_event_time"] = case.fatal_event_time.strftime("%H:%M") \
            if case.fatal_event_time else ""
        data["ethnicity"] = case.ethnicity or ""
        if identity is not None:
            data.update({name: getattr(identity, name) for name in IDENTITY_FIELDS})
        return data


_add_national_fields(NotificationForm)
_add_national_fields(CaseDetailsForm)
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


class RegistrarCoronerForm(StripWhitespaceForm):
    """The registrar's and the coroner's dates, and what the coroner decided."""

    version = HiddenField()
    death_registered_on = GovDateField(
        "Date the death was registered",
        description="Or the date the register entry was corrected, or a certificate of no "
        "liability to register was issued. For example, 27 3 2025")
    registrar_notified_on = GovDateField("Date the registrar notified the CDOP",
                                         description="For example, 28 3 2025")
    coroner_decision_on = GovDateField(
        "Date the coroner decided to investigate or to commission a post-mortem",
        description="For example, 27 3 2025")
    coroner_notified_on = GovDateField("Date the coroner notified the CDOP",
                                       description="For example, 28 3 2025")
    coroner_flags = SelectMultipleField(
        "What the coroner decided",
        choices=[SelectChoice("coroner_investigating", FLAGS["coroner_investigating"]),
                 SelectChoice("post_mortem_ordered", FLAGS["post_mortem_ordered"])],
        widget=GovCheckboxesInput(), description="Select all that apply",
        invalid_choice_message="Select from the list")

    def __init__(self, *args, today, date_of_death, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.date_of_death = date_of_death

    def validate(self, extra_validators=None):
        """Each date today or earlier, on or after the death; each notice on or after what
        started it; a coroner's decision says what was decided."""
        valid = super().validate(extra_validators)
        pairs = ((self.registrar_notified_on, self.death_registered_on, "registration"),
                 (self.coroner_notified_on, self.coroner_decision_on, "coroner's decision"))
        for field in (self.death_registered_on, self.registrar_notified_on,
                      self.coroner_decision_on, self.coroner_notified_on):
            valid = self._check_date(field) and valid
        for later, earlier, what in pairs:
            if later.data and earlier.data and later.data < earlier.data and not later.errors:
                later.errors.append(f"{later.label.text} must be the same as or after the "
                                    f"date of the {what}")
                valid = False
        if self.coroner_decision_on.data and not self.coroner_flags.data:
            self.coroner_flags.errors.append("Select what the coroner decided")
            valid = False
        return valid

    def _check_date(self, field):
        if field.data is None or field.errors:
            return True
        if field.data > self.today:
            field.errors.append(f"{field.label.text} must be today or in the past")
        elif field.data < self.date_of_death:
            field.errors.append(f"{field.label.text} must be the same as or after the date "
                                "of death")
        return not field.errors

    def values(self) -> dict:
        """The case columns to save."""
        flags = set(self.coroner_flags.data or [])
        return {
            "death_registered_on": self.death_registered_on.data,
            "registrar_notified_on": self.registrar_notified_on.data,
            "coroner_decision_on": self.coroner_decision_on.data,
            "coroner_notified_on": self.coroner_notified_on.data,
            "coroner_investigating": "coroner_investigating" in flags,
            "post_mortem_ordered": "post_mortem_ordered" in flags,
        }

    @staticmethod
    def data_from(case) -> dict:
        """The form's answers as the case holds them now."""
        return {
            "version": str(case.version),
            "death_registered_on": case.death_registered_on,
            "registrar_notified_on": case.registrar_notified_on,
            "coroner_decision_on": case.coroner_decision_on,
            "coroner_notified_on": case.coroner_notified_on,
            "coroner_flags": [name for name in ("coroner_investigating", "post_mortem_ordered")
                              if getattr(case, name)],
        }
