"""The questions and checks the notification form (forms.cdr.notification) and the case
details form (forms.cdr.case_details) share: the child, the death and the rest of the national
child death notification form."""

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
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from cdr.models import ETHNICITIES, EXPECTED, NHS_NUMBER_ABSENT, PLACES_OF_DEATH, SEXES, YES_NO
from cdr.services.notifications import (
    FLAGS,
    IDENTITY_FIELDS,
    NOTIFICATION_FORM_FIELDS,
    scope_problems,
)
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

