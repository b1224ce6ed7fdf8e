"""Duplicate matching rules for people and companies: blocking keys and pair scores.

Pure functions over small normalized records, so the full scan, the create-time warning and the
benchmarks all judge pairs the same way. The evidence rules follow the GUIDE: a mobile number or a
personal e-mail follows a person across a job change; a shared office number proves little; name and
reading are one piece of evidence; the same name at the same company with different mobiles or
e-mails is usually a different person; 株式会社X and 有限会社X are different companies.
"""

from dataclasses import dataclass, field

from rapidfuzz.distance import Indel

# Mailboxes shared by a team prove nothing about who a person is.
_ROLE_MAILBOXES = frozenset(
    ["info", "sales", "support", "contact", "office", "admin", "eigyo", "soumu", "jimu", "hanbai", "webmaster",
     "inquiry", "toiawase", "mail"]
)  # fmt: skip
# Reasons that prove two records are different: clusters never join records with one of these between them.
DIFFERENT_BIRTHDAYS = "誕生日が違う"
DIFFERENT_CONTACTS = "連絡先が違う（同姓同名の別人の可能性）"
DIFFERENT_NUMBERS = "法人番号が違う"
DIFFERENT_FORMS = "法人格が違う"
CANNOT_LINK = frozenset({DIFFERENT_BIRTHDAYS, DIFFERENT_CONTACTS, DIFFERENT_NUMBERS, DIFFERENT_FORMS})
MAX_BLOCK = 60  # a key shared by more records than this is too common to be evidence (e.g. a 代表電話)


@dataclass(slots=True)
class PersonFacts:
    id: int
    label: str = ""
    external_id: str = ""
    name: str = ""  # japanese.search_text of family + given name
    reading: str = ""  # japanese.reading_key of the reading (hiragana)
    company: str = ""  # japanese.company_key of the current company
    postcode: str = ""  # 7 digits
    birthday: str = ""  # ISO date
    mobiles: set = field(default_factory=set)  # national digits
    phones: set = field(default_factory=set)  # office and other numbers, national digits
    emails: set = field(default_factory=set)  # folded addresses


@dataclass(slots=True)
class CompanyFacts:
    id: int
    label: str = ""
    external_id: str = ""
    key: str = ""  # japanese.company_key (legal form stripped)
    legal_form: str = ""
    reading: str = ""
    corporate_number: str = ""
    phone: str = ""
    postcode: str = ""
    prefecture: str = ""


def _ratio(a: str, b: str) -> float:
    return Indel.normalized_similarity(a, b) if a and b else 0.0


def _is_kana(text: str) -> bool:
    return bool(text) and all("\u3041" <= ch <= "\u309f" or ch == "ー" for ch in text)


def personal_emails(emails) -> set:
    return {e for e in emails if e.split("@", 1)[0] not in _ROLE_MAILBOXES}


# --- people ---------------------------------------------------------------------------------------


def person_keys(p: PersonFacts):
    """Blocking keys: two records are only compared when they share one (never all pairs)."""
    for number in p.mobiles:
        yield ("m", number)
    for email in personal_emails(p.emails):
        yield ("e", email)
    names = {n for n in (p.name, p.reading) if n}
    if _is_kana(p.name):
        names.add(p.name)  # a name typed in kana meets the other record's reading
    for name in names:
        if p.company:
            yield ("nc", name, p.company)
        if p.postcode:
            yield ("np", name, p.postcode)
        if p.birthday:
            yield ("nb", name, p.birthday)
        for number in p.phones:
            yield ("no", name, number)
    if p.company and p.reading:
        yield ("cr", p.company, p.reading[:3])  # typos in the kanji, same reading start, same company


def _name_level(a: PersonFacts, b: PersonFacts) -> tuple[int, str]:
    """2 = the same name (or a kana name equal to the other's reading), 1 = a near spelling, 0 = different."""
    if a.name and a.name == b.name:
        return 2, "同じ氏名"
    if (a.reading and a.reading == b.name) or (b.reading and b.reading == a.name):
        return 2, "同じ読み"
    name_sim = _ratio(a.name, b.name)
    if a.reading and a.reading == b.reading and name_sim >= 0.6:  # 渡辺健/渡部健, not 佐藤真綾/佐藤春香 read さとう
        return 2, "同じ読み"
    if name_sim >= 0.85 or (_ratio(a.reading, b.reading) >= 0.9 and name_sim >= 0.5):
        return 1, "よく似た氏名"
    return 0, ""


