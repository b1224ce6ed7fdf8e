"""CSV/TSV (lazily, in any of the encodings Japanese offices produce) and Excel (.xlsx) → `Table`."""

import csv
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from . import base as limits
from .base import _CHUNK_BYTES, _EXTENSIONS, _SAMPLE_BYTES, DEFAULT_MAX_BYTES, FileRefused, ReadError, RowIssue, Table
from .encoding import _canonical_encoding, _decode_stream, _detect_sample, _human_size, _split_lines
from .vcard import _read_vcard

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
    header_row: int | None = None,
) -> Table:
    """Read a CSV/TSV, .xlsx or .vcf file (a path, bytes or a binary file object; `filename` gives the type).

    The header is read now and the rows lazily, so call `close()` (or use `with`) when a file path was given
    and the rows are not consumed to the end. Raises ReadError for files that cannot be read at all; iterating
    `rows` may raise ReadError for an undecodable byte further into a CSV.

    The header is the row numbered `header_row` (as `Table.rows` numbers them) or, by default, the row among
    the first ones whose cells read best as known headers (title rows above it, "取引先担当者一覧", are left
    out); `table.header_row` says which it was."""
    stream, _size, close = _open_source(source, max_bytes)
    try:
        start = stream.tell()
        head = stream.read(8)
        stream.seek(start)
        kind = _format_for(filename, head)
        if kind == "xlsx":
            table = _read_xlsx(stream, sheet, header_row)
        elif kind == "vcard":
            table = _read_vcard(stream.read(), encoding)
        else:
            table = _read_delimited(stream, encoding, tsv=kind == "tsv", close=close, header_row=header_row)
            return table
    except BaseException:
        close()
        raise
    inner = table._closer
    table._closer = lambda: (inner and inner(), close())
    return table


# --- CSV / TSV ----------------------------------------------------------------------------------------


def _sniff_delimiter(sample: str, tsv: bool) -> str:
    """The delimiter among , TAB ; that splits the first lines most consistently (quoted parts ignored; a
    title line above the header, with no delimiter at all, counts for none of them)."""
    lines = [line for line in islice(_split_lines(iter([sample])), 20) if line.strip()][:10]
    best, best_score = ("\t" if tsv else ","), 0.0
    for delimiter in ("\t", ",", ";") if tsv else (",", "\t", ";"):
        counts = [re.sub(r'"[^"]*"', "", line).count(delimiter) for line in lines]
        used = [c for c in counts if c]
        if not used:
            continue
        usual = max(set(used), key=lambda c: (used.count(c), c))
        score = usual * used.count(usual) / len(counts)
        if score > best_score:
            best, best_score = delimiter, score
    return best


_HEADER_SEARCH_ROWS = 20  # a header below this many rows is not looked for (the user can name it)


def _header_score(values) -> int:
    from ..mapping import header_score

    cells = [str(v).strip() for v in values if v is not None and str(v).strip()]
    return max(header_score(cells, "person"), header_score(cells, "company"))


def _find_header(rows: Iterator, header_row: int | None, is_blank: Callable) -> tuple[tuple, Iterator]:
    """(the header row, the rows after it) from `rows` ((number, values, ...) tuples): the row numbered
    `header_row`, or the first of the best-scoring rows among the first non-blank ones. A row that cannot be
    read while looking ahead ends the search; its error is raised where that row comes."""
    seen: list = []
    try:
        for row in _header_candidates(rows, header_row, is_blank, seen):
            return row, rows
    except ReadError as exc:
        if not seen or header_row is not None:
            raise
        error = exc
    else:
        error = None
    if header_row is not None:
        raise ReadError(f"{header_row}行目が見つかりません（見出し行には、ファイルにある行を指定してください）。")
    if not seen:
        raise ReadError("ファイルが空です（見出し行もデータもありません）。")
    scores = [_header_score(row[1]) for row in seen]
    best = scores.index(max(scores))
    return seen[best], chain(seen[best + 1 :], _raising(error) if error else rows)


def _raising(error: Exception) -> Iterator:
    raise error
    yield


