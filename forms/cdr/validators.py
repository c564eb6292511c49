"""Validators and filters for the child death review forms."""

import re
from datetime import time

import nhs_number
from wtforms.validators import ValidationError

_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}")
_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")


def nhs_digits(value):
    """An NHS number as typed ('999 000 0018', '999-000-0018') as its digits alone."""
    if not isinstance(value, str):
        return value
    return re.sub(r"[\s-]", "", value) or None


def postcode(value):
    """A postcode in capitals with one space before the last three characters."""
    if not isinstance(value, str) or not value:
        return value or None
    compact = re.sub(r"\s", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def blank_to_none(value):
    """Optional text left empty is stored as nothing, not as an empty string."""
    return value or None


class NhsNumber:
    """10 digits with a right modulus 11 check digit (the `nhs-number` package checks it)."""

    def __init__(self, message="The NHS number is not valid: check each digit and enter it again"):
        self.message = message

    def __call__(self, form, field):
        value = field.data
        if not value:
            return
        if not (value.isascii() and value.isdigit() and len(value) == 10):
            raise ValidationError("NHS number must be 10 digits, like 943 476 5919")
        if not nhs_number.is_valid(value):
            raise ValidationError(self.message)


class Postcode:
    """A UK postcode, like AA1 1AA (checked after the `postcode` filter)."""

    def __init__(self, message="Enter a real postcode, like AA1 1AA"):
        self.message = message

    def __call__(self, form, field):
        if field.data and not _POSTCODE.fullmatch(field.data):
            raise ValidationError(self.message)


def parse_time(value: str) -> time | None:
    """'14:30' or '9.05' as a time, or None when it is not a time of day."""
    match = _TIME.fullmatch(value or "")
    return time(int(match[1]), int(match[2])) if match else None


class TimeOfDay:
    """Hours and minutes on the 24-hour clock, like 14:30."""

    def __init__(self, message="Enter the time of death on the 24-hour clock, like 14:30"):
        self.message = message

    def __call__(self, form, field):
        if field.data and parse_time(field.data) is None:
            raise ValidationError(self.message)
