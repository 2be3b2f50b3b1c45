"""Working hours (agents/hours.py) in plain Python: nights, weekends, holidays, time zones and
daylight-saving days, to the second."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.hours import HoursError, WorkingHours, weekly_hours_format

ROME = ZoneInfo("Europe/Rome")
UTC = dt.UTC
OFFICE = {day: ["09:00-17:30"] for day in ("mon", "tue", "wed", "thu", "fri")}


def rome(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)


def hours(weekly=None, **kwargs) -> WorkingHours:
    return WorkingHours.build(
        time_zone=kwargs.pop("time_zone", "Europe/Rome"), weekly_hours=weekly or OFFICE, **kwargs
    )


@pytest.mark.parametrize(
    ("instant", "is_open"),
    [
        (rome(2025, 3, 5, 8, 59, 59), False),  # Wednesday before opening
        (rome(2025, 3, 5, 9, 0), True),
        (rome(2025, 3, 5, 17, 29, 59), True),
        (rome(2025, 3, 5, 17, 30), False),  # closing time is closed
        (rome(2025, 3, 5, 23, 0), False),  # night
        (rome(2025, 3, 8, 11, 0), False),  # Saturday
        (rome(2025, 3, 9, 11, 0), False),  # Sunday
        # 08:30 UTC is 09:30 in Rome in winter: open, whatever zone the instant is given in.
        (dt.datetime(2025, 3, 5, 8, 30, tzinfo=UTC), True),
        (dt.datetime(2025, 3, 5, 7, 30, tzinfo=UTC), False),
    ],
)
def test_office_hours(instant, is_open):
    assert hours().is_open_at(instant) is is_open


def test_next_open_over_the_night_and_the_weekend():
    office = hours()

    assert office.next_open_at(rome(2025, 3, 5, 10, 0)) == rome(2025, 3, 5, 10, 0)
    assert office.next_open_at(rome(2025, 3, 5, 18, 0)) == rome(2025, 3, 6, 9, 0)
    assert office.next_open_at(rome(2025, 3, 7, 17, 30)) == rome(2025, 3, 10, 9, 0)
    assert office.next_close_at(rome(2025, 3, 7, 10, 0)) == rome(2025, 3, 7, 17, 30)
    assert office.next_close_at(rome(2025, 3, 8, 10, 0)) is None


def test_holiday_dates_and_public_holidays_close_the_day():
    office = hours(holidays=["2025-03-06"])
    italy = hours(country="IT")
    milan = hours(country="IT", subdivision="MI")

    assert not office.is_open_at(rome(2025, 3, 6, 10, 0))
    assert office.next_open_at(rome(2025, 3, 5, 18, 0)) == rome(2025, 3, 7, 9, 0)
    # 25 April (Liberation Day) is a Friday in 2025: Italy closed until Monday the 28th.
    assert not italy.is_open_at(rome(2025, 4, 25, 10, 0))
    assert italy.next_open_at(rome(2025, 4, 24, 18, 0)) == rome(2025, 4, 28, 9, 0)
    # 7 December (Sant'Ambrogio) is a holiday in Milan only; a Monday in 2026.
    assert milan.is_open_at(rome(2026, 12, 7, 10, 0)) is False
    assert italy.is_open_at(rome(2026, 12, 7, 10, 0)) is True


def test_spring_forward_day_is_an_hour_shorter():
    """Europe/Rome, Sunday 30 March 2025: 02:00 jumps to 03:00."""
    always = hours({day: ["00:00-24:00"] for day in ("sat", "sun", "mon")})
    night = hours({"sun": ["01:00-05:00"]})

    day = always.business_seconds_between(rome(2025, 3, 30, 0, 0), rome(2025, 3, 31, 0, 0))
    assert day == 23 * 3600
    # 01:00-05:00 on the clock is three real hours that night.
    assert night.business_seconds_between(rome(2025, 3, 29), rome(2025, 3, 31)) == 3 * 3600
    assert night.is_open_at(dt.datetime(2025, 3, 30, 0, 30, tzinfo=UTC))  # 01:30 CET
    assert night.is_open_at(dt.datetime(2025, 3, 30, 2, 59, tzinfo=UTC))  # 04:59 CEST
    assert not night.is_open_at(dt.datetime(2025, 3, 30, 3, 0, tzinfo=UTC))  # 05:00 CEST
    # One hour after 01:30 on the clock is 03:30.
    deadline = night.add_business_seconds(rome(2025, 3, 30, 1, 30), 3600)
    assert deadline == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert deadline.astimezone(ROME).strftime("%H:%M") == "03:30"


def test_a_time_the_clock_skips_opens_at_the_same_instant_an_hour_later_on_the_clock():
    shift = hours({"sun": ["02:30-06:00"]})

    opens = shift.next_open_at(rome(2025, 3, 30, 0, 0))

    assert opens == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert shift.business_seconds_between(rome(2025, 3, 29), rome(2025, 3, 31)) == 2.5 * 3600


def test_fall_back_day_is_an_hour_longer():
    """Europe/Rome, Sunday 26 October 2025: 03:00 goes back to 02:00."""
    always = hours({day: ["00:00-24:00"] for day in ("sat", "sun", "mon")})
    night = hours({"sun": ["01:00-05:00"]})

    day = always.business_seconds_between(rome(2025, 10, 26, 0, 0), rome(2025, 10, 27, 0, 0))
    assert day == 25 * 3600
    assert night.business_seconds_between(rome(2025, 10, 25), rome(2025, 10, 27)) == 5 * 3600
    # 02:30 happens twice; both are inside 01:00-05:00.
    first = dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = dt.datetime(2025, 10, 26, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert night.is_open_at(first) and night.is_open_at(second)
    assert night.next_close_at(first) == dt.datetime(2025, 10, 26, 4, 0, tzinfo=UTC)


def test_business_seconds_over_nights_weekends_and_holidays():
    office = hours(holidays=["2025-03-10"])  # Monday

    # Friday 16:30 -> Tuesday 10:00: 1 h on Friday, the weekend and Monday closed, 1 h on Tuesday.
    assert office.business_seconds_between(rome(2025, 3, 7, 16, 30), rome(2025, 3, 11, 10)) == (
        2 * 3600
    )
    assert office.business_seconds_between(rome(2025, 3, 11, 10), rome(2025, 3, 7, 16, 30)) == 0
    week = office.business_seconds_between(rome(2025, 3, 17), rome(2025, 3, 24))
    assert week == 5 * 8.5 * 3600


def test_adding_business_seconds_is_the_inverse_of_counting_them():
    office = hours(country="IT")
    start = rome(2025, 4, 24, 16, 0)  # Thursday before the 25 April holiday

    due = office.add_business_seconds(start, 4 * 3600)

    assert due == rome(2025, 4, 28, 11, 30)  # 1.5 h Thursday, then Monday 09:00 + 2.5 h
    assert office.business_seconds_between(start, due) == 4 * 3600
    # A deadline on a closing time is that closing time, not the next opening.
    assert office.add_business_seconds(rome(2025, 4, 24, 16, 0), 1.5 * 3600) == rome(
        2025, 4, 24, 17, 30
    )
    assert office.add_business_seconds(rome(2025, 4, 24, 18, 0), 0) == rome(2025, 4, 28, 9, 0)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 1, 1), timezones=st.just(UTC)
    ),
    seconds=st.lists(st.floats(min_value=0, max_value=80 * 3600), min_size=1, max_size=6),
)
def test_adding_several_durations_in_one_walk_gives_each_single_addition(start, seconds):
    """The SLA's four instants in one walk (add_business_seconds_many) are exactly those of
    four separate additions: around DST changes, holidays, closing times and zero."""
    office = hours(country="IT", holidays=["2025-03-10"])
    assert office.add_business_seconds_many(start, seconds) == [
        office.add_business_seconds(start, s) for s in seconds
    ]


def test_night_shift_across_midnight_is_one_period():
    nights = hours({"mon": ["22:00-24:00"], "tue": ["00:00-06:00"]}, time_zone="America/New_York")
    new_york = ZoneInfo("America/New_York")
    monday_night = dt.datetime(2025, 3, 3, 23, 0, tzinfo=new_york)

    assert nights.is_open_at(monday_night)
    assert nights.next_close_at(monday_night) == dt.datetime(2025, 3, 4, 6, 0, tzinfo=new_york)
    assert not nights.is_open_at(dt.datetime(2025, 3, 4, 6, 0, tzinfo=new_york))


def test_round_the_clock_never_closes():
    always = hours(
        {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )

    assert always.next_close_at(rome(2025, 3, 5, 10, 0)) is None
    assert always.next_open_at(rome(2025, 3, 5, 10, 0)) == rome(2025, 3, 5, 10, 0)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="aware"):
        hours().is_open_at(dt.datetime(2025, 3, 5, 10, 0))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"weekly_hours": {"monday": ["09:00-17:00"]}}, "weekly_hours"),
        ({"weekly_hours": {"mon": ["9-17"]}}, "weekly_hours"),
        ({"weekly_hours": {"mon": ["17:00-09:00"]}}, "weekly_hours"),
        ({"weekly_hours": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "weekly_hours"),
        ({"weekly_hours": {"mon": ["24:00-24:30"]}}, "weekly_hours"),
        ({"weekly_hours": {"mon": "09:00-17:00"}}, "weekly_hours"),
        ({"weekly_hours": {}}, "weekly_hours"),
        ({"weekly_hours": []}, "weekly_hours"),
        ({"holidays": ["25/12/2025"]}, "holidays"),
        ({"holidays": "2025-12-25"}, "holidays"),
        ({"country": "XX"}, "holiday_country"),
        ({"country": "IT", "subdivision": "ZZ"}, "holiday_subdivision"),
        ({"subdivision": "MI"}, "holiday_subdivision"),
    ],
)
def test_invalid_definitions_name_the_field(kwargs, field):
    arguments = {"time_zone": "Europe/Rome", "weekly_hours": OFFICE, **kwargs}

    with pytest.raises(HoursError) as raised:
        WorkingHours.build(**arguments)

    assert raised.value.field == field


def test_weekly_hours_round_trip():
    week = {"mon": ["09:00-12:30", "13:30-17:30"], "sat": ["10:00-24:00"]}

    assert weekly_hours_format(hours(week).week) == week