def _header_candidates(rows: Iterator, header_row: int | None, is_blank: Callable, seen: list) -> Iterator:
    """Yields the row numbered `header_row` when there is one; otherwise collects the first non-blank rows
    in `seen` and yields nothing."""
    for row in rows:
        if header_row is not None:
            if row[0] == header_row:
                yield row
                return
            if row[0] > header_row:
                return
            continue
        if is_blank(row[1]):
            continue
        seen.append(row)
        if len(seen) >= _HEADER_SEARCH_ROWS:
            return


def _read_delimited(
    stream: BinaryIO, encoding: str, *, tsv: bool, close: Callable[[], None], header_row: int | None = None
) -> Table:
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
        table.warnings.append(_("文字コード: %(note)s") % {"note": note})
    records = _records(lines, delimiter, table)
    header, after = _find_header(records, header_row, lambda values: not any(v.strip() for v in values))
    early = [issue for issue in table.row_errors if issue.row_number <= header[0]]
    if early:
        issue = early[0]
        raise ReadError(f"見出し行を読み込めません。{issue.message}", row_number=issue.row_number)
    table.headers = [v.strip().lstrip("\ufeff") for v in header[1]]
    table.header_row = header[0]
    table.rows = _data_rows(after, table)
    return table


class _LineTap:
    """Feeds lines to csv while remembering the lines of the record being read, to re-read them after a
    quote that never closes."""

    def __init__(self, lines: Iterator[str], count: int = 0):
        self.lines = lines
        self.taken: list[str] = []
        self.count = count  # lines read from the file so far

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append(line)
        self.count += 1
        return line


def _records(lines: Iterator[str], delimiter: str, table: Table) -> Iterator[tuple[int, list[str], tuple]]:
    """(record number, values, (first line, last line)) of each record; a record spans several lines when a
    quoted cell holds a line break."""
    tap = _LineTap(lines)
    reader = csv.reader(tap, delimiter=delimiter, strict=True)
    number = 0
    while True:
        tap.taken = []
        number += 1
        first_line = tap.count + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            text = str(exc)
            if "field limit" in text and len(tap.taken) == 1:  # one line, not a quote left open
                raise _cell_too_long(number, None, None) from None
            if "end of data" in text or "field limit" in text:
                message = f'{number}行目: 引用符（"）が閉じられていません。この行は読み込めませんでした。'
                table.row_errors.append(RowIssue(number, message))
                tap = _LineTap(chain(tap.taken[1:], tap.lines), first_line)  # read on from the next line
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
        _check_fields(number, values)
        if any("\x00" in v for v in values):  # csv took NULs until Python 3.11; PostgreSQL text cannot hold one
            table.row_errors.append(
                RowIssue(number, f"{number}行目: NUL文字が含まれているため、この行は読み込めませんでした。")
            )
            continue
        yield number, values, (first_line, tap.count)


def _number(n: int) -> str:
    return f"{n:,}"


def _cell_too_long(row: int, column: str | None, length: int | None) -> FileRefused:
    where = _("%(row)s行目") % {"row": row} if column is None else _("%(row)s行目・%(column)s列") % {
        "row": row, "column": column}  # fmt: skip
    size = "" if length is None else _("（%(n)s文字）") % {"n": _number(length)}
    return FileRefused(
        _("%(where)sのセルが長すぎます%(size)s。1つのセルに入れられるのは%(limit)s文字（Excelの上限）までです。")
        % {"where": where, "size": size, "limit": _number(limits.MAX_CELL_CHARS)},
        row_number=row,
    )


def _too_many_columns(row: int, count: int) -> FileRefused:
    return FileRefused(
        _("%(row)s行目の列が多すぎます（%(n)s列）。読み込めるのは%(limit)s列（Excelの上限）までです。")
        % {"row": row, "n": _number(count), "limit": _number(limits.MAX_COLUMNS)},
        row_number=row,
    )


def _check_fields(number: int, values: list[str]) -> None:
    if len(values) > limits.MAX_COLUMNS:
        raise _too_many_columns(number, len(values))
    for index, value in enumerate(values):
        if len(value) > limits.MAX_CELL_CHARS:
            raise _cell_too_long(number, _("%(n)s列目") % {"n": index + 1}, len(value))


