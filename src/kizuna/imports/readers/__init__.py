"""Files → `Table`: headers plus rows of strings, for CSV/TSV, Excel (.xlsx) and vCard (.vcf).

Every problem is a `ReadError` with a Japanese message a user can act on.
"""

from .base import DEFAULT_MAX_BYTES, ENCODINGS, FORMATS, DecodedText, FileRefused, ReadError, RowIssue, Table
from .encoding import decode, decode_start, detect_encoding
from .tables import read_table
from .vcard import VCARD_FIELDS

__all__ = [
    "DEFAULT_MAX_BYTES", "ENCODINGS", "FORMATS", "VCARD_FIELDS", "DecodedText", "FileRefused", "ReadError",
    "RowIssue", "Table", "decode", "decode_start", "detect_encoding", "read_table",
]  # fmt: skip
