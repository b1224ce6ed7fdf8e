"""Japanese charsets as they really arrive in mail.

ISO-2022-JP is decoded as CP50221 (the superset Outlook and most Japanese mailers write): JIS X 0208 plus the NEC
special characters (①, ㈱, ㍻ in row 13), the NEC-selected IBM extensions and half-width katakana (ESC ( I or SO/SI).
Python's own iso2022_jp codecs reject those rows, so each JIS pair is moved to its Shift_JIS position and read with
CP932, which holds them all. EUC-JP gets the same treatment (CP51932). Shift_JIS is always read as CP932 (plain
shift_jis cannot hold 髙 or ①). A charset that is unknown, missing or wrong falls back to utf-8 → cp932 → euc-jp →
charset-normalizer restricted to those three, and the outcome says that it guessed."""

import codecs
import re

from charset_normalizer import from_bytes

_CP932 = {"shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932", "ms932",
          "x-ms-cp932", "shift_jisx0213", "shift_jis_2004", "sjis-open", "sjis-win"}  # fmt: skip
_JIS = {"iso-2022-jp", "iso2022-jp", "iso_2022_jp", "csiso2022jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3",
        "iso-2022-jp-2004", "iso-2022-jp-ms", "cp50220", "cp50221", "cp50222", "jis", "x-jis",
        "iso-2022-jp-ext"}  # fmt: skip
_EUC = {"euc-jp", "x-euc-jp", "eucjp", "euc_jp", "cseucpkdfmtjapanese", "cp51932", "eucjp-ms", "eucjp-win",
        "euc-jis-2004", "euc-jisx0213"}  # fmt: skip
_UTF8 = {"utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8", "utf-8-sig"}
_ASCII = {"us-ascii", "ascii", "ansi_x3.4-1968", "iso-646-us", "cp367"}


class Decoded(str):
    """A str that remembers how it was read: `charset` used and whether it was `guessed` or had `replaced` bytes."""

    charset: str = ""
    guessed: bool = False
    replaced: bool = False


def _result(text: str, charset: str, *, guessed=False, replaced=False) -> Decoded:
    out = Decoded(text)
    out.charset, out.guessed, out.replaced = charset, guessed, replaced
    return out


def _jis_to_sjis(c1: int, c2: int) -> bytes:
    """One JIS X 0208 (or NEC/IBM-extended) pair, 0x21–0x7E each, to its Shift_JIS (CP932) bytes."""
    s1 = (c1 + 1) // 2 + (0x70 if c1 <= 0x5E else 0xB0)
    s2 = c2 + (0x1F if c1 % 2 else 0x7E)
    if c1 % 2 and s2 >= 0x7F:
        s2 += 1
    return bytes((s1, s2))


_ESC = re.compile(rb"\x1b(\(B|\(J|\(I|\$@|\$B|\$\(B|\$\(D|\$\(Q|\$\(O|&@\x1b\$B)")


# Where Python's JIS tables and Microsoft's (CP932/CP50221) differ for the same JIS code: read as Windows writes.
_TO_CP932 = str.maketrans({"\u301c": "\uff5e", "\u2016": "\u2225", "\u2212": "\uff0d", "\u00a2": "\uffe0",
                           "\u00a3": "\uffe1", "\u00ac": "\uffe2", "\u2014": "\u2015"})  # fmt: skip


def decode_iso2022jp(data: bytes, errors: str = "strict") -> str:
    """CP50221: JIS X 0208 with the NEC and IBM extension rows, JIS X 0201 kana, SO/SI kana, JIS X 0212 via EUC.
    Plain JIS X 0208 text (most mail) takes Python's C codec; the rest is read pair by pair through CP932."""
    if b"\x1b$(D" not in data and b"\x0e" not in data:
        try:
            return data.decode("iso2022_jp_ext").translate(_TO_CP932)
        except UnicodeDecodeError:
            pass
    return _decode_iso2022jp_slow(data, errors)


