"""Files → `Table`: headers plus rows of strings, for CSV/TSV (lazily, in any of the encodings Japanese
offices produce), Excel (.xlsx) and vCard (.vcf).

Encodings are tried in this order: UTF-8 with BOM, UTF-8, CP932, then charset-normalizer restricted to
UTF-8/CP932/EUC-JP. `shift_jis` is never used: it cannot hold 髙, 﨑 or ①, which CP932 (what Windows and
Excel write) can. Every problem is a `ReadError` with a Japanese message a user can act on.
"""

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path
from typing import BinaryIO

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "utf-8", "cp932", "euc-jp")
FORMATS = ("csv", "tsv", "xlsx", "vcard")
_CODECS = {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8", "cp932": "cp932", "euc-jp": "euc_jp"}
_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "utf_8": "utf-8", "utf-8-sig": "utf-8-sig", "utf_8_sig": "utf-8-sig",
    "utf8bom": "utf-8-sig", "cp932": "cp932", "ms932": "cp932", "windows-31j": "cp932", "windows31j": "cp932",
    "shift_jis": "cp932", "shift-jis": "cp932", "shiftjis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "euc-jp": "euc-jp", "euc_jp": "euc-jp", "eucjp": "euc-jp",
}  # fmt: skip
_ENCODING_LABELS = {
    "utf-8-sig": "UTF-8（BOM付き）",
    "utf-8": "UTF-8",
    "cp932": "Shift_JIS（CP932）",
    "euc-jp": "EUC-JP",
}
_EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_EXTENSIONS |= {".vcf": "vcard", ".vcard": "vcard"}
_SAMPLE_BYTES = 256 * 1024
_CHUNK_BYTES = 64 * 1024
_SCORE_BYTES = 64 * 1024
_PREVIEW_LINES = 5


class ReadError(ValueError):
    """A file that cannot be read, with a Japanese message for the user (and where, when known)."""

    def __init__(self, message: str, *, row_number: int | None = None, offset: int | None = None):
        super().__init__(message)
        self.message = message
        self.row_number = row_number
        self.offset = offset


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # one of ENCODINGS
    preview_lines: list[str]


@dataclass(frozen=True)
class RowIssue:
    row_number: int
    message: str


@dataclass
class Table:
    """`rows` yields `(row_number, values)` lazily; row_number is the record's position in the file counting the
    header as 1 (what Excel shows for a CSV), the Excel row for .xlsx, and the card's position (1, 2, ...) for
    vCard. Blank rows are skipped. `warnings` and `row_errors` (rows that could not be read at all, e.g. a broken
    quote) grow while `rows` is consumed: read them after iterating."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None  # None for .xlsx
    format: str  # one of FORMATS
    warnings: list[str] = field(default_factory=list)
    row_errors: list[RowIssue] = field(default_factory=list)
    delimiter: str | None = None
    sheet: str | None = None
    sheet_names: list[str] = field(default_factory=list)
    _closer: Callable[[], None] | None = field(default=None, repr=False)

    def close(self) -> None:
        if self._closer:
            self._closer()
            self._closer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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
            f"文字コード「{encoding}」には対応していません（UTF-8、Shift_JIS（CP932）、EUC-JP のいずれか）。"
        )
    return name


def _bad_offset(data: bytes, codec: str, final: bool = True) -> int | None:
    """The offset of the first byte `codec` cannot decode, or None when all of `data` decodes."""
    try:
        codecs.getincrementaldecoder(codec)("strict").decode(data, final=final)
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


def _detect(data: bytes, final: bool) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "BOM付きUTF-8です。"
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
        "文字コードを判別できませんでした（UTF-8、Shift_JIS（CP932）、EUC-JP のどれでも読めません）。"
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
        text = data.decode(_CODECS[name])
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _decode_error(name, exc.start, line, data[exc.start]) from None
    return DecodedText(text=text, encoding=name, preview_lines=text.splitlines()[:_PREVIEW_LINES])


def _decode_stream(chunks: Iterator[bytes], encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(_CODECS[encoding])("strict")
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
        buffer += text
        start = 0
        for match in _NEWLINE.finditer(buffer):
            if match.group() == "\r" and match.end() == len(buffer):
                break  # maybe the first half of \r\n
            yield buffer[start : match.end()]
            start = match.end()
        buffer = buffer[start:]
    if buffer:
        yield buffer


# --- sources ----------------------------------------------------------------------------------------


def _open_source(source, max_bytes: int) -> tuple[BinaryIO, int, Callable[[], None]]:
    """A binary stream over `source` (a path, bytes or a binary file object), after the size check."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        stream, size, close = io.BytesIO(bytes(source)), len(source), lambda: None
    elif isinstance(source, (str, os.PathLike)):
        size = os.path.getsize(source)
        stream = None
    else:
        stream, close = source, lambda: None
        try:
            position = stream.tell()
            size = stream.seek(0, io.SEEK_END) - position
            stream.seek(position)
        except (AttributeError, OSError, io.UnsupportedOperation):
            data = stream.read(max_bytes + 1)
            stream, size = io.BytesIO(data), len(data)
    if size > max_bytes:
        raise ReadError(f"ファイルが大きすぎます（{_human_size(size)}）。上限は {_human_size(max_bytes)} です。")
    if size == 0:
        raise ReadError("ファイルが空です。")
    if stream is None:
        stream = open(source, "rb")  # noqa: SIM115 - closed by the Table
        close = stream.close
    return stream, size, close


