"""Dates as Japanese people write them: 西暦 and 和暦 (令和6年4月1日, R6.4.1) and, in notes, relative ones
(来週金曜, 明日, 3日後, 11/30)."""

import re
import unicodedata
from datetime import date, timedelta

# --- dates (西暦 and 和暦) -------------------------------------------------------------------------

_ERAS = {  # era → (first year in the Gregorian calendar, first day, last day)
    "令和": (2019, date(2019, 5, 1), None),
    "平成": (1989, date(1989, 1, 8), date(2019, 4, 30)),
    "昭和": (1926, date(1926, 12, 25), date(1989, 1, 7)),
    "大正": (1912, date(1912, 7, 30), date(1926, 12, 24)),
    "明治": (1868, date(1868, 1, 25), date(1912, 7, 29)),
}
_ERA_LETTERS = {"r": "令和", "h": "平成", "s": "昭和", "t": "大正", "m": "明治"}
_WAREKI = re.compile(
    r"^(令和|平成|昭和|大正|明治|[rhstm])\s*(元|\d{1,2})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$"
)
_SEIREKI = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
# The year last is how English Outlook and Google write dates (3/14/1985, month first); a first number above 12
# can only be a day (14/3/1985).
_YEAR_LAST = re.compile(r"^(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})$")


def parse_japanese_date(value: str) -> date | None:
    """2024/4/1, 2024-04-01, 2024年4月1日, 令和6年4月1日, R6.4.1, 令和元年5月1日, H31.4.30, 3/14/1985 → date; else
    None."""
    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    if not text:
        return None
    try:
        if match := _SEIREKI.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _YEAR_LAST.match(text):
            first, second = int(match[1]), int(match[2])
            month, day = (second, first) if first > 12 else (first, second)
            return date(int(match[3]), month, day)
        if match := _WAREKI.match(text):
            era = _ERA_LETTERS.get(match[1], match[1])
            first_year, start, end = _ERAS[era]
            year = 1 if match[2] == "元" else int(match[2])
            if year < 1:
                return None
            result = date(first_year + year - 1, int(match[3]), int(match[4]))
            if result < start or (end and result > end):
                return None
            return result
    except ValueError:  # 2月30日 and the like
        return None
    return None


# --- relative dates in notes (来週金曜, 明日, 3日後, 11/30) ------------------------------------------

_WEEKDAYS = "月火水木金土日"
_KANJI_DIGITS = str.maketrans("〇一二三四五六七八九", "0123456789")
_RELATIVE_DAYS = {"今日": 0, "本日": 0, "明日": 1, "あした": 1, "あす": 1, "明後日": 2, "あさって": 2}
_WEEKDAY_RE = re.compile(r"^(今週|来週|再来週)?の?([月火水木金土日])(?:曜日?)?$")
_AFTER_RE = re.compile(r"^(\d{1,3})\s*(日|週間|か月|ヶ月|カ月|ヵ月)後$")
_MONTH_DAY_RE = re.compile(r"^(\d{1,2})\s*[/月]\s*(\d{1,2})\s*日?$")
_NEXT_MONTH_DAY_RE = re.compile(r"^来月\s*(\d{1,2})\s*日$")


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def _month_end(day: date) -> date:
    return _add_months(day.replace(day=1), 1) - timedelta(days=1)


def parse_relative_date(value: str, today: date) -> date | None:
    """A due date as people write it, relative to `today`: 今日, 明日, 明後日, 3日後, 2週間後, 1か月後, 金曜,
    今週金曜, 来週金曜, 再来週の月曜, 来週, 月末, 来月末, 来月5日, 11/30, 11月30日 (the next one), and
    absolute dates (2026/12/1, 令和8年12月1日). None when it is not a date."""
    text = unicodedata.normalize("NFKC", value or "").strip().translate(_KANJI_DIGITS)
    if not text:
        return None
    if text in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[text])
    if match := _AFTER_RE.match(text):
        n, unit = int(match[1]), match[2]
        if unit == "日":
            return today + timedelta(days=n)
        if unit == "週間":
            return today + timedelta(weeks=n)
        return _add_months(today, n)
    if match := _WEEKDAY_RE.match(text):
        target = _WEEKDAYS.index(match[2])
        week = {"今週": 0, "来週": 1, "再来週": 2}.get(match[1] or "")
        if week is None:  # a bare weekday: the next one after today
            return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
        return monday + timedelta(days=target)
    if text == "来週":
        return today - timedelta(days=today.weekday()) + timedelta(weeks=1)
    if text in ("月末", "今月末"):
        return _month_end(today)
    if text == "来月末":
        return _month_end(_add_months(today.replace(day=1), 1))
    try:
        if match := _NEXT_MONTH_DAY_RE.match(text):
            return _add_months(today.replace(day=1), 1).replace(day=int(match[1]))
        if match := _MONTH_DAY_RE.match(text):
            candidate = date(today.year, int(match[1]), int(match[2]))
            return candidate if candidate >= today else candidate.replace(year=today.year + 1)
    except ValueError:
        return None
    return parse_japanese_date(text)