def score_people(a: PersonFacts, b: PersonFacts) -> tuple[float, list[str]]:
    """Probability-like score in [0, 1] and the reasons a person would check."""
    if a.birthday and b.birthday and a.birthday != b.birthday:
        return 0.0, [DIFFERENT_BIRTHDAYS]
    level, name_reason = _name_level(a, b)
    reasons = [name_reason] if name_reason else []
    shared_mobile = bool(a.mobiles & b.mobiles)
    shared_email = bool(personal_emails(a.emails) & personal_emails(b.emails))
    same_company = bool(a.company) and a.company == b.company
    conflict = bool(a.mobiles and b.mobiles and not a.mobiles & b.mobiles) or bool(
        same_company and a.emails and b.emails and not a.emails & b.emails
    )
    if shared_mobile:
        reasons.append("同じ携帯電話")
    if shared_email:
        reasons.append("同じメール")
    if shared_mobile or shared_email:
        if level == 2:
            return (0.99 if a.company == b.company or not (a.company and b.company) else 0.97), reasons + (
                [] if same_company or not (a.company and b.company) else ["転職・異動の可能性"]
            )
        return (0.93 if level == 1 else 0.5), reasons
    if level == 0:
        return 0.0, reasons
    if conflict:
        return 0.2, [*reasons, DIFFERENT_CONTACTS]
    same_office = bool(a.phones & b.phones)
    same_birthday = bool(a.birthday) and a.birthday == b.birthday
    same_postcode = bool(a.postcode) and a.postcode == b.postcode
    reasons += [r for ok, r in ((same_company, "同じ会社"), (same_office, "同じ会社電話"),
                                (same_birthday, "同じ誕生日"), (same_postcode, "同じ郵便番号")) if ok]  # fmt: skip
    if level == 2:
        if same_birthday:
            return 0.97, reasons
        if same_company:
            return (0.96 if same_office or same_postcode else 0.95), reasons
        if same_office:
            return 0.93, reasons
        if same_postcode:
            return 0.9, reasons
        return 0.4, reasons
    if same_company and (same_office or same_postcode or same_birthday):
        return 0.9, reasons
    return (0.8 if same_company else 0.2), reasons


# --- companies ------------------------------------------------------------------------------------


def company_keys(c: CompanyFacts):
    if c.corporate_number:
        yield ("cn", c.corporate_number)
    if c.key:
        yield ("k", c.key)
    if c.phone:
        yield ("p", c.phone)
    if c.reading:
        yield ("r", c.reading)
    if c.postcode and c.key:
        yield ("pk", c.postcode, c.key[:2])


def score_companies(a: CompanyFacts, b: CompanyFacts) -> tuple[float, list[str]]:
    if a.corporate_number and b.corporate_number:
        if a.corporate_number == b.corporate_number:
            return 1.0, ["同じ法人番号"]
        return 0.0, [DIFFERENT_NUMBERS]
    if a.legal_form and b.legal_form and a.legal_form != b.legal_form:
        return 0.1, [DIFFERENT_FORMS]  # 株式会社X and 有限会社X are different companies
    same_name = bool(a.key) and a.key == b.key
    near_name = same_name or _ratio(a.key, b.key) >= 0.9 or (bool(a.reading) and a.reading == b.reading)
    same_phone = bool(a.phone) and a.phone == b.phone
    same_postcode = bool(a.postcode) and a.postcode == b.postcode
    other_place = bool(a.prefecture and b.prefecture and a.prefecture != b.prefecture)
    reasons = [r for ok, r in ((same_name, "同じ会社名"), (near_name and not same_name, "よく似た会社名"),
                               (same_phone, "同じ代表電話"), (same_postcode, "同じ郵便番号"),
                               (other_place, "所在地の都道府県が違う")) if ok]  # fmt: skip
    if same_name:
        if same_phone or same_postcode:
            return 0.99, reasons
        return (0.6 if other_place else 0.92), reasons
    if near_name and (same_phone or same_postcode):
        return 0.9, reasons
    return (0.3 if same_phone else 0.0), reasons
