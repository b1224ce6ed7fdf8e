"""Contact points: phone numbers (Japan's numbering plan) and e-mail addresses (IDN, full-width)."""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from .text import nfkc

# Why a kept value needs a person's look (stored on the contact point or the unparsed entry). The labels people
# read live with the model (contacts.ContactPoint.ReviewReason); these are the stored codes.
NOT_IN_PLAN = "not_in_plan"  # a possible number the numbering-plan metadata does not list (it lags real allocations)
NOT_A_PHONE = "not_a_phone"  # no phone number could be read: the text is kept as entered
NOT_AN_EMAIL = "not_an_email"  # no e-mail address could be read: the text is kept as entered

_EXTENSION = re.compile(
    r"\s*[;,]?\s*\(?\s*(?:内線|\(内\)|内|ext\.?|extension|x|#)\s*[:：=]?\s*(\d{1,6})\s*\)?\s*$", re.I
)
_MOBILE_PREFIXES = ("070", "080", "090")
_GROUPS = re.compile(r"[0-9]+")
_THREE_FOUR_FOUR = re.compile(r"0[2-9]0\d{8}")  # 050/070/080/090 and 020 numbers: 0X0-XXXX-XXXX


@dataclass(frozen=True)
class Phone:
    """A phone number as read from what someone wrote.

    `valid` means "a phone number we keep": valid in phonenumbers' numbering-plan metadata (`in_plan`), or
    possible (right length, plausible Japanese prefix) without being listed there — the metadata lags real
    allocations, so such a number is kept and `needs_review` says so (`review_reason` = NOT_IN_PLAN). When
    `valid` is false the text is not a phone number at all (`review_reason` = NOT_A_PHONE) and callers keep it
    as entered instead."""

    raw: str
    digits: str  # national digits only, e.g. 0312345678 (as written when not a phone)
    e164: str  # +81312345678, "" when not a phone
    national: str  # 03-1234-5678 (hyphens where they can be derived); +1 650-253-0000 for a number abroad
    extension: str  # 内線
    number: str  # the number as written, without the extension part
    valid: bool
    is_mobile: bool
    in_plan: bool = False
    review_reason: str = ""

    @property
    def needs_review(self) -> bool:
        return self.valid and not self.in_plan


def _national_digits(number) -> str:
    return "0" + phonenumbers.national_significant_number(number)


def _plausible(number) -> bool:
    """Possible per phonenumbers and, for Japan, 10 or 11 national digits after the trunk 0 (0AB-CDE-FGHJ fixed
    lines, 0X0 mobiles and IP phones, 0120/0800 free dial), not starting 00 or 010 (international call prefixes);
    anything else is not a number one can call."""
    if not phonenumbers.is_possible_number(number):
        return False
    if number.country_code != 81:
        return True
    national = _national_digits(number)
    return len(national) in (10, 11) and not national.startswith(("00", "010"))


def _grouped(number, national: str, text: str, international: bool) -> str:
    """A national format with hyphens: phonenumbers' own when it has one, else the grouping as written, else
    0X0-XXXX-XXXX for an 11-digit mobile/IP shape, else the bare digits."""
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if "-" in formatted and re.sub(r"\D", "", formatted) == national:
        return formatted
    groups = _GROUPS.findall(text)
    if international and groups and groups[0] == "81":
        groups = groups[1:]
        if groups and not groups[0].startswith("0"):
            groups[0] = "0" + groups[0]
    if len(groups) > 1 and "".join(groups) == national:
        return "-".join(groups)
    if _THREE_FOUR_FOUR.fullmatch(national):
        return f"{national[:3]}-{national[3:7]}-{national[7:]}"
    return national


@lru_cache(maxsize=65536)
def parse_phone(value: str) -> Phone:
    text = nfkc(value).strip()
    extension = ""
    if match := _EXTENSION.search(text):
        extension, text = match.group(1), text[: match.start()]
    digits = re.sub(r"\D", "", text)
    international = text.lstrip().startswith("+")
    number_text = "+" + digits if international else digits
    try:
        number = phonenumbers.parse(number_text, "JP")
        in_plan = phonenumbers.is_valid_number(number)
        # Abroad, only a number written with its + is taken on trust (010… is Japan's international prefix).
        possible = in_plan or (_plausible(number) and (number.country_code == 81 or international))
    except phonenumbers.NumberParseException:
        number, in_plan, possible = None, False, False
    reason = "" if in_plan else NOT_IN_PLAN if possible else NOT_A_PHONE
    if possible:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if number.country_code != 81:  # abroad: the international format, which says which country
            digits = e164.lstrip("+")
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        elif in_plan:
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            digits = re.sub(r"\D", "", national)
        else:
            digits = _national_digits(number)
            national = _grouped(number, digits, text, international)
    else:
        e164, national = "", text
    return Phone(
        raw=value, digits=digits, e164=e164, national=national, extension=extension, number=text.strip(),
        valid=possible, is_mobile=digits.startswith(_MOBILE_PREFIXES), in_plan=in_plan, review_reason=reason,
    )  # fmt: skip


