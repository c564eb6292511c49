"""The base form every form in the tracker inherits."""

from flask_wtf import FlaskForm


def _strip(value):
    """Trim surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value


class StripWhitespaceForm(FlaskForm):
    """A CSRF-protected form whose text fields are stripped of surrounding whitespace."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)