def _split_record(first: tuple, second: tuple, width: int) -> RowIssue | None:
    """Two short records that make one whole row when the last cell of the first and the first of the second
    are joined: a line break in a cell that was not quoted. The row is refused (its parts would make two
    garbage records) and its lines named."""
    (number, head, (start, _)), (_, tail, (_, end)) = first, second
    if (len(head) < width and len(tail) < width and len(head) + len(tail) - 1 == width
            and head[-1].strip() and tail[0].strip()):  # fmt: skip
        return RowIssue(number, (
            f"{start}〜{end}行目: 引用符（\"）で囲まれていないセルに改行があり、1件が{end - start + 1}行に"
            "分かれています。この行は読み込めませんでした。元のファイルでその行を直して（セルを\"で囲むか改行を"
            "除いて）読み込み直してください。"
        ))  # fmt: skip
    return None


def _joined_records(records: Iterator[tuple], width: int, table: Table) -> Iterator[tuple[int, list[str]]]:
    pending = None
    for record in records:
        if pending is not None:
            previous, pending = pending, None
            if issue := _split_record(previous, record, width):
                table.row_errors.append(issue)
                continue
            yield previous[0], previous[1]
        if any(v.strip() for v in record[1]) and 1 < len(record[1]) < width:
            pending = record
            continue
        yield record[0], record[1]
    if pending is not None:
        yield pending[0], pending[1]


def _data_rows(records: Iterator[tuple], table: Table) -> Iterator[tuple[int, list[str]]]:
    width = len(table.headers)
    warned = False
    try:
        for number, values in _joined_records(records, width, table):
            if not any(v.strip() for v in values):
                continue
            if len(values) < width:
                values = values + [""] * (width - len(values))
            elif len(values) > width and any(v.strip() for v in values[width:]) and not warned:
                table.warnings.append(
                    _("%(row)s行目などで見出しより列が多くなっています。余分な列は見出しなしで扱います。")
                    % {"row": number}
                )
                warned = True
            yield number, values
    finally:
        table.close()


# --- Excel --------------------------------------------------------------------------------------------

# What openpyxl raises for a damaged book, when opening it or later while streaming its rows (read_only mode
# decompresses and parses each sheet lazily): broken zip entries, truncated deflate data, malformed XML
# (ElementTree's ParseError is a SyntaxError), and the lookups and conversions that fail on what it found.
_BROKEN_BOOK = (
    zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, TypeError, IndexError, AttributeError,
    SyntaxError,
)  # fmt: skip


def _broken_book(exc: Exception) -> ReadError:
    return ReadError(f"Excelファイルを開けませんでした（壊れているか、.xlsx形式ではありません）: {exc}")


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


