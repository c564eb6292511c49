"""The base form every form in the tracker inherits."""

from flask_wtf import FlaskForm


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


class StripWhitespaceForm(FlaskForm):
    """A CSRF-protected form whose text fields are stripped of surrounding whitespace.

    NUL characters are dropped too: no one types them, and PostgreSQL refuses them in text,
    so one in a sign-in email or a GET filter would otherwise be a 500.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)
