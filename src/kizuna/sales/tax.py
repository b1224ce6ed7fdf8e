"""消費税 on a document under the qualified invoice rules (適格請求書等保存方式), and the issuer's registration number.

- A line's amount is quantity × unit price − its discount, in whole yen (fractions of a yen cut off).
- Lines are summed per tax rate; a discount on the whole document is shared out over the rates in proportion to
  their amounts (the shares add up to the discount exactly); then the tax of each rate is worked out once:
  floor(amount of the rate × rate). One rounding per rate per document, never per line.
- 登録番号: "T" and 13 digits whose first digit is the check digit of the 法人番号 rule of the National Tax Agency
  (a corporation's number is T + its 法人番号; a sole proprietor's is issued under the same rule).
"""

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from kizuna.core.japanese import corporate_number_check_digit, nfkc

from .models.deals import TaxRate

RATES = (TaxRate.STANDARD, TaxRate.REDUCED, TaxRate.EXEMPT)  # the order a document lists them in


def line_amount(quantity, unit_price, discount=0) -> int:
    """Quantity × unit price (a fraction of a yen cut off), less the line's discount."""
    gross = (Decimal(str(quantity)) * Decimal(int(unit_price))).to_integral_value(rounding=ROUND_DOWN)
    return int(gross) - int(discount or 0)


def floor_yen(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_DOWN))


@dataclass
class RateTotal:
    rate: str
    lines: int = 0  # line amounts of this rate, before the document discount
    discount: int = 0  # this rate's share of the document discount
    tax: int = 0

    @property
    def taxable(self) -> int:  # 税率ごとの対象額 (tax-exclusive)
        return self.lines - self.discount

    @property
    def total(self) -> int:
        return self.taxable + self.tax

    @property
    def percent(self) -> int:
        return int(self.rate)

    @property
    def reduced(self) -> bool:
        return self.rate == TaxRate.REDUCED


@dataclass
class Totals:
    rates: list[RateTotal] = field(default_factory=list)  # only the rates the document uses, in RATES order
    discount: int = 0

    @property
    def lines(self) -> int:
        return sum(r.lines for r in self.rates)

    @property
    def subtotal(self) -> int:  # tax-exclusive, after the document discount
        return sum(r.taxable for r in self.rates)

    @property
    def tax(self) -> int:
        return sum(r.tax for r in self.rates)

    @property
    def total(self) -> int:  # 見積金額（税込）
        return self.subtotal + self.tax

    def rate(self, rate: str) -> RateTotal | None:
        return next((r for r in self.rates if r.rate == rate), None)


def allocate(discount: int, amounts: dict[str, int]) -> dict[str, int]:
    """Share `discount` over the rates in proportion to `amounts`: each share is cut to whole yen and the yen
    left over go to the largest remainders (then to the larger amount), so the shares add up exactly."""
    base = sum(v for v in amounts.values() if v > 0)
    if not discount or base <= 0:
        return {k: 0 for k in amounts}
    shares, remainders = {}, []
    for key, amount in amounts.items():
        exact = Decimal(discount) * max(amount, 0) / base
        shares[key] = floor_yen(exact)
        remainders.append((exact - shares[key], amount, key))
    left = discount - sum(shares.values())
    for _rest, _amount, key in sorted(remainders, key=lambda r: (r[0], r[1]), reverse=True)[:left]:
        shares[key] += 1
    return shares


def compute(lines, discount: int = 0) -> Totals:
    """`lines`: objects or dicts with quantity, unit_price, discount and tax_rate."""
    sums: dict[str, int] = {}
    for line in lines:
        get = line.get if isinstance(line, dict) else lambda k, d=None, o=line: getattr(o, k, d)
        rate = str(get("tax_rate") or TaxRate.STANDARD)
        sums[rate] = sums.get(rate, 0) + line_amount(get("quantity", 1), get("unit_price", 0), get("discount", 0))
    ordered = {r: sums[r] for r in RATES if r in sums}
    shares = allocate(int(discount or 0), ordered)
    totals = Totals(discount=int(discount or 0))
    for rate, amount in ordered.items():
        row = RateTotal(rate=rate, lines=amount, discount=shares[rate])
        row.tax = floor_yen(Decimal(row.taxable) * Decimal(rate) / 100) if row.taxable > 0 else 0
        totals.rates.append(row)
    return totals


# --- 適格請求書発行事業者登録番号 ------------------------------------------------------------------------------

_DASHES = re.compile(r"[\s\-‐‑‒–—―−ー－]")


def normalize_registration_number(value: str) -> str:
    """'T7000012050002', 't 7-0000-1205-0002', 'Ｔ７０００…' → 'T7000012050002'. Raises ValueError with the
    reason (in Japanese, for the form) when it is not a valid number."""
    from django.utils.translation import gettext as _

    text = _DASHES.sub("", nfkc(value or "")).upper()
    if not text:
        return ""
    if not re.fullmatch(r"T\d{13}", text):
        raise ValueError(_("登録番号は「T」と13桁の数字です（例: T1234567890123）。"))
    digits = text[1:]
    if int(digits[0]) != corporate_number_check_digit(digits[1:]):
        raise ValueError(_("登録番号のチェックディジット（先頭の数字）が合いません。番号を確かめてください。"))
    return text


def is_valid_registration_number(value: str) -> bool:
    try:
        return bool(normalize_registration_number(value))
    except ValueError:
        return False
