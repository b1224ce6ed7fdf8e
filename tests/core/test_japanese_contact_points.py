"""core.japanese reads phones and e-mails the way real Japanese data needs: a possible number the numbering-plan
metadata does not list is a number (要確認), and RFC 6531 addresses (UTF-8 local parts, IDN domains) are addresses."""

import pytest

from kizuna.core import japanese

# Right length and area code, yet not valid in the phonenumbers metadata (it lags real allocations).
OFF_PLAN = [
    ("011-454-3928", "0114543928", "011-454-3928", "+81114543928"),
    ("076-1112-5095", "07611125095", "076-1112-5095", "+817611125095"),
    ("０７６－１１１２－５０９５", "07611125095", "076-1112-5095", "+817611125095"),
    ("+81 76-1112-5095", "07611125095", "076-1112-5095", "+817611125095"),
    ("011-1234-5678", "01112345678", "011-1234-5678", "+811112345678"),  # phonenumbers formats it without hyphens
]


@pytest.mark.parametrize(("text", "digits", "national", "e164"), OFF_PLAN)
def test_a_possible_number_outside_the_plan_is_kept_normalized_and_marked(text, digits, national, e164):
    phone = japanese.parse_phone(text)
    assert phone.valid and not phone.in_plan and phone.needs_review
    assert phone.review_reason == japanese.NOT_IN_PLAN
    assert (phone.digits, phone.national, phone.e164) == (digits, national, e164)
    assert japanese.parse_phone(phone.national).e164 == phone.e164  # the stored form reads back the same


def test_the_extension_is_kept_apart_from_an_off_plan_number():
    phone = japanese.parse_phone("076-1112-5095 内線253")
    assert (phone.valid, phone.needs_review, phone.number, phone.extension) == (True, True, "076-1112-5095", "253")


def test_a_number_in_the_plan_needs_no_review():
    phone = japanese.parse_phone("03-1234-5678")
    assert phone.valid and phone.in_plan and not phone.needs_review and phone.review_reason == ""
    assert (phone.digits, phone.national) == ("0312345678", "03-1234-5678")


@pytest.mark.parametrize("text", ["03-12", "12345", "不明", "2024/04/01", "03-1234-567", "0312345678901", "内線253",
                                  "010-1234-5678", "00312345678"])  # fmt: skip
def test_text_that_is_no_number_is_not_a_phone(text):
    phone = japanese.parse_phone(text)
    assert not phone.valid and not phone.needs_review and phone.e164 == ""
    assert phone.review_reason == japanese.NOT_A_PHONE


def test_a_number_abroad_keeps_its_country_in_the_national_form():
    phone = japanese.parse_phone("+1 650-253-0000")
    assert phone.valid and phone.e164 == "+16502530000"
    assert japanese.parse_phone(phone.national).e164 == phone.e164


@pytest.mark.parametrize(
    ("text", "normalized", "punycode"),
    [
        ("イワサキ37@新星.example.co.jp", "イワサキ37@新星.example.co.jp", "イワサキ37@xn--efvpj.example.co.jp"),
        ("iwasaki37@xn--efvpj.example.co.jp", "iwasaki37@新星.example.co.jp", "iwasaki37@xn--efvpj.example.co.jp"),
        ("ＴＡＮＡＫＡ@新星。Example。co。jp", "tanaka@新星.example.co.jp", "tanaka@xn--efvpj.example.co.jp"),
        ("Ichiro@Example.CO.JP", "ichiro@example.co.jp", "ichiro@example.co.jp"),
    ],
)
def test_rfc_6531_addresses_are_valid_with_unicode_and_punycode_forms(text, normalized, punycode):
    email = japanese.parse_email(text)
    assert email.valid and japanese.is_valid_email(text)
    assert (email.normalized, email.punycode) == (normalized, punycode)
    assert japanese.normalize_email(text) == normalized


def test_the_punycode_and_the_unicode_spelling_of_an_address_are_one_key():
    assert japanese.normalize_email("イワサキ37@xn--efvpj.example.co.jp") == japanese.normalize_email(
        "イワサキ37@新星.example.co.jp"
    )


@pytest.mark.parametrize("text", ["tanaka@", "@example.jp", "a..b@example.jp", ".a@example.jp", "a@b", "a@-b.jp",
                                  "a b@example.jp", "a@xn--zz.com", "a@例え..jp", '"q"@example.jp', "a@ex_ample.jp",
                                  "x" * 65 + "@example.jp"])  # fmt: skip
def test_text_that_is_no_address_is_not_valid(text):
    assert not japanese.is_valid_email(text)
    assert japanese.normalize_email(text) == japanese.nfkc(text).strip().lower()


def test_addresses_are_found_in_running_text():
    text = "E-mail: イワサキ37@新星.example.co.jp。TEL 03-1234-5678 / tanaka@example.jp, x@y"
    assert japanese.find_emails(text) == ["イワサキ37@新星.example.co.jp", "tanaka@example.jp"]
