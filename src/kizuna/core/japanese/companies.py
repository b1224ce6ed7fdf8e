"""Company names: legal forms (株式会社, (株), ...), the matching key, and branch/site suffixes."""

import re
from functools import lru_cache

from .places import PREFECTURES
from .text import collapse_spaces, nfkc, search_text

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
