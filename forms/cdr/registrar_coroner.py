"""The registrar's and the coroner's dates on a case, and what the coroner decided."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import HiddenField, SelectChoice, SelectMultipleField

from cdr.services.notifications import FLAGS
from forms.base import StripWhitespaceForm
from forms.fields import GovDateField


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