def phone_digits(value: str) -> str:
    """Digits of a search query or phone, for 'any 3+ digit run' matching."""
    return re.sub(r"\D", "", nfkc(value))


def username_key(value: str) -> str:
    """A login name as compared for sameness: ａｄｍｉｎ, Admin and admin are one name (NFKC, case-folded)."""
    return nfkc(nfkc(value).casefold()).strip()  # NFKC again: case folding can leave a string not in NFKC


# E-mail (RFC 5321 dot-atom, with RFC 6531's UTF-8): the local part may hold any non-ASCII letters
# (イワサキ37@...), the domain may be an IDN (新星.example.co.jp), kept in both its Unicode and its punycode
# (A-label) form. Quoted local parts and address literals ([192.0.2.1]) are not accepted.
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-")
_ASCII_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$")
_LABEL = re.compile(r"^(?:[a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])$")
_FULL_STOPS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # 。．｡ separate IDN labels too
# An address in running text (a card, a signature, a note), matched after NFKC: ASCII or UTF-8 on both sides;
# 。 ends it there (in a sentence it is a full stop, not an IDN label separator).
_ADDRESS_CHAR = r"[^\s@<>()\[\]\"',;:、。「」『』【】]"
EMAIL_IN_TEXT = re.compile(rf"{_ADDRESS_CHAR}+@{_ADDRESS_CHAR}+")


@dataclass(frozen=True)
class Email:
    raw: str
    valid: bool
    normalized: str  # the matching key: NFKC, lower case, the domain in Unicode (U-labels)
    punycode: str  # the same with the domain in punycode (A-labels); "" when not valid
    domain: str  # the domain in Unicode, "" when not valid


def _local_ok(local: str) -> bool:
    if not local or len(local.encode()) > 64 or local[0] == "." or local[-1] == "." or ".." in local:
        return False
    return all(ch in _ATEXT or ch == "." or (ord(ch) > 127 and unicodedata.category(ch)[0] not in "CZ")
               for ch in local)  # fmt: skip


def _idna_encode(domain: str) -> str:
    try:
        import idna
    except ImportError:  # the standard library's IDNA 2003 (nameprep): enough for the names people use
        return domain.encode("idna").decode("ascii")
    return idna.encode(domain, uts46=True).decode("ascii")


def _idna_decode(domain: str) -> str:
    try:
        import idna
    except ImportError:
        return domain.encode("ascii").decode("idna")
    return idna.decode(domain)


def _domain_forms(domain: str) -> tuple[str, str] | None:
    """(Unicode, punycode) forms of a lower-cased domain, or None when it is not a host name."""
    domain = domain.translate(_FULL_STOPS)
    if domain.isascii() and "xn--" not in domain:
        ok = _ASCII_DOMAIN.match(domain) and all(len(label) <= 63 for label in domain.split("."))
        return (domain, domain) if ok else None
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return None
    try:
        ascii_form = _idna_encode(domain).lower()
        unicode_form = _idna_decode(ascii_form)
    except (UnicodeError, ValueError):  # idna.IDNAError is a UnicodeError
        return None
    labels = ascii_form.split(".")
    if len(labels) < 2 or len(ascii_form) > 253 or not all(_LABEL.match(label) for label in labels):
        return None
    return unicode_form, ascii_form


@lru_cache(maxsize=65536)
def parse_email(value: str) -> Email:
    text = nfkc(value).strip().lower()
    local, at, domain = text.rpartition("@")
    forms = _domain_forms(domain) if at and _local_ok(local) else None
    if forms is None:
        return Email(raw=value, valid=False, normalized=text, punycode="", domain="")
    unicode_domain, ascii_domain = forms
    if len(local.encode()) + 1 + len(ascii_domain) > 254:
        return Email(raw=value, valid=False, normalized=text, punycode="", domain="")
    return Email(raw=value, valid=True, normalized=f"{local}@{unicode_domain}", punycode=f"{local}@{ascii_domain}",
                 domain=unicode_domain)  # fmt: skip


def normalize_email(value: str) -> str:
    """The matching key: NFKC, lower case, an IDN domain in its Unicode form (so the punycode and the Unicode
    spelling of one address meet); text that is not an address is only NFKC'd and lower-cased."""
    return parse_email(value).normalized


def is_valid_email(value: str) -> bool:
    return parse_email(value).valid


def find_emails(text: str) -> list[str]:
    """The addresses in running text (ASCII, UTF-8 local parts and IDN domains), in order, each once."""
    found = []
    for match in EMAIL_IN_TEXT.finditer(nfkc(text)):
        candidate = match.group().rstrip(".")
        if is_valid_email(candidate) and candidate not in found:
            found.append(candidate)
    return found