def _format_for(filename: str, head: bytes) -> str:
    suffix = Path(filename or "").suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(
            "古いExcel形式（.xls）またはパスワード付きのExcelファイルは読み込めません。"
            "Excelで「Excel ブック（.xlsx）」か「CSV UTF-8」形式で保存し直してください。"
        )
    if suffix in (".csv", ".txt", ".tsv") and head.startswith(b"PK\x03\x04"):
        return "xlsx"  # an Excel book renamed to .csv
    if suffix == ".xls":
        raise ReadError(
            "古いExcel形式（.xls）は読み込めません。Excelで「Excel ブック（.xlsx）」形式で保存し直してください。"
        )
    if suffix not in _EXTENSIONS:
        raise ReadError(
            f"対応していないファイル形式です（{suffix or '拡張子なし'}）。"
            "CSV・TSV（.csv .tsv .txt）、Excel（.xlsx）、vCard（.vcf）のファイルを選んでください。"
        )
    return _EXTENSIONS[suffix]


def read_table(
    source,
    *,
    filename: str,
    encoding: str = "auto",
    sheet: str | int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Table:
    """Read a CSV/TSV, .xlsx or .vcf file (a path, bytes or a binary file object; `filename` gives the type).

    The header is read now and the rows lazily, so call `close()` (or use `with`) when a file path was given
    and the rows are not consumed to the end. Raises ReadError for files that cannot be read at all; iterating
    `rows` may raise ReadError for an undecodable byte further into a CSV."""
    stream, _size, close = _open_source(source, max_bytes)
    try:
        start = stream.tell()
        head = stream.read(8)
        stream.seek(start)
        kind = _format_for(filename, head)
        if kind == "xlsx":
            table = _read_xlsx(stream, sheet)
        elif kind == "vcard":
            table = _read_vcard(stream.read(), encoding)
        else:
            table = _read_delimited(stream, encoding, tsv=kind == "tsv", close=close)
            return table
    except BaseException:
        close()
        raise
    inner = table._closer
    table._closer = lambda: (inner and inner(), close())
    return table


# --- CSV / TSV ----------------------------------------------------------------------------------------


def _sniff_delimiter(sample: str, tsv: bool) -> str:
    """The delimiter among , TAB ; that splits the first lines most consistently (quoted parts ignored)."""
    lines = [line for line in islice(_split_lines(iter([sample])), 20) if line.strip()][:10]
    best, best_score = ("\t" if tsv else ","), 0.0
    for delimiter in ("\t", ",", ";") if tsv else (",", "\t", ";"):
        counts = [re.sub(r'"[^"]*"', "", line).count(delimiter) for line in lines]
        if not counts or not counts[0]:
            continue
        consistent = sum(1 for c in counts if c == counts[0]) / len(counts)
        score = counts[0] * consistent
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_delimited(stream: BinaryIO, encoding: str, *, tsv: bool, close: Callable[[], None]) -> Table:
    start = stream.tell()
    sample = stream.read(_SAMPLE_BYTES)
    rest = iter(lambda: stream.read(_CHUNK_BYTES), b"")
    if encoding == "auto":
        name, note = _detect_sample(sample, rest)
        stream.seek(start + len(sample))
        rest = iter(lambda: stream.read(_CHUNK_BYTES), b"")
    else:
        name, note = _canonical_encoding(encoding), ""
    texts = _decode_stream(chain([sample], rest), name)
    first = next(texts, "")
    if not first.strip():
        first = next((t for t in texts if t.strip()), "")
    if not first.strip():
        raise ReadError("ファイルが空です（見出し行もデータもありません）。")
    delimiter = _sniff_delimiter(first[:_SAMPLE_BYTES], tsv)
    lines = _split_lines(chain([first], texts))
    table = Table(headers=[], rows=iter(()), encoding=name, format="tsv" if delimiter == "\t" else "csv")
    table.delimiter = delimiter
    table._closer = close
    if name == "euc-jp" or "推定" in note:
        table.warnings.append(f"文字コード: {note}")
    records = _records(lines, delimiter, table)
    for _number, values in records:
        if table.row_errors:
            break
        if any(v.strip() for v in values):
            table.headers = [v.strip().lstrip("\ufeff") for v in values]
            break
    if table.row_errors:
        issue = table.row_errors[0]
        raise ReadError(f"見出し行を読み込めません。{issue.message}", row_number=issue.row_number)
    if not table.headers:
        raise ReadError("ファイルが空です（見出し行もデータもありません）。")
    table.rows = _data_rows(records, table)
    return table


class _LineTap:
    """Feeds lines to csv while remembering the lines of the record being read, to re-read them after a
    quote that never closes."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines
        self.taken: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        return line


def _records(lines: Iterator[str], delimiter: str, table: Table) -> Iterator[tuple[int, list[str]]]:
    tap = _LineTap(lines)
    reader = csv.reader(tap, delimiter=delimiter, strict=True)
    number = 0
    while True:
        tap.taken = []
        number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            text = str(exc)
            if "end of data" in text or "field limit" in text:
                message = f'{number}行目: 引用符（"）が閉じられていません。この行は読み込めませんでした。'
                table.row_errors.append(RowIssue(number, message))
                tap = _LineTap(chain(tap.taken[1:], tap.lines))  # read on from the next line
                reader = csv.reader(tap, delimiter=delimiter, strict=True)
            else:
                problem = (
                    "NUL文字が含まれている"
                    if "NUL" in text
                    else '引用符（"）の位置が正しくない（"で囲んだ値の後に文字がある）'
                )
                table.row_errors.append(
                    RowIssue(number, f"{number}行目: {problem}ため、この行は読み込めませんでした。")
                )
            continue
        yield number, values


def _data_rows(records: Iterator[tuple[int, list[str]]], table: Table) -> Iterator[tuple[int, list[str]]]:
    width = len(table.headers)
    warned = False
    try:
        for number, values in records:
            if not any(v.strip() for v in values):
                continue
            if len(values) < width:
                values = values + [""] * (width - len(values))
            elif len(values) > width and any(v.strip() for v in values[width:]) and not warned:
                table.warnings.append(
                    f"{number}行目などで見出しより列が多くなっています。余分な列は見出しなしで扱います。"
                )
                warned = True
            yield number, values
    finally:
        table.close()


# --- Excel --------------------------------------------------------------------------------------------


def _cell_text(value, column_field: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if column_field in ("phone", "mobile", "fax") and len(text) in (9, 10):
            return "0" + text  # Excel dropped the leading 0 of 0312345678
        if column_field == "postcode" and len(text) < 7:
            return text.zfill(7)
        return text
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _read_xlsx(stream: BinaryIO, sheet: str | int | None) -> Table:
    import openpyxl

    from .mapping import guess_field

    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(f"Excelファイルを開けませんでした（壊れているか、.xlsx形式ではありません）: {exc}") from None
    names = book.sheetnames
    try:
        if sheet is None:
            worksheet = book.worksheets[0]
        elif isinstance(sheet, int):
            worksheet = book.worksheets[sheet]
        else:
            worksheet = book[sheet]
    except (IndexError, KeyError):
        book.close()
        raise ReadError(f"シート「{sheet}」が見つかりません（このファイルのシート: {'、'.join(names)}）。") from None
    rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
    for _number, values in rows:
        if any(v is not None and str(v).strip() for v in values):
            headers = [_cell_text(v, None).strip() for v in values]
            break
    else:
        book.close()
        raise ReadError(f"シート「{worksheet.title}」にデータがありません。")
    while headers and not headers[-1]:
        headers.pop()
    fields = [guess_field(h) for h in headers]
    table = Table(
        headers=headers, rows=iter(()), encoding=None, format="xlsx", sheet=worksheet.title, sheet_names=names
    )
    table._closer = book.close

    def generate():
        padded_warned: set[str] = set()
        try:
            for number, values in rows:
                texts = [_cell_text(v, fields[i] if i < len(fields) else None) for i, v in enumerate(values)]
                if not any(t.strip() for t in texts):
                    continue
                for i, value in enumerate(values[: len(fields)]):
                    padded = isinstance(value, (int, float)) and texts[i] != _cell_text(value, None)
                    if padded and headers[i] not in padded_warned:
                        padded_warned.add(headers[i])
                        table.warnings.append(f"列「{headers[i]}」の数値は先頭の0が消えていたため補いました。")
                texts += [""] * (len(headers) - len(texts))
                yield number, texts
        finally:
            table.close()

    table.rows = generate()
    return table


# --- vCard --------------------------------------------------------------------------------------------

VCARD_FIELDS = [
    "full_name", "family_name", "given_name", "full_name_kana", "family_name_kana", "given_name_kana", "company",
    "department", "title", "phone", "mobile", "fax", "email", "postcode", "prefecture", "city", "street",
    "birthday", "notes",
]  # fmt: skip
_SJIS_CHARSET = re.compile(r"(?i)^(shift[_-]?jis|sjis|x-sjis|ms_kanji|windows-31j|cp932)$")
_CARD = re.compile(r"(?ims)^BEGIN:VCARD\s*$.*?^END:VCARD\s*$")


def _decode_qp(value: str, charset: str) -> str:
    raw = codecs.decode(value.encode("ascii", "replace"), "quoted-printable")
    if charset and _SJIS_CHARSET.match(charset):
        charset = "cp932"
    for codec in [charset] if charset else ["utf-8", "cp932"]:
        try:
            return raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("cp932", "replace")


def _unfold_21(card: str) -> str:
    """vCard 2.1 quoted-printable values: join soft line breaks and decode them in their CHARSET (SHIFT_JIS is
    read as CP932), so vobject sees plain text."""
    out: list[str] = []
    lines = card.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        head, sep, value = line.partition(":")
        if sep and re.search(r"(?i)(^|;)(ENCODING=)?QUOTED-PRINTABLE(;|$)", head):
            while value.endswith("=") and i + 1 < len(lines):
                i += 1
                value = value[:-1] + lines[i].lstrip()
            charset = (re.search(r"(?i);CHARSET=([^;:]+)", head) or [None, ""])[1]
            params = [p for p in head.split(";") if not re.match(r"(?i)(ENCODING=|CHARSET=|QUOTED-PRINTABLE$)", p)]
            text = _decode_qp(value, charset).replace("\r\n", "\n").replace("\n", "\\n")
            line = ";".join(params) + ":" + text
        elif sep and ";CHARSET=" in head.upper():
            line = re.sub(r"(?i);CHARSET=[^;:]+", "", head) + ":" + value
        out.append(line)
        i += 1
    return "\r\n".join(out) + "\r\n"


def _unescape(value) -> str:
    if isinstance(value, list):
        value = ",".join(map(str, value))
    text = str(value or "")
    if "\\" in text:
        text = re.sub(r"\\([nN,;\\])", lambda m: "\n" if m[1] in "nN" else m[1], text)
    return text.strip()


def _parts(value, count: int) -> list[str]:
    """Components of a structured value (N, ADR, ORG, SOUND) whether vobject parsed it or not."""
    if isinstance(value, str):
        items = re.split(r"(?<!\\);", value)
    elif isinstance(value, list):
        items = value
    else:
        items = [getattr(value, name, "") for name in ("family", "given", "additional", "prefix", "suffix")]
        if hasattr(value, "street"):
            names = ("box", "extended", "street", "city", "region", "code", "country")
            items = [getattr(value, name, "") for name in names]
    items = [_unescape(item) for item in items]
    return (items + [""] * count)[:count]


def _card_values(card) -> dict[str, str]:
    out: dict[str, list[str]] = {}

    def add(key: str, value: str) -> None:
        if value and value not in out.setdefault(key, []):
            out[key].append(value)

    for line in card.lines():
        name = line.name.upper()
        types = {t.upper() for t in line.params.get("TYPE", [])} | {t.upper() for t in line.singletonparams}
        types = {part for t in types for part in t.split(",")}
        if name == "FN":
            add("full_name", _unescape(line.value))
        elif name == "N":
            family, given = _parts(line.value, 2)
            add("family_name", family)
            add("given_name", given)
        elif name == "X-PHONETIC-LAST-NAME":
            add("family_name_kana", _unescape(line.value))
        elif name == "X-PHONETIC-FIRST-NAME":
            add("given_name_kana", _unescape(line.value))
        elif name == "SOUND" and "X-IRMC-N" in types:
            family, given = _parts(line.value, 2)
            add("family_name_kana", family)
            add("given_name_kana", given)
        elif name == "SORT-STRING":
            add("full_name_kana", _unescape(line.value))
        elif name == "ORG":
            company, department = _parts(line.value, 2)
            add("company", company)
            add("department", department)
        elif name == "TITLE":
            add("title", _unescape(line.value))
        elif name == "TEL":
            key = "mobile" if "CELL" in types else "fax" if "FAX" in types else "phone"
            add(key, _unescape(line.value))
        elif name == "EMAIL":
            add("email", _unescape(line.value))
        elif name == "ADR" and "street" not in out:
            _box, extended, street, city, region, code, _country = _parts(line.value, 7)
            add("postcode", code)
            add("prefecture", region)
            add("city", city)
            add("street", " ".join(part for part in (street, extended) if part))
        elif name == "BDAY":
            birthday = _unescape(line.value)
            if re.fullmatch(r"\d{8}", birthday):
                birthday = f"{birthday[:4]}-{birthday[4:6]}-{birthday[6:]}"
            add("birthday", birthday)
        elif name == "NOTE":
            add("notes", _unescape(line.value))
    if "full_name_kana" in out and ("family_name_kana" in out or "given_name_kana" in out):
        del out["full_name_kana"]
    return {key: "\n".join(values) for key, values in out.items()}


def _read_vcard(data: bytes, encoding: str) -> Table:
    import vobject

    from .mapping import FIELD_LABELS

    decoded = decode(data, encoding)
    cards = _CARD.findall(decoded.text)
    if not cards:
        if not decoded.text.strip():
            raise ReadError("ファイルが空です。")
        raise ReadError("vCardが見つかりません（BEGIN:VCARD 〜 END:VCARD がありません）。")
    table = Table(
        headers=[FIELD_LABELS[key] for key in VCARD_FIELDS], rows=iter(()), encoding=decoded.encoding, format="vcard"
    )

    def generate():
        for number, text in enumerate(cards, start=1):
            try:
                card = vobject.readOne(_unfold_21(text), ignoreUnreadable=True)
                values = _card_values(card)
            except Exception as exc:  # vobject raises many kinds of errors for malformed cards
                table.row_errors.append(RowIssue(number, f"{number}件目: vCardを読み取れませんでした（{exc}）。"))
                continue
            if values:
                yield number, [values.get(key, "") for key in VCARD_FIELDS]

    table.rows = generate()
    return table
