"""The national child death analysis form's questions, shared by the child death review
meeting's draft and the CDOP meeting's confirmed analysis (cdr.models: DRAFT_ANALYSIS and
CONFIRMED_ANALYSIS name the columns each is kept in)."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from cdr.models import CATEGORIES, DOMAINS, GRADES, MODIFIABLE

TEXT_MAX = 5000
# What each item is called on the form and in its messages.
_CALLED = {"modifiable_reason": "Why", "learning": "Learning", "actions": "Actions"}
_TEXT_ITEMS = ("modifiable_reason", "learning", "actions")


def domain_label(domain: str) -> str:
    """'Factors in the social environment' for "social"."""
    name = DOMAINS[domain]
    return f"Factors in {name[0].lower()}{name[1:]}"


def _radio(label, vocabulary, required, message, invalid):
    return RadioField(
        label, choices=[SelectChoice(key, text) for key, text in vocabulary.items()],
        widget=GovRadioInput(), invalid_choice_message=invalid,
        validators=[InputRequired(message=message)] if required else [Optional()],
    )


def _text(label, called, limit, description=None):
    return TextAreaField(
        label, widget=GovTextArea(), description=description,
        validators=[Length(max=TEXT_MAX,
                           message=f"{called} must be {limit} characters or fewer")])


# Hints kept from the outcome form's first version.
_DOMAIN_HINTS = {"child": "Factors intrinsic to the child, for example health or development",
                 "social": "Including family and parenting capacity"}


def _questions(columns, confirmed, labels, limit):
    """The form fields of one analysis, named by the columns in `columns`."""
    optional = "" if confirmed else " (optional)"
    fields = {columns["category"]: _radio(
        labels.get("category", "Category of death"), CATEGORIES, confirmed,
        "Select the category of death", "Select a category of death from the list")}
    for domain in DOMAINS:
        label = domain_label(domain)
        lower = f"{label[0].lower()}{label[1:]}"
        fields[columns[f"factors_{domain}"]] = _text(label + optional, label, limit,
                                                     _DOMAIN_HINTS.get(domain))
        fields[columns[f"grade_{domain}"]] = _radio(
            f"How much did {lower} contribute? (optional)", GRADES, False,
            None, f"Choose one of the grades listed for how much {lower} contributed")
    fields[columns["modifiable"]] = _radio(
        labels.get("modifiable", "Were modifiable factors identified?"), MODIFIABLE, confirmed,
        "Select whether modifiable factors were identified",
        "Select whether modifiable factors were identified")
    fields[columns["modifiable_reason"]] = _text(
        "Why (optional)", "Why", limit,
        # Working Together 2018 footnote 104 ([003] L1648, DOMAIN.md).
        "Why there were, or were not, modifiable factors: factors which may have contributed "
        "to the death and which might, by means of a locally or nationally achievable "
        "intervention, be modified to reduce the risk of future deaths")
    learning = labels.get("learning", "Learning")
    fields[columns["learning"]] = _text(learning + optional, learning, limit)
    fields[columns["actions"]] = _text("Actions (optional)", "Actions", limit,
                                       "What should be done, and by whom")
    return fields


def analysis_questions(columns: dict, *, confirmed: bool, labels: dict | None = None,
                       limit: str = str(TEXT_MAX)) -> type:
    """A form mixin asking the analysis form's questions into the columns `columns` names.

    The confirmed analysis must have a category and the modifiable-factors answer; the draft
    may leave any question unanswered. `limit` is how the length limit is written in its
    messages ("5,000" on the review meeting form, as before). Every text must not identify
    the child: the CDOP and its members read it (the form's `_identifies`, as
    cdr.services.requests.identifying_check).
    """
    labels = labels or {}
    fields = _questions(columns, confirmed, labels, limit)
    texts = {columns[f"factors_{d}"]: domain_label(d) for d in DOMAINS}
    texts.update({columns[item]: labels.get(item, _CALLED[item]) for item in _TEXT_ITEMS})

    def validate(form, extra_validators=None):
        valid = super(mixin, form).validate(extra_validators)
        identifies = getattr(form, "_identifies", None) or (lambda text: False)
        for name, called in texts.items():
            field = form[name]
            if not field.errors and identifies(field.data):
                field.errors.append(f"{called} must not include the child's name, NHS number "
                                    "or postcode")
                valid = False
        return valid

    mixin = type("AnalysisQuestions", (), {**fields, "validate": validate,
                                           "analysis_columns": columns})
    return mixin

