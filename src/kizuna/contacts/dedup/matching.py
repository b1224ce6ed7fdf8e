"""Duplicate matching for people and companies: blocking keys, comparison vectors, hard rules, pair scores.

Pure functions over small normalized records, so the full scan, the warning before saving, the import planner
and the benchmarks all judge pairs the same way. Each pair is compared field by field into the levels of
`PERSON_COMPARISONS` / `COMPANY_COMPARISONS`; linkage.py turns the levels into a calibrated probability
(Fellegi–Sunter, with term-frequency weights). Fields that describe one fact are one comparison, so a fact is
counted once: name and reading are one name; company, office phone, address and postcode describe one
workplace (a job change changes them all at once, and colleagues share them all).

What must not be outweighed by any sum of evidence stays a rule (`_person_rule`, `_company_rule`): different
birthdays; the same company with different mobiles or personal e-mails and nothing personal shared (a namesake
colleague); different 法人番号; 株式会社X and 有限会社X.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_noop as N_
from rapidfuzz.distance import Indel

from .linkage import NULL, Comparison, Frequencies, Level, Model, Scorer, shipped

# Mailboxes shared by a team prove nothing about who a person is.
_ROLE_MAILBOXES = frozenset(
    ["info", "sales", "support", "contact", "office", "admin", "eigyo", "soumu", "jimu", "hanbai", "webmaster",
     "inquiry", "toiawase", "mail"]
)  # fmt: skip
# Reasons that prove two records are different: clusters never join records with one of these between them.
DIFFERENT_BIRTHDAYS = N_("誕生日が違う")
DIFFERENT_CONTACTS = N_("連絡先が違う（同姓同名の別人の可能性）")
DIFFERENT_NUMBERS = N_("法人番号が違う")
DIFFERENT_FORMS = N_("法人格が違う")
CANNOT_LINK = frozenset({DIFFERENT_BIRTHDAYS, DIFFERENT_CONTACTS, DIFFERENT_NUMBERS, DIFFERENT_FORMS})
JOB_CHANGE = N_("転職・異動の可能性")
MAX_BLOCK = 60  # a key shared by more records than this is too common to be evidence (e.g. a 代表電話)
NAMESAKE_CAP = 0.2  # the most a pair under DIFFERENT_CONTACTS can score
FORMS_CAP = 0.1


@dataclass(slots=True)
class PersonFacts:
    id: int
    label: str = ""
    external_id: str = ""
    name: str = ""  # japanese.search_text of family + given name
    reading: str = ""  # japanese.reading_key of the reading (hiragana)
    company: str = ""  # japanese.company_key of the current company
    company_form: str = ""  # its legal form: 株式会社X and 有限会社X are one key, two companies
    department: str = ""  # japanese.search_text of the current department
    postcode: str = ""  # 7 digits
    address: str = ""  # japanese.search_text of city + street
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


def _shared(a, b) -> str:
    both = a & b
    return min(both) if both else ""


# --- people ---------------------------------------------------------------------------------------

PERSON_COMPARISONS = (
    Comparison("name", (
        Level("exact", N_("同じ氏名"), tf="name", common_reason=N_("よくある氏名")),
        Level("reading", N_("同じ読み"), tf="reading", common_reason=N_("よくある読み")),
        Level("similar", N_("よく似た氏名")),
        Level("different", N_("氏名が違う")),
    )),
    Comparison("workplace", (
        Level("company", N_("同じ会社"), tf="company", common_reason=N_("同じ会社（大きな会社）")),
        Level("phone", N_("同じ会社電話"), tf="phone", common_reason=N_("共有の会社電話")),
        Level("address", N_("同じ住所"), tf="address", common_reason=N_("多くの会社がある住所")),
        Level("postcode", N_("同じ郵便番号"), tf="postcode", common_reason=N_("多くの会社がある郵便番号")),
        Level("different", N_("会社が違う")),
    )),
    Comparison("department", (Level("same", N_("同じ部署")), Level("different", N_("部署が違う")))),
    Comparison("mobile", (Level("same", N_("同じ携帯電話"), tf="mobile", common_reason=N_("共有の携帯電話")),
                          Level("different", N_("携帯電話が違う")))),
    Comparison("email", (Level("same", N_("同じメール"), tf="email", common_reason=N_("共有のメール")),
                         Level("different", N_("メールが違う")))),
    Comparison("birthday", (Level("same", N_("同じ誕生日")), Level("different", DIFFERENT_BIRTHDAYS))),
)  # fmt: skip
_WORKPLACE, _DEPARTMENT, _MOBILE, _EMAIL, _BIRTHDAY = 1, 2, 3, 4, 5
_NONE = (NULL, "")


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
    if p.company and len(p.name) >= 4 and not _is_kana(p.name):
        yield ("cf", p.company, p.name[:2])  # a slip in the given name (森田和也/森田和哉), same company


def person_frequencies(records) -> Frequencies:
    """How many of `records` hold each name, reading, company, number, address and postcode."""
    freq = Frequencies()
    for p in records:
        freq.records += 1
        # A name is common when many people carry it, not when one person was entered five times: its
        # holders are counted once per workplace (a record without one may be any of them: it adds none).
        place = workplace_key(p)
        freq.add_holder("name", p.name, place)
        freq.add_holder("reading", p.reading if p.reading != p.name else "", place)
        if _is_kana(p.name):
            freq.add_holder("reading", p.name, place)
        freq.add("company", p.company)
        freq.add("address", p.address)
        freq.add("postcode", p.postcode)
        holder = p.name or p.reading
        for number in p.phones:
            freq.add_holder("phone", number, holder)
        for number in p.mobiles:
            freq.add_holder("mobile", number, holder)
        for email in personal_emails(p.emails):
            freq.add_holder("email", email, holder)
    return freq


def workplace_key(p: PersonFacts) -> str | None:
    """Where a person works, for counting the holders of a name: the company, else the postcode, else None."""
    if p.company:
        return f"c{p.company_form}{p.company}"
    return f"p{p.postcode}" if p.postcode else None


def _name_level(a, b) -> tuple[int, str]:
    if not (a.name and b.name):
        return _NONE
    if a.name == b.name:
        return 0, a.name
    if a.reading and a.reading == b.name:
        return 1, b.name  # a name typed in kana is the other record's reading
    if b.reading and b.reading == a.name:
        return 1, a.name
    if _unknown_reading(a, b) or _unknown_reading(b, a):
        return _NONE  # おおきしげる and 大木茂 without a reading: nothing says whether they are one name
    name_sim = _ratio(a.name, b.name)
    if a.reading and a.reading == b.reading and name_sim >= 0.6:  # 渡辺健/渡部健, not 佐藤真綾/佐藤春香 read さとう
        return 1, a.reading
    if _ratio(a.reading, b.reading) >= 0.9 and name_sim >= 0.5:
        return 2, ""
    if a.reading and b.reading and not (_is_kana(a.name) or _is_kana(b.name)):
        return 3, ""  # 佐藤健一/佐藤健二 read けんいち and けんじ: two given names, not a slip of the pen
    if name_sim >= 0.85 or _one_slip(a.name, b.name):
        return 2, ""
    return 3, ""


def _unknown_reading(a, b) -> bool:
    """`a` is written in kana only and `b` in kanji without a reading: the two cannot be compared."""
    return _is_kana(a.name) and not b.reading and not _is_kana(b.name)


def _one_slip(a: str, b: str) -> bool:
    """One character typed differently in a name of four or more (小川知子/小川智子, 森田和也/森田和哉). In a
    three-character name one slip is often the whole given name (佐藤健/佐藤誠): another person."""
    return len(a) == len(b) >= 4 and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _workplace_level(a: PersonFacts, b: PersonFacts) -> tuple[int, str]:
    if a.company and a.company == b.company and _same_form(a.company_form, b.company_form):
        return 0, a.company
    phone = _shared(a.phones, b.phones)
    if phone:
        return 1, phone
    if a.company and b.company:
        return 4, ""  # two named companies in one building or postcode are two workplaces
    if a.address and a.address == b.address:
        return 2, a.address
    if a.postcode and a.postcode == b.postcode:
        return 3, a.postcode
    if (a.company or a.phones or a.address or a.postcode) and (b.company or b.phones or b.address or b.postcode):
        return 4, ""
    return _NONE


def _same_form(a: str, b: str) -> bool:
    """One company unless both names carry a legal form and the forms differ (an export may drop 株式会社)."""
    return not (a and b) or a == b


def _pair(a: set, b: set) -> tuple[int, str]:
    if not (a and b):
        return _NONE
    shared = _shared(a, b)
    return (0, shared) if shared else (1, "")


def compare_people(a: PersonFacts, b: PersonFacts) -> tuple:
    """The comparison vector of two people: (level, shared value) per PERSON_COMPARISONS entry."""
    workplace = _workplace_level(a, b)
    if workplace[0] == 0 and a.department and b.department:
        department = (0, "") if a.department == b.department else (1, "")
    else:
        department = _NONE  # a department says something only inside one company
    birthday = ((0, "") if a.birthday == b.birthday else (1, "")) if a.birthday and b.birthday else _NONE
    return (
        _name_level(a, b), workplace, department, _pair(a.mobiles, b.mobiles),
        _pair(personal_emails(a.emails), personal_emails(b.emails)), birthday,
    )  # fmt: skip


def _domains(emails) -> set:
    return {e.rsplit("@", 1)[-1] for e in emails}


def person_rule(a: PersonFacts, b: PersonFacts, vector) -> tuple[float, str] | None:
    """(the most the pair may score, the reason) when knowledge outranks the evidence, else None."""
    if vector[_BIRTHDAY][0] == 1:
        return 0.0, DIFFERENT_BIRTHDAYS
    mobile, email = vector[_MOBILE][0], vector[_EMAIL][0]
    if vector[_WORKPLACE][0] != 0 or mobile == 0 or email == 0 or vector[_BIRTHDAY][0] == 0:
        return None
    # Colleagues with one name: each has a mobile or a mailbox at the company's domain of their own. A new
    # mailbox in the same department is someone whose address changed (a merger, a new domain policy).
    if mobile == 1:
        return NAMESAKE_CAP, DIFFERENT_CONTACTS
    if (
        email == 1
        and vector[_DEPARTMENT][0] != 0
        and _domains(personal_emails(a.emails)) & _domains(personal_emails(b.emails))
    ):
        return NAMESAKE_CAP, DIFFERENT_CONTACTS
    return None


# --- companies ------------------------------------------------------------------------------------

COMPANY_COMPARISONS = (
    Comparison("name", (
        Level("exact", N_("同じ会社名"), tf="name", common_reason=N_("よくある会社名")),
        Level("reading", N_("同じ読みの会社名"), tf="reading"),
        Level("similar", N_("よく似た会社名")),
        Level("different", N_("会社名が違う")),
    )),
    Comparison("phone", (Level("same", N_("同じ代表電話"), tf="phone", common_reason=N_("共有の代表電話")),
                         Level("different", N_("代表電話が違う")))),
    Comparison("place", (
        Level("postcode", N_("同じ郵便番号"), tf="postcode", common_reason=N_("多くの会社がある郵便番号")),
        Level("region", ""),
        Level("different", N_("所在地の都道府県が違う")),
    )),
)  # fmt: skip


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


def company_frequencies(records) -> Frequencies:
    freq = Frequencies()
    for c in records:
        freq.records += 1
        freq.add("name", c.key)
        freq.add("reading", c.reading)
        freq.add("phone", c.phone)
        freq.add("postcode", c.postcode)
    return freq


def compare_companies(a: CompanyFacts, b: CompanyFacts) -> tuple:
    if not (a.key and b.key):
        name = _NONE
    elif a.key == b.key:
        name = (0, a.key)
    elif a.reading and a.reading == b.reading:
        name = (1, a.reading)
    else:
        name = (2, "") if _ratio(a.key, b.key) >= 0.9 else (3, "")
    phone = ((0, a.phone) if a.phone == b.phone else (1, "")) if a.phone and b.phone else _NONE
    if a.postcode and a.postcode == b.postcode:
        place = (0, a.postcode)
    elif a.prefecture and b.prefecture and a.prefecture != b.prefecture:
        place = (2, "")
    elif (a.postcode or a.prefecture) and (b.postcode or b.prefecture):
        place = (1, "")
    else:
        place = _NONE
    return name, phone, place


def company_rule(a: CompanyFacts, b: CompanyFacts, vector) -> tuple[float, str] | None:
    if a.corporate_number and b.corporate_number:
        return (1.0, N_("同じ法人番号")) if a.corporate_number == b.corporate_number else (0.0, DIFFERENT_NUMBERS)
    if a.legal_form and b.legal_form and a.legal_form != b.legal_form:
        return FORMS_CAP, DIFFERENT_FORMS  # 株式会社X and 有限会社X are different companies
    return None


# --- scoring --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """What the scan needs to know about one kind of record."""

    name: str
    comparisons: tuple
    keys: object
    compare: object
    rule: object
    frequencies: object
    identified: object = None  # comparison vector -> whether the two share a personal identifier
    names_differ: object = None  # comparison vector -> whether the two names are known to differ


def _person_identified(vector) -> bool:
    return vector[_MOBILE][0] == 0 or vector[_EMAIL][0] == 0


def _names_differ(vector) -> bool:
    return vector[0][0] == 3  # name is the first comparison of both kinds; "different" its last level


PEOPLE = Kind("person", PERSON_COMPARISONS, person_keys, compare_people, person_rule, person_frequencies,
              _person_identified, _names_differ)  # fmt: skip
COMPANIES = Kind("company", COMPANY_COMPARISONS, company_keys, compare_companies, company_rule, company_frequencies,
                 lambda vector: False, _names_differ)  # fmt: skip
KINDS = {PEOPLE.name: PEOPLE, COMPANIES.name: COMPANIES}
_default_scorers: dict[str, Scorer] = {}


def scorer_for(kind: str, model: Model | None = None, freq: Frequencies | None = None) -> Scorer:
    """A scorer of `model` (the shipped priors when None) on the data `freq` describes."""
    if model is None and freq is None:
        if kind not in _default_scorers:
            _default_scorers[kind] = Scorer(shipped(kind), KINDS[kind].comparisons)
        return _default_scorers[kind]
    return Scorer(model or shipped(kind), KINDS[kind].comparisons, freq)


def judge(kind: Kind, scorer: Scorer, a, b, *, explain: bool = True) -> tuple[float, list[str]]:
    """(probability, reasons) of one pair: the model's evidence, then the rules that outrank it."""
    vector = kind.compare(a, b)
    rule = kind.rule(a, b, vector)
    if rule is not None and rule[0] in (0.0, 1.0):
        return rule[0], [rule[1]]
    value, reasons = scorer.score(vector, explain=explain)
    if rule is not None:
        return min(value, rule[0]), [*reasons, rule[1]]
    personal = kind is PEOPLE and (vector[_MOBILE][0] == 0 or vector[_EMAIL][0] == 0)
    if explain and personal and vector[_WORKPLACE][0] == 4 and a.company and b.company:
        reasons.append(JOB_CHANGE)
    return value, reasons


def score_people(a: PersonFacts, b: PersonFacts, scorer: Scorer | None = None) -> tuple[float, list[str]]:
    """Probability that two people are one, and the reasons with their weights."""
    return judge(PEOPLE, scorer or scorer_for(PEOPLE.name), a, b)


def score_companies(a: CompanyFacts, b: CompanyFacts, scorer: Scorer | None = None) -> tuple[float, list[str]]:
    return judge(COMPANIES, scorer or scorer_for(COMPANIES.name), a, b)
