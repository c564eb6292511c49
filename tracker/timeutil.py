"""Time helpers: UTC storage, Europe/London display, and 'today' in London."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow():
    """The current time in UTC, naive (as stored in the database)."""
    return datetime.now(UTC).replace(tzinfo=None)


def london_today():
    """Today's date in England, which is what every deadline is counted in."""
    return datetime.now(LONDON).date()


def london_midnight(day: date) -> datetime:
    """The start of a day in England, as naive UTC (how times are stored)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def to_london(value):
    """A stored naive-UTC datetime as an aware Europe/London datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON)


def format_date(value):
    """'3 March 2025' for a date or datetime (datetimes shown in Europe/London)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_london(value).date()
    if not isinstance(value, date):
        return str(value)
    return f"{value.day} {value.strftime('%B %Y')}"


def format_datetime(value):
    """'3 March 2025 at 2:05pm' in Europe/London."""
    if value is None:
        return ""
    local = to_london(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{format_date(local.date())} at {hour}:{local.minute:02d}{suffix}"
