"""Yen amounts as people type them: 300万, 1.2億, ¥3,000,000, 3000000円, ３００万円 (full width).

Used by the deal services (forms and the API may send text) and by the capture line (`$見積 300万`)."""

import re
from decimal import Decimal, InvalidOperation

from kizuna.core import japanese

_UNITS = {"": 1, "千": 1_000, "万": 10_000, "百万": 1_000_000, "千万": 10_000_000, "億": 100_000_000}
_AMOUNT = re.compile(r"^[¥￥]?\s*(\d+(?:\.\d+)?)\s*(千万|百万|千|万|億|)\s*(?:円)?$")
MAX_YEN = 10**15  # a quadrillion yen: more than any deal, well inside a bigint


def parse_yen(value) -> int | None:
    """Whole yen, or None when `value` is not an amount. `None` and "" are 0."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < MAX_YEN else None
    text = japanese.nfkc(str(value)).replace(",", "").replace(" ", "").strip()
    if not text:
        return 0
    match = _AMOUNT.match(text)
    if not match:
        return None
    try:
        yen = Decimal(match[1]) * _UNITS[match[2]]
    except InvalidOperation:
        return None
    if yen != yen.to_integral_value() or not 0 <= yen < MAX_YEN:
        return None
    return int(yen)


def looks_like_yen(token: str) -> bool:
    """An amount with a unit or a currency mark (`300万`, `¥5000`, `5000円`): a bare number is not claimed."""
    text = japanese.nfkc(token or "").replace(",", "")
    return bool(_AMOUNT.match(text)) and bool(re.search(r"[¥￥円千万億]", text))


def format_yen(amount: int | None) -> str:
    """¥3,000,000 (the way amounts are shown on pages and in messages)."""
    return f"¥{int(amount or 0):,}"
