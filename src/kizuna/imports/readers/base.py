"""What every reader shares: limits, the table it returns, and the one error type (Japanese messages)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kizuna.core.exceptions import ValidationFailed

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "utf-8", "cp932", "euc-jp", "utf-16", "utf-16-le", "utf-16-be")
FORMATS = ("csv", "tsv", "xlsx", "vcard")
_CODECS = {
    "utf-8-sig": "utf-8-sig", "utf-8": "utf-8", "cp932": "cp932", "euc-jp": "euc_jp", "utf-16": "utf-16",
    "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be",
}  # fmt: skip
_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "utf_8": "utf-8", "utf-8-sig": "utf-8-sig", "utf_8_sig": "utf-8-sig",
    "utf8bom": "utf-8-sig", "cp932": "cp932", "ms932": "cp932", "windows-31j": "cp932", "windows31j": "cp932",
    "shift_jis": "cp932", "shift-jis": "cp932", "shiftjis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "euc-jp": "euc-jp", "euc_jp": "euc-jp", "eucjp": "euc-jp", "utf-16": "utf-16", "utf16": "utf-16",
    "utf_16": "utf-16", "unicode": "utf-16", "utf-16le": "utf-16-le", "utf-16-le": "utf-16-le",
    "utf_16_le": "utf-16-le", "utf16le": "utf-16-le", "utf-16be": "utf-16-be", "utf-16-be": "utf-16-be",
    "utf_16_be": "utf-16-be", "utf16be": "utf-16-be",
}  # fmt: skip
_ENCODING_LABELS = {
    "utf-8-sig": "UTF-8（BOM付き）",
    "utf-8": "UTF-8",
    "cp932": "Shift_JIS（CP932）",
    "euc-jp": "EUC-JP",
    "utf-16": "UTF-16（BOM付き）",
    "utf-16-le": "UTF-16LE（BOMなし）",
    "utf-16-be": "UTF-16BE（BOMなし）",
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


# What a file may expand to: a small .xlsx can declare gigabytes of XML (a "zip bomb") or millions of cells.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # all members of the book together, as declared in the zip
MAX_MEMBER_RATIO = 100  # a member this much bigger than its compressed size ...
MAX_RATIO_MEMBER_BYTES = 10 * 1024 * 1024  # ... and bigger than this is refused
MAX_CELLS = 5_000_000  # declared by the sheet, or read while streaming it (empty rows count as one)
MAX_COLUMNS = 16_384  # Excel's limit (XFD)
MAX_ROWS = 1_048_576  # Excel's limit
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell; CSV/TSV fields too


class FileRefused(ReadError, ValidationFailed):
    """A file refused before (or while) reading it because it would expand beyond the limits above. Both a
    ReadError (readers' callers handle it like any unreadable file) and a ValidationFailed (a 4xx)."""

    def __init__(self, message: str, *, row_number: int | None = None):
        ReadError.__init__(self, message, row_number=row_number)
        self.field_errors = {"file": [message]}


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
    header_row: int = 1  # the row the headers were read from (rows above it are titles, not data)
    _closer: Callable[[], None] | None = field(default=None, repr=False)

    def close(self) -> None:
        if self._closer:
            self._closer()
            self._closer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
