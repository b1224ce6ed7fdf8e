"""Business time on the Japanese calendar: lunch breaks, weekends, 国民の祝日 and 振替休日, 年末年始, company days."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kizuna.support.sla import calendar as cal

JST = ZoneInfo("Asia/Tokyo")


def at(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=JST)


STD = cal.standard()


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (at(2026, 12, 7, 9), 60, at(2026, 12, 7, 10)),  # Monday morning
        (at(2026, 12, 7, 11, 30), 60, at(2026, 12, 7, 13, 30)),  # over the lunch break
        (at(2026, 12, 7, 12, 15), 10, at(2026, 12, 7, 13, 10)),  # starting in the lunch break
        (at(2026, 12, 7, 7), 10, at(2026, 12, 7, 9, 10)),  # before opening
        (at(2026, 12, 7, 11), 60, at(2026, 12, 7, 12)),  # exactly to the interval's end
        (at(2026, 12, 4, 17, 30), 60, at(2026, 12, 7, 9, 30)),  # Friday evening → Monday
        (at(2026, 12, 5, 10), 1, at(2026, 12, 7, 9, 1)),  # Saturday
        (at(2026, 12, 7, 9), 480, at(2026, 12, 7, 18)),  # one full day
        (at(2026, 12, 7, 9), 481, at(2026, 12, 8, 9, 1)),
        (at(2026, 12, 7, 9, 0, 30), 1, at(2026, 12, 7, 9, 1, 30)),  # seconds kept
        (at(2026, 12, 28, 17), 120, at(2027, 1, 4, 10)),  # 年末年始 12/29–1/3, then 1/4 (Monday)
        (at(2027, 1, 8, 17), 120, at(2027, 1, 12, 10)),  # 成人の日 1/11 (Monday)
        (at(2024, 5, 2, 17), 120, at(2024, 5, 7, 10)),  # 5/3–5/5 祝日, 5/6 振替休日
        (at(2026, 9, 18, 17), 120, at(2026, 9, 24, 10)),  # 9/21 敬老の日, 9/22 国民の休日, 9/23 秋分の日
    ],
)
def test_adding_business_minutes(start, minutes, expected):
    assert STD.add(start, minutes) == expected
    assert STD.between(start, expected) == pytest.approx(minutes)


def test_subtracting_walks_back_over_lunch_weekends_and_holidays():
    assert STD.add(at(2026, 12, 7, 13, 30), -60) == at(2026, 12, 7, 11, 30)
    assert STD.add(at(2026, 12, 7, 9, 30), -60) == at(2026, 12, 4, 17, 30)
    assert STD.add(at(2027, 1, 4, 10), -120) == at(2026, 12, 28, 17)
    assert STD.add(at(2026, 12, 7, 10), 0) == at(2026, 12, 7, 10)


def test_between_counts_only_open_time_and_is_signed():
    assert STD.between(at(2026, 12, 7, 0), at(2026, 12, 8, 0)) == 480
    assert STD.between(at(2026, 12, 5, 0), at(2026, 12, 7, 0)) == 0  # a weekend
    assert STD.between(at(2026, 12, 7, 12, 10), at(2026, 12, 7, 12, 50)) == 0  # inside lunch
    assert STD.between(at(2026, 12, 8, 0), at(2026, 12, 7, 0)) == -480
    assert STD.between(at(2026, 12, 28, 0), at(2027, 1, 5, 0)) == 2 * 480  # 12/28 and 1/4 only


def test_utc_input_gives_the_same_moment():
    start = at(2026, 12, 7, 11, 30).astimezone(UTC)
    result = STD.add(start, 60)
    assert result == at(2026, 12, 7, 13, 30) and result.tzinfo == UTC


def test_company_closed_day_and_extra_working_day():
    calendar = cal.standard(closed_days=frozenset({date(2026, 12, 8)}),
                            open_days={date(2026, 12, 12): ((600, 720),)})  # fmt: skip
    assert calendar.add(at(2026, 12, 7, 17), 120) == at(2026, 12, 9, 10)
    assert calendar.add(at(2026, 12, 11, 17, 30), 60) == at(2026, 12, 12, 10, 30)  # Saturday 10:00–12:00
    assert calendar.closed_reason(date(2026, 12, 8)) == "closed"
    # An extra working day wins over a holiday (a Saturday service day on 年末).
    busy = cal.standard(open_days={date(2026, 12, 30): ((540, 720),)})
    assert busy.add(at(2026, 12, 28, 17, 30), 60) == at(2026, 12, 30, 9, 30)


def test_switches_for_holidays_and_year_end():
    plain = cal.standard(national_holidays=False, year_end_closed=False)
    assert plain.add(at(2027, 1, 8, 17), 120) == at(2027, 1, 11, 10)  # 成人の日 counted as a Monday
    assert plain.add(at(2026, 12, 28, 17), 120) == at(2026, 12, 29, 10)


def test_night_shift_runs_across_midnight_as_two_intervals():
    night = cal.Calendar(hours=tuple(((0, 360), (1320, 1440)) for _ in range(7)), national_holidays=False,
                         year_end_closed=False)  # fmt: skip
    assert night.add(at(2026, 12, 7, 23), 120) == at(2026, 12, 8, 1)
    assert night.between(at(2026, 12, 7, 22), at(2026, 12, 8, 6)) == 480


def test_intervals_are_checked():
    assert cal.normalize_intervals([(780, 1080), (540, 720), (700, 800)]) == ((540, 1080),)
    for bad in ([(1080, 540)], [(1320, 1500)], [(600, 600)]):
        with pytest.raises(cal.CalendarError):
            cal.normalize_intervals(bad)
    assert (
        cal.parse_hhmm("24:00") == 1440
        and cal.parse_hhmm("９：３０".translate({0xFF19: "9", 0xFF13: "3", 0xFF10: "0"})) == 570
    )
    with pytest.raises(cal.CalendarError):
        cal.parse_hhmm("25:00")


def test_a_calendar_without_hours_fails_clearly():
    empty = cal.Calendar(hours=((),) * 7)
    with pytest.raises(cal.CalendarError):
        empty.add(at(2026, 12, 7), 1)
    with pytest.raises(cal.CalendarError):
        STD.add(datetime(2026, 12, 7, 9), 1)  # naive


def test_upcoming_closures_name_the_holidays():
    closures = dict(STD.upcoming_closures(date(2026, 12, 28), 14))
    assert closures == {date(2026, 12, 29): "year_end", date(2026, 12, 30): "year_end",
                        date(2026, 12, 31): "year_end", date(2027, 1, 1): "year_end"}  # fmt: skip
    assert cal.holiday_name(date(2027, 1, 11)) == "成人の日"


def test_a_long_span_is_fast():
    start = at(2026, 1, 1)
    for i in range(2000):
        STD.add(start + timedelta(hours=i), 600)
    assert STD.between(at(2026, 1, 1), at(2027, 1, 1)) > 0
