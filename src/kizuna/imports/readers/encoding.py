"""Which encoding a Japanese office file is in, and decoding it (whole or as a stream).

Tried in this order: a BOM (UTF-8, UTF-16LE/BE), UTF-16 without a BOM (the NUL bytes of ASCII characters at every
other byte: Excel's and Outlook's "Unicode text"), UTF-8, CP932, then charset-normalizer restricted to
UTF-8/CP932/EUC-JP.
`shift_jis` is never used: it cannot hold 髙, 﨑 or ①, which CP932 (what Windows and Excel write) can.
"""

import codecs
import re
from collections.abc import Iterator
from itertools import chain

from .base import (
    _ALIASES,
    _CODECS,
    _ENCODING_LABELS,
    _PREVIEW_LINES,
    _SAMPLE_BYTES,
    _SCORE_BYTES,
    DecodedText,
    ReadError,
)

# --- encodings ------------------------------------------------------------------------------------


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} バイト"


def _canonical_encoding(encoding: str) -> str:
    name = _ALIASES.get(encoding.strip().lower())
    if name is None:
        raise ReadError(
            f"文字コード「{encoding}」には対応していません（UTF-8、Shift_JIS（CP932）、EUC-JP、UTF-16 のいずれか）。"
        )
    return name


def _codec(codec: str, start: bytes) -> str:
    """UTF-16 chosen by the user for a file without a BOM is read as UTF-16LE (what Windows writes)."""
    if codec == "utf-16" and not start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16-le"
    return codec


def _bad_offset(data: bytes, codec: str, final: bool = True) -> int | None:
    """The offset of the first byte `codec` cannot decode, or None when all of `data` decodes."""
    try:
        codecs.getincrementaldecoder(_codec(codec, data))("strict").decode(data, final=final)
    except UnicodeDecodeError as exc:
        return exc.start
    return None


# Single bytes CP932 maps to private-use code points (0x80, 0xA0, 0xFD-0xFF): never in real text.
_CP932_IMPOSSIBLE = re.compile("[\u0080\uf8f0-\uf8f3]")
_DAKUTEN_BASES = set(range(0xFF76, 0xFF85)) | set(range(0xFF8A, 0xFF8F)) | {0xFF73}
_HANDAKUTEN_BASES = set(range(0xFF8A, 0xFF8F))


def _kanji_level1(char: str) -> bool:
    try:
        lead = char.encode("cp932")[0]
    except UnicodeEncodeError:
        return False
    return 0x88 <= lead <= 0x98


def _japanese_score(text: str, nbytes: int) -> float:
    """How much `text` looks like real Japanese, per non-ASCII byte. Used only to choose between CP932 and
    EUC-JP when both decode: half-width kana read as EUC-JP become random kanji, and EUC-JP read as CP932
    becomes half-width kana glued to kanji, with ﾞ/ﾟ after letters that cannot take them."""
    score, prev, mixed = 0.0, "", 0
    for token in re.split(r"[\x00-\x7f]+", text):
        half = full = 0
        prev = ""
        for index, char in enumerate(token):
            code = ord(char)
            if 0x3041 <= code <= 0x30FF:
                score += 2
                full += 1
            elif 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF:
                score += 1 if _kanji_level1(char) else 0.25
                full += 1
            elif code in (0xFF9E, 0xFF9F):
                bases = _DAKUTEN_BASES if code == 0xFF9E else _HANDAKUTEN_BASES
                score += 1 if prev and ord(prev) in bases else -2
                half += 1
            elif 0xFF66 <= code <= 0xFF9D:
                small_or_bar = 0xFF67 <= code <= 0xFF70
                score += -1 if small_or_bar and not prev else 1
                half += 1
            elif 0xE000 <= code <= 0xF8FF:
                score -= 3
            elif 0xFF61 <= code <= 0xFF65:
                if token[index + 2 : index + 3] == char or token[index - 2 : index - 1] == char:
                    score -= 2  # ･ｶ･ﾅ: the 0xA4/0xA5 lead bytes of EUC-JP kana read as CP932
            else:
                score += 0.5
            prev = char
        if half and full:
            mixed += half
    return (score - 2 * mixed) / max(nbytes, 1)


def _utf8_block(code: int) -> str:
    for end, name in _UTF8_BLOCKS:
        if code < end:
            return name
    return "other"


