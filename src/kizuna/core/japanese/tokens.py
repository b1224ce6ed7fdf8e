"""Japanese words for ranking (BM25, the assistant's classifier and summaries): SudachiPy with its core dictionary,
split mode B, each word in its normalized form (附属→付属, 問合せ→問い合わせ, Ｗｉ‐Ｆｉ→wi-fi), particles, auxiliary
verbs, symbols and a few empty words dropped. Every caller goes through `terms()` so an index and its queries always
agree."""

import re
import threading
from functools import lru_cache

from .text import nfkc

MAX_CHARS = 20_000  # Sudachi refuses inputs over ~49k bytes; longer text is read in pieces of this size
MAX_TERM = 60
_DROPPED_POS = {"助詞", "助動詞", "補助記号", "記号", "空白", "接頭辞"}
_LIGHT_POS = {"動詞", "形容詞"}  # する, いる, なる, ある, 良い when they only carry grammar (非自立可能)
_STOP_WORDS = (
    "する ある いる なる れる られる せる させる こと もの よう ため ところ とき それ これ あれ どれ その この あの"
    " です ます ござる いただく くださる おる 様 さん 方 お ご 的 等 など 事 物 為 下さる"
)
_STOP = frozenset(_STOP_WORDS.split())
_local = threading.local()
_SPLIT = re.compile(r"(?<=[。！？!?\n])")


def _tokenizer():
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        from sudachipy import Dictionary, SplitMode

        tok = _local.tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.B)
    return tok


def _pieces(text: str):
    """Sudachi's input limit is in bytes: long text goes in pieces cut after a sentence end when there is one."""
    while len(text) > MAX_CHARS:
        cut = text.rfind("。", 0, MAX_CHARS)
        cut = cut + 1 if cut > MAX_CHARS // 2 else MAX_CHARS
        yield text[:cut]
        text = text[cut:]
    yield text


@lru_cache(maxsize=4096)
def _terms_cached(text: str) -> tuple[str, ...]:
    out: list[str] = []
    tok = _tokenizer()
    for piece in _pieces(text):
        for m in tok.tokenize(piece):
            pos = m.part_of_speech()
            if pos[0] in _DROPPED_POS or (pos[1] == "非自立可能" and pos[0] in _LIGHT_POS):
                continue
            term = m.normalized_form().lower()
            if not term.strip() or term in _STOP or m.dictionary_form() in _STOP or len(term) > MAX_TERM:
                continue
            if pos[0] == "名詞" and pos[1] == "数詞" and len(term) == 1:
                continue
            out.append(term)
    return tuple(out)


def terms(text: str) -> list[str]:
    """The content words of `text`, in order, repeated as often as they occur."""
    text = nfkc(text or "").strip()
    if not text:
        return []
    return list(_terms_cached(text)) if len(text) <= 2000 else list(_terms_cached.__wrapped__(text))


def sentences(text: str) -> list[str]:
    """Sentences of running Japanese text: cut after 。！？ and line breaks; blank pieces dropped."""
    return [s.strip() for s in _SPLIT.split(text or "") if s.strip()]
