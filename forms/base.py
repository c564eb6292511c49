"""The base form every form in the tracker inherits."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto  # FlaskForm's default formdata: "read the request"
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import FieldList, FileField, FormField, HiddenField


def _clean_text(value):
    """Text without NUL characters (PostgreSQL refuses them) or surrounding whitespace."""
    return value.replace("\x00", "").strip()


def _strip(value):
    """Clean text input, and each item of a list of text (a multiple choice)."""
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, list):
        return [_clean_text(item) if isinstance(item, str) else item for item in value]
    return value


def _posted_fields(form):
    """The posted form fields: text from the form body, and uploads only for file fields.

    Flask-WTF would mix every uploaded file (and a JSON body) into the form's data, so a file
    part named `email` reached the text validators and crashed them: a 500. A file sent in a
    text field is simply not that field's input, so the field reads as missing (a form error).
    """
    file_fields = {name for name, field in form._fields.items() if isinstance(field, FileField)}
    items = list(request.form.items(multi=True))
    items += [(k, v) for k, v in request.files.items(multi=True) if k in file_fields]
    return ImmutableMultiDict(items) if items else None


class StripWhitespaceForm(FlaskForm):
    """A CSRF-protected form whose text fields are stripped of surrounding whitespace.

    NUL characters are dropped too: no one types them, and PostgreSQL refuses them in text,
    so one in a sign-in email or a GET filter would otherwise be a 500.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # A list or group of fields takes no filters: its own fields are stripped.
            if issubclass(unbound_field.field_class, FieldList | FormField):
                return unbound_field.bind(form=form, **options)
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                filters = [_strip, *filters]
            if unbound_field.kwargs.get("description", "") is None:
                # A question without hint text: the GOV.UK widgets print any description
                # they are given, so None showed as the hint "None".
                options["description"] = ""
            return unbound_field.bind(form=form, filters=filters, **options)

        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                return _posted_fields(form) if form.is_submitted() else None
            return super().wrap_formdata(form, formdata)


class VersionedForm(StripWhitespaceForm):
    """A form that edits an existing record: it carries the version the record had when the
    form was opened, so a save made after someone else's is refused (tracker.versioning)."""

    version = HiddenField()