def _decode_iso2022jp_slow(data: bytes, errors: str) -> str:
    out = []
    mode = "ascii"
    pos = 0
    shifted = False
    # Walk by hand: escape sequences switch the mode, bytes are read in the current mode.
    while pos < len(data):
        byte = data[pos]
        if byte == 0x1B:
            match = _ESC.match(data, pos)
            if not match:
                if errors == "strict":
                    raise UnicodeDecodeError("iso-2022-jp", data, pos, pos + 1, "unknown escape sequence")
                out.append("\ufffd")
                pos += 1
                continue
            seq = match.group(1)
            mode = {b"(B": "ascii", b"(J": "roman", b"(I": "kana", b"$(D": "jisx0212"}.get(seq, "jisx0208")
            pos = match.end()
            continue
        if byte == 0x0E:
            shifted, pos = True, pos + 1
            continue
        if byte == 0x0F:
            shifted, pos = False, pos + 1
            continue
        if byte in (0x0A, 0x0D) and mode in ("jisx0208", "jisx0212"):
            # A line end inside a double-byte run: broken mailers forget ESC ( B; read the newline as ASCII.
            out.append(chr(byte))
            pos += 1
            continue
        if byte >= 0x80:
            if errors == "strict":
                raise UnicodeDecodeError("iso-2022-jp", data, pos, pos + 1, "8-bit byte in a 7-bit charset")
            out.append("\ufffd")
            pos += 1
            continue
        if shifted or mode == "kana":
            if 0x21 <= byte <= 0x5F:
                out.append(bytes((byte + 0x80,)).decode("cp932"))
            else:
                out.append(chr(byte))
            pos += 1
            continue
        if mode in ("ascii", "roman"):
            out.append(chr(byte))
            pos += 1
            continue
        # double-byte modes
        if pos + 1 >= len(data) or not (0x21 <= byte <= 0x7E and 0x21 <= data[pos + 1] <= 0x7E):
            if errors == "strict":
                raise UnicodeDecodeError("iso-2022-jp", data, pos, pos + 1, "truncated double-byte character")
            out.append("\ufffd" if byte > 0x20 else chr(byte))
            pos += 1
            continue
        c1, c2 = byte, data[pos + 1]
        if mode == "jisx0212":
            char = bytes((0x8F, c1 | 0x80, c2 | 0x80)).decode("euc_jp", errors="replace")
        else:
            char = _jis_to_sjis(c1, c2).decode("cp932", errors="replace")
        if char == "\ufffd" and errors == "strict":
            raise UnicodeDecodeError("iso-2022-jp", data, pos, pos + 2, "character not in CP50221")
        out.append(char)
        pos += 2
    return "".join(out)


def decode_eucjp(data: bytes, errors: str = "strict") -> str:
    """CP51932/eucJP-ms: plain EUC-JP first (fast), else pair by pair through CP932 so NEC row 13 survives."""
    try:
        return data.decode("euc_jp")
    except UnicodeDecodeError:
        pass
    out = []
    pos = 0
    while pos < len(data):
        byte = data[pos]
        if byte < 0x80:
            out.append(chr(byte))
            pos += 1
        elif byte == 0x8E and pos + 1 < len(data):
            out.append(bytes((data[pos + 1],)).decode("cp932", errors="replace"))
            pos += 2
        elif byte == 0x8F and pos + 2 < len(data):
            out.append(data[pos : pos + 3].decode("euc_jp", errors="replace"))
            pos += 3
        elif 0xA1 <= byte <= 0xFE and pos + 1 < len(data) and 0xA1 <= data[pos + 1] <= 0xFE:
            out.append(_jis_to_sjis(byte & 0x7F, data[pos + 1] & 0x7F).decode("cp932", errors="replace"))
            pos += 2
        else:
            out.append("\ufffd")
            pos += 1
        if out[-1] == "\ufffd" and errors == "strict":
            raise UnicodeDecodeError("euc-jp", data, pos - 1, pos, "not EUC-JP")
    return "".join(out)


def canonical(charset: str | None) -> str:
    """The codec we read a declared charset with: 'cp50221', 'cp932', 'cp51932', 'utf-8', 'ascii', a Python codec
    name, or '' when the label is missing or unknown."""
    name = (charset or "").strip().strip('"').lower()
    if "*" in name:  # RFC 2231 language suffix: iso-2022-jp*ja
        name = name.split("*", 1)[0]
    if not name:
        return ""
    if name in _JIS:
        return "cp50221"
    if name in _CP932:
        return "cp932"
    if name in _EUC:
        return "cp51932"
    if name in _UTF8:
        return "utf-8"
    if name in _ASCII:
        return "ascii"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def _decode_as(data: bytes, codec: str, errors: str = "strict") -> str:
    if codec == "cp50221":
        return decode_iso2022jp(data, errors)
    if codec == "cp51932":
        return decode_eucjp(data, errors)
    return data.decode(codec, errors)


