"""Japanese normalization: the one package that folds names, readings, phones, e-mails, postcodes,
corporate numbers and dates into forms for matching and search.

Stored values stay as entered; these functions produce the normalized columns beside them.
Everything here is pure and fast (it runs for every row of a large import). Callers import this package
(`from kizuna.core import japanese`); the files inside are its sections:

- text: characters, kana, the search and reading keys
- companies: legal forms, the company key, branch/site suffixes
- names: honorifics, family/given name splitting
- contact: phone numbers and e-mail addresses
- places: postcodes, 法人番号, prefectures, addresses
- dates: 西暦/和暦 and relative dates (来週金曜)
"""

from .companies import company_key, legal_form, split_site
from .contact import (
    EMAIL_IN_TEXT,
    NOT_A_PHONE,
    NOT_AN_EMAIL,
    NOT_IN_PLAN,
    Email,
    Phone,
    find_emails,
    is_valid_email,
    normalize_email,
    parse_email,
    parse_phone,
    phone_digits,
    username_key,
)
from .dates import parse_japanese_date, parse_relative_date
from .names import split_full_name, strip_honorific
from .places import (
    PREFECTURES,
    Postcode,
    address_for_postcode,
    corporate_number_check_digit,
    normalize_corporate_number,
    normalize_postcode,
    normalize_prefecture,
    split_prefecture,
)
from .text import collapse_spaces, fold_kanji, nfkc, reading_key, search_text, to_hiragana

__all__ = [
    "EMAIL_IN_TEXT", "NOT_AN_EMAIL", "NOT_A_PHONE", "NOT_IN_PLAN", "PREFECTURES", "Email", "Phone", "Postcode",
    "address_for_postcode", "collapse_spaces", "company_key", "corporate_number_check_digit", "find_emails",
    "fold_kanji", "is_valid_email", "legal_form", "nfkc", "normalize_corporate_number", "normalize_email",
    "normalize_postcode", "normalize_prefecture", "parse_email", "parse_japanese_date", "parse_phone",
    "parse_relative_date", "phone_digits", "reading_key", "search_text", "split_full_name", "split_prefecture",
    "split_site", "strip_honorific", "to_hiragana", "username_key",
]  # fmt: skip