def _inspect_book(stream: BinaryIO) -> None:
    """Refuse a book that is not a zip, or whose members would expand beyond the limits, from the zip's
    central directory alone (nothing is decompressed). zipfile never yields more than a member's declared
    size, so the declared sizes bound what openpyxl can be made to parse."""
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise FileRefused(
            _(
                "Excelファイルを開けませんでした（ファイルがzip形式ではありません。壊れているか、"
                "拡張子だけ .xlsx に変えた別の形式のファイルです）。Excelで「Excel ブック（.xlsx）」形式で"
                "保存し直してください。"
            )
        ) from None
    finally:
        stream.seek(start)
    total = sum(member.file_size for member in members)
    if total > limits.MAX_XLSX_UNCOMPRESSED:
        raise FileRefused(
            _(
                "Excelファイルの展開後のサイズが大きすぎます（%(size)s）。展開後%(limit)sまでのファイルを読み込めます。"
                "シートを分けるか、CSVで保存してください。"
            )
            % {"size": _human_size(total), "limit": _human_size(limits.MAX_XLSX_UNCOMPRESSED)}
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.MAX_RATIO_MEMBER_BYTES and ratio > limits.MAX_MEMBER_RATIO:
            raise FileRefused(
                _(
                    "Excelファイルの中身（%(name)s）が圧縮前の%(ratio)s倍（%(size)s）に展開される作りになっています。"
                    "安全のため読み込みません。Excelで開いて保存し直すか、CSVで保存してください。"
                )
                % {"name": member.filename, "ratio": _number(int(ratio)), "size": _human_size(member.file_size)}
            )


def _check_dimension(worksheet) -> None:
    """The sheet's declared size (its <dimension>): openpyxl pads every row to it."""
    rows, columns = worksheet.max_row, worksheet.max_column
    if not rows or not columns:
        return
    rows -= (worksheet.min_row or 1) - 1
    columns -= (worksheet.min_column or 1) - 1
    if columns > limits.MAX_COLUMNS or rows > limits.MAX_ROWS or rows * columns > limits.MAX_CELLS:
        raise _too_many_cells(worksheet.title, rows, columns)


def _too_many_cells(title: str, rows: int, columns: int | None) -> FileRefused:
    size = (
        _("%(rows)s行×%(columns)s列") % {"rows": _number(rows), "columns": _number(columns)}
        if columns is not None
        else _("%(cells)sセル以上") % {"cells": _number(rows)}
    )
    return FileRefused(
        _(
            "シート「%(sheet)s」が大きすぎます（%(size)s）。読み込めるのは%(cells)sセル・%(columns)s列・%(rows)s行"
            "までです。不要な行や列を削除するか、シートを分けてください。"
        )
        % {
            "sheet": title,
            "size": size,
            "cells": _number(limits.MAX_CELLS),
            "columns": _number(limits.MAX_COLUMNS),
            "rows": _number(limits.MAX_ROWS),
        }
    )


def _limited(rows, title: str):
    """The sheet's rows, counting cells as they stream (a row counts at least one) against the limits, and
    refusing a cell longer than Excel allows."""
    from openpyxl.utils import get_column_letter

    cells = 0
    for number, values in enumerate(rows, start=1):
        if number > limits.MAX_ROWS:
            raise _too_many_cells(title, number, None)
        if len(values) > limits.MAX_COLUMNS:
            raise _too_many_columns(number, len(values))
        cells += max(len(values), 1)
        if cells > limits.MAX_CELLS:
            raise _too_many_cells(title, cells, None)
        for index, value in enumerate(values):
            if isinstance(value, str) and len(value) > limits.MAX_CELL_CHARS:
                raise _cell_too_long(number, get_column_letter(index + 1), len(value))
        yield values


def _read_xlsx(stream: BinaryIO, sheet: str | int | None, header_row: int | None = None) -> Table:
    import openpyxl

    from ..mapping import base_field, guess_field

    _inspect_book(stream)
    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except _BROKEN_BOOK as exc:
        raise _broken_book(exc) from None
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
    try:
        _check_dimension(worksheet)
    except FileRefused:
        book.close()
        raise
    rows = enumerate(_limited(worksheet.iter_rows(values_only=True), worksheet.title), start=1)
    try:
        try:
            header, after = _find_header(rows, header_row, lambda values: not any(
                v is not None and str(v).strip() for v in values))  # fmt: skip
        except FileRefused:
            raise
        except ReadError:
            if header_row is not None:
                raise
            raise ReadError(f"シート「{worksheet.title}」にデータがありません。") from None
        headers = [_cell_text(v, None).strip() for v in header[1]]
        rows = after
    except FileRefused:
        book.close()
        raise
    except ReadError:  # FileRefused too (a ValueError, so before _BROKEN_BOOK)
        book.close()
        raise
    except _BROKEN_BOOK as exc:
        book.close()
        raise _broken_book(exc) from None
    while headers and not headers[-1]:
        headers.pop()
    fields = [base_field(guess_field(h) or "") for h in headers]
    table = Table(
        headers=headers,
        rows=iter(()),
        encoding=None,
        format="xlsx",
        sheet=worksheet.title,
        sheet_names=names,
        header_row=header[0],
    )
    table._closer = book.close

    def generate():
        padded_warned: set[str] = set()
        try:
            for number, values in _unbroken(rows):
                texts = [_cell_text(v, fields[i] if i < len(fields) else None) for i, v in enumerate(values)]
                if not any(t.strip() for t in texts):
                    continue
                for i, value in enumerate(values[: len(fields)]):
                    padded = isinstance(value, (int, float)) and texts[i] != _cell_text(value, None)
                    if padded and headers[i] not in padded_warned:
                        padded_warned.add(headers[i])
                        table.warnings.append(
                            _("列「%(header)s」の数値は先頭の0が消えていたため補いました。") % {"header": headers[i]}
                        )
                texts += [""] * (len(headers) - len(texts))
                yield number, texts
        finally:
            table.close()

    table.rows = generate()
    return table


def _unbroken(rows):
    """The sheet's rows; damage found while streaming them is a ReadError, like damage found when opening."""
    try:
        yield from rows
    except FileRefused:
        raise
    except _BROKEN_BOOK as exc:
        raise _broken_book(exc) from None
