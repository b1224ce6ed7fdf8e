"""Characters: NFKC, old kanji, kana, spaces, and the search and reading keys built from them."""

import re
import unicodedata
from functools import lru_cache

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
PUNCTUATION_REMOVED = str.maketrans("", "", _DASHES + "・･·.,，、。'’\"()（）[]［］「」『』【】")
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
    text = _WS.sub("", text).translate(PUNCTUATION_REMOVED)
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