_UTF8_BLOCKS = (
    (0xA0, "control"), (0xC0, "symbol"), (0x250, "latin"), (0x370, "modifier"), (0x400, "greek"),
    (0x530, "cyrillic"), (0x590, "armenian"), (0x600, "hebrew"), (0x700, "arabic"), (0x750, "syriac"),
    (0x780, "arabic"), (0x7C0, "thaana"), (0x800, "nko"),
)  # fmt: skip


_BEYOND_2_BYTES = re.compile("[\u0800-\U0010ffff]")


def _utf8_plausible(text: str) -> bool:
    """False when the only non-ASCII characters are 2-byte UTF-8 ones that do not form words. Half-width kana
    in CP932 (ﾌｼﾞｲ = CC BC DE B2) are often valid UTF-8, read as a jumble of combining marks, Greek and
    Thaana; real text has accented letters inside Latin words (Café) or runs of one script (Иван)."""
    if _BEYOND_2_BYTES.search(text):
        return True  # Japanese text in UTF-8 always has 3-byte characters
    for index, char in enumerate(text):
        code = ord(char)
        if code < 0x80 or code >= 0x800:
            continue
        block = _utf8_block(code)
        if block in ("control", "modifier"):
            return False
        if block == "symbol" or char in "×÷":
            continue
        neighbours = text[max(index - 1, 0) : index] + text[index + 1 : index + 2]
        if not any(
            (block == "latin" and n.isascii() and n.isalpha())
            or (0x80 <= ord(n) < 0x800 and _utf8_block(ord(n)) == block)
            for n in neighbours
        ):
            return False
    return True


def _cp932_text(data: bytes, final: bool) -> str | None:
    """`data` decoded as CP932, or None when it is not CP932 text."""
    if _bad_offset(data, "cp932", final) is not None:
        return None
    text = codecs.getincrementaldecoder("cp932")("strict").decode(data, final=final)
    return None if _CP932_IMPOSSIBLE.search(text) else text


_UTF16_SAMPLE = 4096


def _utf16(data: bytes, final: bool) -> tuple[str, str] | None:
    """UTF-16 by its BOM, or without one by where the NUL bytes are: every ASCII character (delimiters, line
    breaks, digits, Latin letters) has one, on the odd bytes for UTF-16LE and on the even ones for UTF-16BE,
    while UTF-8, CP932 and EUC-JP text has none."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if _bad_offset(data, "utf-16", final) is None:
            return "utf-16", "BOM付きUTF-16です。"
        return None
    head = data[:_UTF16_SAMPLE]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    for name, ascii_nuls, other_nuls in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        looks_so = ascii_nuls >= pairs * 0.2 and other_nuls <= pairs * 0.05
        if looks_so and _bad_offset(head[: pairs * 2], _CODECS[name], final=False) is None:
            return name, f"{_ENCODING_LABELS[name]}として読みます（1文字おきに0のバイトがあります）。"
    return None


def _detect(data: bytes, final: bool) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "BOM付きUTF-8です。"
    if found := _utf16(data, final):
        return found
    if _bad_offset(data, "utf-8", final) is None:
        if data.isascii():
            return "utf-8", "英数字だけのためUTF-8として読みます。"
        text = codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=final)
        if _utf8_plausible(text) or _cp932_text(data, final) is None:
            return "utf-8", "UTF-8として正しく読めました。"
        return "cp932", "UTF-8としても読めますが文字の並びが不自然なため、Shift_JIS（CP932）の半角カナとして読みます。"
    cp932_ok = _cp932_text(data, final) is not None
    euc_ok = _bad_offset(data, "euc_jp", final) is None
    if cp932_ok and euc_ok:
        head = data[:_SCORE_BYTES]
        nbytes = sum(1 for b in head if b >= 0x80)
        cp932_score = _japanese_score(head.decode("cp932", "ignore"), nbytes)
        euc_score = _japanese_score(head.decode("euc_jp", "ignore"), nbytes)
        if euc_score > cp932_score + 0.25:
            return "euc-jp", "Shift_JIS（CP932）とEUC-JPのどちらでも読めますが、EUC-JPの方が日本語として自然です。"
        return "cp932", "Shift_JIS（CP932）として読めました（EUC-JPとしても読めますが、CP932を優先しました）。"
    if cp932_ok:
        return "cp932", "Shift_JIS（CP932）として正しく読めました。"
    if euc_ok:
        return "euc-jp", "EUC-JPとして正しく読めました。"
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["utf_8", "cp932", "euc_jp"]).best()
    if best is not None:
        name = {"utf_8": "utf-8", "cp932": "cp932", "euc_jp": "euc-jp"}.get(best.encoding)
        if name and _bad_offset(data, _CODECS[name], final) is None:
            return name, f"{_ENCODING_LABELS[name]}と推定しました。"
    offsets = {name: _bad_offset(data, _CODECS[name], final) for name in ("utf-8", "cp932")}
    raise ReadError(
        "文字コードを判別できませんでした（UTF-8、Shift_JIS（CP932）、EUC-JP、UTF-16 のどれでも読めません）。"
        f"UTF-8では{offsets['utf-8'] + 1}バイト目、CP932では{(offsets['cp932'] or 0) + 1}バイト目に"
        "読めないバイトがあります。ファイルが壊れていないか確認してください。",
        offset=offsets["cp932"],
    )


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(encoding, note): encoding is one of ENCODINGS, note says in Japanese how sure we are. `data` may be
    the whole file or its beginning. Raises ReadError when no encoding decodes it."""
    return _detect(data, final=True)


