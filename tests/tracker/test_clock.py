"""The app's one clock: setting it moves London's today, the stored UTC time and the pages."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.timeutil import Clock, london_now, london_today, utcnow


def test_a_date_is_noon_in_london_and_runs_on():
    clock = Clock().set(date(2026, 7, 1))  # summer time: noon in London is 11:00 UTC
    first = clock.now()
    assert first.replace(microsecond=0) == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
    assert clock.now() > first  # two reads never share an instant


def test_standing_still_moving_and_reset():
    clock = Clock().set(datetime(2028, 2, 29, 23, 30), ticking=False)  # naive: UTC
    assert clock.now() == clock.now() == datetime(2028, 2, 29, 23, 30, tzinfo=UTC)
    clock.advance(minutes=45)
    assert clock.now() == datetime(2028, 3, 1, 0, 15, tzinfo=UTC)
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)
    with pytest.raises(RuntimeError):
        clock.advance(days=1)


def test_the_fixture_sets_every_reading_of_the_time(clock):
    clock.set(datetime(2026, 12, 31, 23, 59, tzinfo=UTC), ticking=False)
    assert london_today() == date(2026, 12, 31)
    assert utcnow() == datetime(2026, 12, 31, 23, 59)
    clock.set(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 July in London
    assert london_today() == date(2026, 7, 1)
    assert london_now().utcoffset() == timedelta(hours=1)


def test_the_pages_follow_the_clock(clock, cdop_client, call, days_pass):
    clock.set(date(2026, 12, 28))
    assert "28 December 2026" in call(cdop_client, "cdr.my_cases").text()
