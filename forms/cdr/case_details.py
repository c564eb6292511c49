"""Changing a case's details: the child (for users who may see them), the death, the flags and
the rest of the national notification form."""

from wtforms import HiddenField

from cdr.services import notified_jar
from cdr.services.notifications import (
    DEATH_FIELDS,
    FLAGS,
    IDENTITY_FIELDS,
    NOTIFICATION_FORM_FIELDS,
)
from forms.base import StripWhitespaceForm
from forms.cdr.notification_questions import (
    _add_national_fields,
    _address,
    _age_uncertain,
    _carers,
    _ChildAndDeath,
    _date_of_birth,
    _date_of_death,
    _death_expected,
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
    _received_on,
    _sex,
    _time_of_death,
)


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




_add_national_fields(CaseDetailsForm)