def _detect_sample(sample: bytes, more: Iterator[bytes]) -> tuple[str, str]:
    """Detect from the start of a file; an all-ASCII start reads on to the first non-ASCII bytes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "BOM付きUTF-8です。"
    if found := _utf16(sample, final=False):  # before looking further: the NULs of UTF-16 are ASCII bytes
        return found
    if sample.isascii():
        for chunk in more:
            if not chunk.isascii():
                start = next(i for i, b in enumerate(chunk) if b >= 0x80)
                sample = chunk[start : start + _SAMPLE_BYTES]
                break
    return _detect(sample, final=False)


def _decode_error(encoding: str, offset: int, line: int, byte: int) -> ReadError:
    where = f"{line}行目付近（{offset + 1}バイト目）"
    return ReadError(
        f"{_ENCODING_LABELS[encoding]}として読めない文字があります: {where}の 0x{byte:02X}。"
        "ファイルの文字コードを確認してください。",
        offset=offset,
    )


def decode(data: bytes, encoding: str = "auto") -> DecodedText:
    """The whole of `data` as text. encoding="auto" detects it; an explicit one that does not fit raises a
    ReadError naming the first bad byte."""
    name = detect_encoding(data)[0] if encoding == "auto" else _canonical_encoding(encoding)
    try:
        text = data.decode(_codec(_CODECS[name], data))
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _decode_error(name, exc.start, line, data[exc.start]) from None
    return DecodedText(text=text, encoding=name, preview_lines=text.splitlines()[:_PREVIEW_LINES])


def decode_start(data: bytes, encoding: str = "auto") -> DecodedText:
    """The beginning of a file (`data` may end inside a character or a line) as text, for a preview: the
    last, perhaps incomplete, line is left out."""
    name = _detect(data, final=False)[0] if encoding == "auto" else _canonical_encoding(encoding)
    try:
        text = codecs.getincrementaldecoder(_codec(_CODECS[name], data))("strict").decode(data, final=False)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _decode_error(name, exc.start, line, data[exc.start]) from None
    if "\n" in text.rstrip("\r\n"):
        text = text[: text.rfind("\n") + 1]
    return DecodedText(text=text, encoding=name, preview_lines=text.lstrip("\ufeff").splitlines()[:_PREVIEW_LINES])


def _decode_stream(chunks: Iterator[bytes], encoding: str) -> Iterator[str]:
    chunks = iter(chunks)
    first = next(chunks, b"")
    chunks = chain([first], chunks)
    decoder = codecs.getincrementaldecoder(_codec(_CODECS[encoding], first))("strict")
    offset = 0
    lines = 0
    for chunk in chain(chunks, [b""]):
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            bad = offset - len(pending) + exc.start
            buffer = pending + chunk
            line = lines - pending.count(b"\n") + buffer.count(b"\n", 0, exc.start) + 1
            raise _decode_error(encoding, bad, line, buffer[exc.start]) from None
        offset += len(chunk)
        lines += chunk.count(b"\n")
        if text:
            yield text


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _split_lines(texts: Iterator[str]) -> Iterator[str]:
    """Lines with their endings (\\r\\n, \\r or \\n), as csv wants them, from arbitrary text chunks."""
    buffer = ""
    for text in texts:
        scan = max(len(buffer) - 1, 0)  # what is left holds no line ending but maybe a final \r
        buffer += text
        start = 0
        for match in _NEWLINE.finditer(buffer, scan):
            if match.group() == "\r" and match.end() == len(buffer):
                break  # maybe the first half of \r\n
            yield buffer[start : match.end()]
            start = match.end()
        buffer = buffer[start:]
    if buffer:
        yield buffer
