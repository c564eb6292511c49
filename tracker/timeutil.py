"""Time helpers: UTC storage, Europe/London display, and 'today' in London.

The app reads the time only through `clock` (by `utcnow()`, `london_now()` and
`london_today()`), so one setting moves all of it: views, services, invitations, reminder
passes and exports. Unset, `clock` is the real time. Tests set it (the `clock` fixture, and
`pytest --clock=YYYY-MM-DD` for a whole run); the database's own defaults do not follow it.
"""

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock:
    """The app's one clock: the real time until `set`, and again after `reset`.

    `set(day)` puts it at noon in London on that day (clear of the small hours a clock change
    moves); `set(moment)` at a datetime (aware, or naive UTC as stored in the database). From
    there it runs on with the real time, so two saves never share an instant, unless set with
    `ticking=False`, when it stands still until moved. One clock for every thread, so a live
    server in the test process follows it too.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._at: datetime | None = None  # aware UTC: where it was set
        self._since: datetime | None = None  # the real time it was set at, when ticking

    def set(self, value: date | datetime, *, ticking: bool = True) -> "Clock":
        if isinstance(value, datetime):
            at = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        elif isinstance(value, date):
            at = datetime.combine(value, time(12), tzinfo=LONDON)
        else:
            raise TypeError(f"a date or datetime, not {value!r}")
        with self._lock:
            self._at = at.astimezone(UTC)
            self._since = datetime.now(UTC) if ticking else None
        return self

    def advance(self, delta: timedelta | None = None, **parts) -> "Clock":
        """Move a set clock on by a timedelta or its parts (`advance(minutes=31)`); a
        negative one moves it back."""
        delta = delta if delta is not None else timedelta(**parts)
        with self._lock:
            if self._at is None:
                raise RuntimeError("set the clock before moving it")
            self._at += delta
        return self

    def reset(self) -> None:
        """Back to the real time."""
        with self._lock:
            self._at = self._since = None

    @property
    def is_set(self) -> bool:
        return self._at is not None

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        with self._lock:
            at, since = self._at, self._since
        real = datetime.now(UTC)
        if at is None:
            return real
        return at + (real - since) if since is not None else at


clock = Clock()


def utcnow():
    """The current time in UTC, naive (as stored in the database)."""
    return clock.now().replace(tzinfo=None)


def london_now():
    """The current time in England, aware."""
    return clock.now().astimezone(LONDON)


def london_today():
    """Today's date in England, which is what every deadline is counted in."""
    return london_now().date()


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
