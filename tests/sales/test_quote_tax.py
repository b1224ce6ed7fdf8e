"""消費税 on a quote: one rounding per rate per document, document discounts shared per rate, and the
registration number's check digit (NTA 法人番号 rule) on real published numbers."""

from decimal import Decimal

import pytest

from kizuna.sales import tax


def L(qty, price, rate="10", discount=0):
    return {"quantity": Decimal(str(qty)), "unit_price": price, "tax_rate": rate, "discount": discount}


def test_one_rounding_per_rate_not_per_line():
    # Per line: floor(105 × 0.1) = 10 three times = 30. Per document: floor(315 × 0.1) = 31.
    totals = tax.compute([L(1, 105), L(1, 105), L(1, 105)])
    assert (totals.subtotal, totals.tax, totals.total) == (315, 31, 346)


def test_mixed_rates_are_summed_and_rounded_separately():
    # 10%: 1,999 + 3 × 333 = 2,998 → floor(299.8) = 299; 8%: 2 × 1,235 = 2,470 → floor(197.6) = 197.
    # Rounding per line would give 199 + 99 + 197 = 495, not 496.
    totals = tax.compute([L(1, 1999), L(3, 333), L(2, 1235, "8")])
    ten, eight = totals.rate("10"), totals.rate("8")
    assert (ten.taxable, ten.tax) == (2998, 299)
    assert (eight.taxable, eight.tax) == (2470, 197)
    assert (totals.subtotal, totals.tax, totals.total) == (5468, 496, 5964)


def test_document_discount_is_shared_per_rate_and_adds_up():
    # 10%: 10,000; 8%: 5,000; discount 1,000 → 667 / 333 (the yen left over goes to the larger remainder)
    totals = tax.compute([L(1, 10000), L(1, 5000, "8")], discount=1000)
    ten, eight = totals.rate("10"), totals.rate("8")
    assert (ten.discount, eight.discount) == (667, 333)
    assert (ten.taxable, ten.tax) == (9333, 933)
    assert (eight.taxable, eight.tax) == (4667, 373)
    assert totals.subtotal == 14000 and totals.tax == 1306 and totals.total == 15306


def test_line_discount_and_fractional_quantity():
    # 2.5 × 333 = 832.5 → 832 (yen fraction cut), less 32 = 800; tax 80
    totals = tax.compute([L("2.5", 333, discount=32)])
    assert (totals.subtotal, totals.tax) == (800, 80)


def test_exempt_lines_carry_no_tax_and_share_the_discount():
    totals = tax.compute([L(1, 9000), L(1, 1000, "0")], discount=100)
    assert [r.rate for r in totals.rates] == ["10", "0"]
    assert totals.rate("10").discount == 90 and totals.rate("0").discount == 10
    assert totals.rate("10").tax == 891 and totals.rate("0").tax == 0
    assert totals.total == 8910 + 891 + 990


def test_allocate_always_adds_up():
    for discount in (1, 2, 7, 999, 1001):
        shares = tax.allocate(discount, {"10": 3333, "8": 3333, "0": 3334})
        assert sum(shares.values()) == discount


@pytest.mark.parametrize(
    "number",
    [
        "T7000012050002",  # 国税庁
        "T1180301018771",  # トヨタ自動車株式会社
        "T7010001008844",  # 株式会社日立製作所
        "T5010401067252",  # ソニーグループ株式会社
    ],
)
def test_real_registration_numbers_pass(number):
    assert tax.normalize_registration_number(number) == number


def test_registration_number_is_normalized():
    assert tax.normalize_registration_number("ｔ７０００－０１２０－５０００２") == "T7000012050002"
    assert tax.normalize_registration_number(" T 7000 0120 50002 ") == "T7000012050002"
    assert tax.normalize_registration_number("") == ""


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("T7000012050003", "チェックディジット"),  # last digit changed
        ("T8000012050002", "チェックディジット"),  # check digit changed
        ("T1180301018717", "チェックディジット"),  # two digits swapped
        ("7000012050002", "「T」と13桁"),  # the T is part of the number
        ("T700001205000", "「T」と13桁"),  # 12 digits
        ("X7000012050002", "「T」と13桁"),
    ],
)
def test_wrong_registration_numbers_are_refused_with_the_reason(number, reason):
    with pytest.raises(ValueError, match=reason):
        tax.normalize_registration_number(number)
    assert not tax.is_valid_registration_number(number)