def guess(data: bytes) -> Decoded:
    """utf-8 → ISO-2022-JP (7-bit with escapes) → cp932 → euc-jp → charset-normalizer; replacement as last resort."""
    if not data:
        return _result("", "ascii")
    candidates = ["utf-8"]
    if b"\x1b$" in data or b"\x1b(" in data:
        candidates.insert(0, "cp50221")
    candidates += ["cp932", "cp51932"]
    for codec in candidates:
        try:
            text = _decode_as(data, codec)
        except UnicodeDecodeError:
            continue
        if codec == "cp932" and any("\uf8f0" <= ch <= "\uf8f3" for ch in text):
            # Python's cp932 reads the unassigned bytes 0xFD–0xFF as private-use characters: they are not text
            text = re.sub("[\uf8f0-\uf8f3]", "\ufffd", text)
            return _result(text, codec, guessed=True, replaced=True)
        return _result(text, codec, guessed=True)
    if candidates[0] == "cp50221" and data.isascii():
        return _result(decode_iso2022jp(data, "replace"), "cp50221", guessed=True, replaced=True)
    best = from_bytes(data, cp_isolation=["utf_8", "cp932", "euc_jp"]).best()
    if best is not None:
        codec = {"utf_8": "utf-8", "euc_jp": "cp51932"}.get(best.encoding, best.encoding)
        return _result(_decode_as(data, codec, "replace"), codec, guessed=True, replaced=True)
    return _result(data.decode("cp932", "replace"), "cp932", guessed=True, replaced=True)


def decode(data: bytes, charset: str | None) -> Decoded:
    """Bytes in a declared charset → text. A declared charset that does not fit the bytes (Shift_JIS labelled
    ISO-2022-JP, 8-bit in us-ascii, an unknown label) is replaced by a guess; nothing raises."""
    codec = canonical(charset)
    if codec == "ascii" or not codec:
        if data.isascii() and b"\x1b" not in data:
            return _result(data.decode("ascii"), "ascii")
        return guess(data)
    try:
        return _result(_decode_as(data, codec), codec)
    except (UnicodeDecodeError, LookupError):
        return guess(data)


def encode_iso2022jp(text: str) -> bytes | None:
    """Text → ISO-2022-JP (CP50221 without half-width kana, which are widened first). None when a character has no
    JIS code (emoji, most non-Japanese scripts): the caller then sends UTF-8 instead, so nothing is lost."""
    import unicodedata

    # Half-width katakana are widened as runs, so ﾊﾟ becomes パ (not ハ and a lone combining mark).
    text = re.sub("[\uff61-\uff9f]+", lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = text.replace("\u3099", "\u309b").replace("\u309a", "\u309c")  # a lone ﾞ/ﾟ: the spacing ゛/゜
    out = bytearray()
    double = False
    for char in text:
        if ord(char) < 0x80:
            if double:
                out += b"\x1b(B"
                double = False
            out.append(ord(char))
            continue
        try:
            sjis = char.encode("cp932")
        except UnicodeEncodeError:
            return None
        if len(sjis) != 2:
            return None
        s1, s2 = sjis
        # Shift_JIS → JIS
        row = ((s1 - 0x40 if s1 >= 0xE0 else s1) - 0x81) * 2 + 0x21
        if s2 >= 0x9F:
            row, cell = row + 1, s2 - 0x9F + 0x21
        else:
            cell = (s2 - 1 if s2 >= 0x80 else s2) - 0x40 + 0x21
        if not (0x21 <= row <= 0x7E and 0x21 <= cell <= 0x7E):
            return None  # user-defined area (0xF040–0xF9FC): no JIS code
        if not double:
            out += b"\x1b$B"
            double = True
        out += bytes((row, cell))
    if double:
        out += b"\x1b(B"
    return bytes(out)
