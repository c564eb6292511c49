"""Recording a serious incident, and the notifications that follow it."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.base import StripWhitespaceForm
from forms.fields import GovDateField, SingleLineField
from forms.reminders import WholeNumberField
from forms.submission import SubmissionKeyForm
from reviews.models import CARE_LEAVER_MAX_AGE, CP_PLAN, LOCATIONS

YES_NO = {"yes": "Yes", "no": "No"}


def blank_to_none(value):
    """Optional text left empty is stored as nothing, not as an empty string."""
    return value or None


def text(label, *, required=None, max_length=200, description=None, area=False):
    """A text input (or area), optional unless `required` gives the message."""
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=max_length,
                             message=f"{label} must be {max_length} characters or fewer"))
    field = TextAreaField if area else SingleLineField
    return field(label, widget=GovTextArea() if area else GovTextInput(),
                 description=description, validators=validators,
                 filters=[] if required else [blank_to_none])


def radios(label, choices: dict, required=None, description=None):
    """GOV.UK radios; required when `required` gives the message."""
    message = required or f"Select {label.lower()}"
    return RadioField(label, choices=[SelectChoice(k, v) for k, v in choices.items()],
                      widget=GovRadioInput(), description=description,
                      validators=[InputRequired(message=message)] if required
                      else [Optional()],
                      invalid_choice_message=message)


def yes_no(value) -> bool | None:
    """'yes' -> True, 'no' -> False, anything else -> None."""
    return {"yes": True, "no": False}.get(value)


def as_yes_no(value) -> str | None:
    """The reverse of yes_no, to fill a form from a record."""
    return {True: "yes", False: "no"}.get(value)


def add_problems(form, problems: dict[str, str]) -> None:
    """Put a service's {field: message} on the form's fields (or the first field)."""
    for name, message in problems.items():
        field = form._fields.get(name) or next(iter(
            f for f in form if f.name not in ("csrf_token", "submission_key")))
        field.errors = [*field.errors, message]


def legend(field, size="s"):
    """Template params giving a date field or radios a legend (its label)."""
    return {"fieldset": {"legend": {"text": field.label.text,
                                    "classes": f"govuk-fieldset__legend--{size}"}}}


def suspicion_date():
    """When the local authority knew or suspected abuse or neglect (optional)."""
    return GovDateField(
        "Date the local authority knew or suspected abuse or neglect (optional)",
        description="When abuse or neglect is known or suspected: leave it blank when it was "
        "the day the local authority became aware of the incident. A later date starts the "
        "Panel's 5 working days from then. For example, 30 12 2024")


# Working Together 2023, chapter 5: a notifiable death includes a suspected suicide.
NOTIFIABLE_HINT = ("Only then is the incident notifiable to the Panel (Children Act 2004 "
                   "section 16C), whether the child died (a suspected suicide included) or "
                   "was seriously harmed")


class IncidentForm(SubmissionKeyForm, StripWhitespaceForm):
    """A new serious incident: the child (by a pseudonym), what happened, when the local
    authority became aware, and the circumstances that decide who must be told."""

    partnership = SelectField("Which partnership is this incident for?", coerce=int,
                              widget=GovSelect(),
                              invalid_choice_message="Select a partnership from the list")
    child_reference = text(
        "Reference for the child (optional)", max_length=40,
        description="A pseudonym such as Child P, used on every page. Do not enter the "
        "child's name here. Leave it blank for one to be chosen.")
    child_name = text("Child's full name (optional)",
                      description="Shown only to people who may see identifying details.")
    outcome = radios("Did the child die or were they seriously harmed?",
                     {"died": "The child died", "harmed": "The child was seriously harmed"},
                     required="Select whether the child died or was seriously harmed")
    incident_date = GovDateField("Incident date", required_message="Enter the incident date",
                                 description="For example, 20 12 2024")
    la_aware_on = GovDateField(
        "Date the local authority became aware",
        required_message="Enter the date the local authority became aware",
        description="This starts the clocks: the Panel should be notified within 5 working "
        "days. For example, 23 12 2024")
    abuse_or_neglect = radios("Is abuse or neglect known or suspected?", YES_NO,
                              required="Select whether abuse or neglect is known or suspected",
                              description=NOTIFIABLE_HINT)
    abuse_or_neglect_known_on = suspicion_date()
    location = radios("Where did it happen?", LOCATIONS,
                      required="Select where it happened")
    looked_after = radios("Was the child looked after by a local authority?", YES_NO,
                          required="Select whether the child was looked after")
    # Not a GOV.UK conditional reveal: axe refuses the aria-expanded its script puts on a
    # radio (as on the child death forms), so the age follows the question, its hint saying
    # when it is needed. The rules are the service's (reviews.services.incidents).
    care_leaver = radios("Was the child a care leaver?", YES_NO,
                         required="Select whether the child was a care leaver",
                         description="A young person who was looked after and has left care. "
                         "The death of a care leaver up to and including age "
                         f"{CARE_LEAVER_MAX_AGE} is notified to the Secretary of State and "
                         "Ofsted within 5 working days, whatever the cause")
    age_at_death_years = WholeNumberField(
        "Age at death, in years", description="Needed when a care leaver died. For example, 19",
        validators=[Optional(), NumberRange(min=0, max=120, message="Age at death must be "
                                            "between 0 and 120")])
    cp_plan = radios("Was the child on a child protection plan?", CP_PLAN,
                     required="Select whether the child was on a child protection plan")
    other_areas = text("Other areas involved (optional)", area=True, max_length=2000,
                       description="For example, a looked-after child placed out of area")
    cdr_reference = text("Child death case reference (optional)", max_length=40,
                         description="When the child died, the child death case, such as "
                         "CDOP-NSP-2025-0042")

    def __init__(self, *args, partnerships, show_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership.choices = [SelectChoice(p.id, p.name) for p in partnerships]
        self.single_partnership = partnerships[0] if len(partnerships) == 1 else None
        if self.single_partnership is not None:
            del self.partnership
        elif self.partnership.data is None:
            self.partnership.data = partnerships[0].id
        if not show_name:
            del self.child_name

    def chosen_partnership_id(self) -> int:
        """The partnership the incident is for."""
        if self.single_partnership is not None:
            return self.single_partnership.id
        return self.partnership.data

    def values(self) -> dict:
        """What the incident service needs, by column name (the case is looked up apart)."""
        return {
            "child_reference": self.child_reference.data,
            "child_name": self.child_name.data if "child_name" in self else None,
            "child_died": self.outcome.data == "died",
            "incident_date": self.incident_date.data,
            "la_aware_on": self.la_aware_on.data,
            "abuse_or_neglect_suspected": self.abuse_or_neglect.data == "yes",
            "abuse_or_neglect_known_on": self.abuse_or_neglect_known_on.data,
            "location": self.location.data,
            "looked_after": self.looked_after.data == "yes",
            "care_leaver": self.care_leaver.data == "yes",
            "age_at_death_years": self.age_at_death_years.data,
            "cp_plan": self.cp_plan.data,
            "other_areas": self.other_areas.data,
        }


def _sent_on(label):
    return GovDateField(label, description="For example, 30 12 2024")


def _late_reason(label):
    return text(label, area=True, max_length=2000,
                description="Needed when it was sent after the deadline")


class NotificationsForm(StripWhitespaceForm):
    """When the Panel, the safeguarding partners and (for a looked-after child who died, or
    a care leaver aged 24 or under) the Secretary of State and Ofsted were notified; the
    reason for any late one."""

    version = HiddenField()
    # Left unanswered (a form posted without it), the incident keeps what it holds.
    abuse_or_neglect = radios("Is abuse or neglect known or suspected?", YES_NO,
                              description=NOTIFIABLE_HINT)
    abuse_or_neglect_known_on = suspicion_date()
    panel_notified_on = _sent_on("Date the Panel was notified")
    panel_reference = text("The Panel's reference (optional)", max_length=64,
                           description="From the Child Safeguarding Online Notification")
    panel_late_reason = _late_reason("Reason the Panel was notified late")
    partners_notified_on = _sent_on("Date reported to the safeguarding partners")
    partners_late_reason = _late_reason("Reason the report to the partners was late")
    sos_ofsted_notified_on = _sent_on("Date the Secretary of State and Ofsted were notified")
    sos_ofsted_late_reason = _late_reason(
        "Reason the Secretary of State and Ofsted were notified late")

    FIELDS = ("panel_notified_on", "panel_reference", "panel_late_reason",
              "partners_notified_on", "partners_late_reason", "sos_ofsted_notified_on",
              "sos_ofsted_late_reason")

    def __init__(self, *args, sos_ofsted, **kwargs):
        super().__init__(*args, **kwargs)
        if not sos_ofsted:
            del self.sos_ofsted_notified_on
            del self.sos_ofsted_late_reason

    def values(self) -> dict:
        """The incident columns to save."""
        values = {name: self[name].data for name in self.FIELDS if name in self}
        if self.abuse_or_neglect.data in YES_NO:
            values["abuse_or_neglect_suspected"] = yes_no(self.abuse_or_neglect.data)
            values["abuse_or_neglect_known_on"] = self.abuse_or_neglect_known_on.data
        return values

    @classmethod
    def data_from(cls, incident) -> dict:
        """The form's answers as the incident holds them now."""
        return {"version": str(incident.version),
                "abuse_or_neglect": as_yes_no(incident.abuse_or_neglect_suspected),
                "abuse_or_neglect_known_on": incident.abuse_or_neglect_known_on,
                **{name: getattr(incident, name) for name in cls.FIELDS}}
