"""Business time on a business calendar: weekly hours (several intervals a day), 国民の祝日 (jpholiday, 振替休日 and
国民の休日 included), 年末年始 (12/29–1/3) and a company's own closed days and extra working days.

Pure and fast: `Calendar` is a frozen value built once from the database rows (`models.BusinessCalendar.as_calendar`)
and holds no connection; `add(start, minutes)` and `between(a, b)` walk the calendar day by day, caching each day's
intervals. Intervals are minutes from local midnight, start < end ≤ 1440; an interval never crosses midnight (a
night shift is 22:00–24:00 on one day and 0:00–6:00 on the next, and time flows across the two without a gap).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday

DAY = 1440
MAX_DAYS = 3 * 366  # a calendar with no business time in three years is a configuration error, not a loop
Interval = tuple[int, int]
TOKYO = ZoneInfo("Asia/Tokyo")


class CalendarError(ValueError):
    pass


def year_end(day: date) -> bool:
    """年末年始: 12/29 – 1/3."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def holiday_name(day: date) -> str:
    """The 国民の祝日 (or 振替休日, 国民の休日) on `day`, or ""."""
    return jpholiday.is_holiday_name(day) or ""


def parse_hhmm(text: str) -> int:
    """ "9:00" → 540; "24:00" is the end of the day."""
    hours, sep, minutes = text.strip().replace("：", ":").partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise CalendarError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY:
        raise CalendarError(text)
    return value


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def normalize_intervals(intervals: Iterable) -> tuple[Interval, ...]:
    """Sorted, checked intervals; overlapping or touching ones are joined. Raises CalendarError on an interval
    that is empty, reversed or crosses midnight."""
    out: list[list[int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in intervals):
        if not 0 <= start < end <= DAY:
            raise CalendarError(f"{format_hhmm(start)}-{format_hhmm(end)}")
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple((s, e) for s, e in out)


@dataclass(frozen=True)
class Calendar:
    """`hours[weekday]` (Monday = 0) are that weekday's intervals. `open_days` maps extra working days to their
    intervals; `closed_days` are company holidays. Precedence on a day: extra working day, closed day, 年末年始,
    国民の祝日, the weekday's hours."""

    hours: tuple[tuple[Interval, ...], ...]
    tz: ZoneInfo = TOKYO
    national_holidays: bool = True
    year_end_closed: bool = True
    closed_days: frozenset = frozenset()
    open_days: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if len(self.hours) != 7:
            raise CalendarError("hours must have 7 weekdays")

    # --- what a day looks like ---------------------------------------------------------------------------------
    def intervals(self, day: date) -> tuple[Interval, ...]:
        cached = self._cache.get(day)
        if cached is None:
            cached = self._cache[day] = self._intervals(day)
        return cached

    def _intervals(self, day: date) -> tuple[Interval, ...]:
        if day in self.open_days:
            return self.open_days[day]
        if day in self.closed_days:
            return ()
        if self.year_end_closed and year_end(day):
            return ()
        if self.national_holidays and jpholiday.is_holiday(day):
            return ()
        return self.hours[day.weekday()]

    def is_business_day(self, day: date) -> bool:
        return bool(self.intervals(day))

    def closed_reason(self, day: date) -> str:
        """Why a day with weekday hours has none ("" when it is open or simply a weekend)."""
        if day in self.open_days:
            return ""
        if day in self.closed_days:
            return "closed"
        if self.year_end_closed and year_end(day):
            return "year_end"
        if self.national_holidays and jpholiday.is_holiday(day):
            return "holiday"
        return ""

    # --- conversions ---------------------------------------------------------------------------------------------
    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise CalendarError("naive datetime")
        return moment.astimezone(self.tz)

    def _at(self, day: date, minute: int, second: float = 0) -> datetime:
        base = datetime.combine(day, time(), tzinfo=self.tz)
        return base + timedelta(minutes=minute, seconds=second)

    # --- arithmetic ----------------------------------------------------------------------------------------------
    def _fixed_offset(self) -> int | None:
        """The zone's UTC offset in seconds when it never changes (Asia/Tokyo has had no DST since 1951): then the
        arithmetic runs on epoch seconds and day numbers, several times faster than on aware datetimes."""
        if "__offset__" not in self._cache:
            probes = {int(datetime(y, m, 1, 12, tzinfo=self.tz).utcoffset().total_seconds())
                      for y in (2000, 2025, 2035) for m in (1, 4, 7, 10)}  # fmt: skip
            self._cache["__offset__"] = probes.pop() if len(probes) == 1 else None
        return self._cache["__offset__"]

    def _day(self, number: int) -> tuple[Interval, ...]:
        """Intervals of the day `number` days after 1970-01-01 (cached by number)."""
        key = ("n", number)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self.intervals(_EPOCH + timedelta(days=number))
        return cached

    def _fast_add(self, start: datetime, seconds: float, offset: int) -> datetime:
        local = start.timestamp() + offset
        day, into = divmod(local, 86400)
        day = int(day)
        remaining = seconds
        if remaining > 0:
            for _ in range(MAX_DAYS):
                for begin, end in self._day(day):
                    end_s = end * 60.0
                    if into >= end_s:
                        continue
                    usable_from = max(into, begin * 60.0)
                    available = end_s - usable_from
                    if remaining <= available:
                        return _from_epoch(day * 86400 + usable_from + remaining - offset, start.tzinfo)
                    remaining -= available
                    into = end_s
                day += 1
                into = 0.0
        else:
            remaining = -remaining
            for _ in range(MAX_DAYS):
                for begin, end in reversed(self._day(day)):
                    begin_s = begin * 60.0
                    if into <= begin_s:
                        continue
                    usable_to = min(into, end * 60.0)
                    available = usable_to - begin_s
                    if remaining <= available:
                        return _from_epoch(day * 86400 + usable_to - remaining - offset, start.tzinfo)
                    remaining -= available
                    into = begin_s
                day -= 1
                into = 86400.0
        raise CalendarError("no business time")

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` business minutes after `start` (before it when negative). Starting outside business
        time counts from the next opening. Adding 0 returns `start` itself."""
        if minutes == 0:
            return start
        if start.tzinfo is None:
            raise CalendarError("naive datetime")
        offset = self._fixed_offset()
        if offset is not None:
            return self._fast_add(start, minutes * 60.0, offset)
        if minutes < 0:
            return self._subtract(start, -minutes)
        local = self._local(start)
        day = local.date()
        offset = (local - datetime.combine(day, time(), tzinfo=self.tz)).total_seconds()  # seconds since midnight
        remaining = minutes * 60.0
        for _ in range(MAX_DAYS):
            for begin, end in self.intervals(day):
                begin_s, end_s = begin * 60.0, end * 60.0
                if offset >= end_s:
                    continue
                usable_from = max(offset, begin_s)
                available = end_s - usable_from
                if remaining <= available:
                    return self._at(day, 0, usable_from + remaining).astimezone(start.tzinfo)
                remaining -= available
                offset = end_s
            day += timedelta(days=1)
            offset = 0.0
        raise CalendarError("no business time")

    def _subtract(self, start: datetime, minutes: float) -> datetime:
        local = self._local(start)
        day = local.date()
        offset = (local - datetime.combine(day, time(), tzinfo=self.tz)).total_seconds()
        remaining = minutes * 60.0
        for _ in range(MAX_DAYS):
            for begin, end in reversed(self.intervals(day)):
                begin_s, end_s = begin * 60.0, end * 60.0
                if offset <= begin_s:
                    continue
                usable_to = min(offset, end_s)
                available = usable_to - begin_s
                if remaining <= available:
                    return self._at(day, 0, usable_to - remaining).astimezone(start.tzinfo)
                remaining -= available
                offset = begin_s
            day -= timedelta(days=1)
            offset = DAY * 60.0
        raise CalendarError("no business time")

    def between(self, a: datetime, b: datetime) -> float:
        """Business minutes from `a` to `b` (negative when b is earlier)."""
        if b < a:
            return -self.between(b, a)
        la, lb = self._local(a), self._local(b)
        day, last = la.date(), lb.date()
        if (last - day).days > 20 * 366:
            raise CalendarError("span too long")
        total = 0.0
        while day <= last:
            midnight = datetime.combine(day, time(), tzinfo=self.tz)
            lo = (la - midnight).total_seconds() if day == la.date() else 0.0
            hi = (lb - midnight).total_seconds() if day == last else DAY * 60.0
            for begin, end in self.intervals(day):
                overlap = min(hi, end * 60.0) - max(lo, begin * 60.0)
                if overlap > 0:
                    total += overlap
            day += timedelta(days=1)
        return total / 60.0

    def next_open(self, moment: datetime) -> datetime:
        """The first business moment at or after `moment`."""
        return self.add(self.add(moment, 1), -1)

    def upcoming_closures(self, start: date, days: int) -> list[tuple[date, str]]:
        """Days in [start, start+days) whose weekday hours are cancelled, with the reason."""
        out = []
        for i in range(days):
            day = start + timedelta(days=i)
            reason = self.closed_reason(day)
            if reason and self.hours[day.weekday()]:
                out.append((day, reason))
        return out


_EPOCH = date(1970, 1, 1)


def _from_epoch(seconds: float, tzinfo) -> datetime:
    return datetime.fromtimestamp(round(seconds, 6), tz=tzinfo or UTC)


WEEKDAY_9_TO_18 = ((540, 720), (780, 1080))  # 9:00–12:00, 13:00–18:00


def standard(**kwargs) -> Calendar:
    """Mon–Fri 9:00–12:00 and 13:00–18:00 in Asia/Tokyo, 祝日 and 年末年始 closed."""
    return Calendar(hours=(WEEKDAY_9_TO_18,) * 5 + ((), ()), **kwargs)
