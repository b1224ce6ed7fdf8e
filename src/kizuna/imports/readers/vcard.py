"""vCard 2.1/3.0/4.0 (.vcf) → `Table`, readings (X-PHONETIC-*, SORT-STRING) and SHIFT_JIS quoted-printable.

Each card is read on its own, so a card cut off at the end of the file (a phone's export that stopped) or one
that cannot be decoded is a row error and the others still come. A company card (macOS/iOS `X-ABShowAs:COMPANY`,
or an ORG without a person's name) is a company row; a phone's extension (`,210`, `;ext=210`, `内線210`) is
written as 内線 for the mapping to read."""

import codecs
import re

from django.utils.translation import gettext as _

from .base import _CODECS, ReadError, RowIssue, Table
from .encoding import _canonical_encoding, decode, detect_encoding

# --- vCard --------------------------------------------------------------------------------------------

VCARD_FIELDS = [
    "full_name", "family_name", "given_name", "full_name_kana", "family_name_kana", "given_name_kana", "company",
    "department", "title", "phone", "mobile", "fax", "email", "postcode", "prefecture", "city", "street",
    "birthday", "notes", "website", "record_kind", "phone:home", "email:personal",
]  # fmt: skip
_SJIS_CHARSET = re.compile(r"(?i)^(shift[_-]?jis|sjis|x-sjis|ms_kanji|windows-31j|cp932)$")
_CARD = re.compile(r"(?ims)^BEGIN:VCARD\s*$.*?^END:VCARD\s*$")


class _Undecodable(ValueError):
    pass


def _decode_qp(value: str, charset: str, misdeclared: list) -> str:
    """A quoted-printable value in its CHARSET. Phones that declare SHIFT_JIS and write UTF-8 exist: bytes that
    are UTF-8 (and not plain ASCII) are read as UTF-8 and the card noted; bytes in neither are refused."""
    raw = codecs.decode(value.encode("ascii", "replace"), "quoted-printable")
    sjis = bool(charset) and bool(_SJIS_CHARSET.match(charset))
    if sjis and not raw.isascii():
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            misdeclared.append(True)
            return text
    for codec in ["cp932"] if sjis else [charset] if charset else ["utf-8", "cp932"]:
        try:
            return raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    raise _Undecodable(charset or "UTF-8")


def _unfold_21(card: str, misdeclared: list | None = None) -> str:
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
            text = _decode_qp(value, charset, misdeclared if misdeclared is not None else [])
            text = text.replace("\r\n", "\n").replace("\n", "\\n")
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


# A dialling pause or extension after the number: "03-3211-4567,210", "03-3211-4570;ext=305", "… 内線210"
_TEL_EXTENSION = re.compile(
    r"(?im)^((?:[\w-]+\.)?TEL(?:;[^:\r\n]*)?:)([^\r\n]*?\d)\s*(?:,|;\s*ext=|;|\s*(?:内線|ext\.?)\s*)(\d{1,6})\s*$"
)
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
_ADDRESS_KINDS = {"HOME": "自宅", "WORK": "勤務先", "OTHER": "その他"}


def _tel_key(types: set, label: str) -> str:
    label = (_APPLE_LABEL.match(label)[1] if _APPLE_LABEL.match(label) else label).lower()
    if "FAX" in types or "fax" in label or "ファクス" in label or "ファックス" in label:
        return "fax"
    if "CELL" in types or any(word in label for word in ("mobile", "iphone", "cell", "携帯")):
        return "mobile"
    return "phone"


def _is_company_card(card, values: dict) -> bool:
    for line in card.lines():
        if line.name.upper() == "X-ABSHOWAS":
            return _unescape(line.value).upper() == "COMPANY"
    person = values.get("family_name") or values.get("given_name")
    full = values.get("full_name", [""])[0]
    company = values.get("company", [""])[0]
    return bool(company) and not person and (not full or full == company)


def _card_values(card) -> dict[str, str]:
    out: dict[str, list[str]] = {}

    def keep(key: str, value: str) -> None:
        if value and value not in out.setdefault(key, []):
            out[key].append(value)

    labels = {line.group: _unescape(line.value) for line in card.lines()
              if line.name.upper() == "X-ABLABEL" and line.group}  # fmt: skip
    address_seen = False
    for line in card.lines():
        name = line.name.upper()
        types = {t.upper() for t in line.params.get("TYPE", [])} | {t.upper() for t in line.singletonparams}
        types = {part for t in types for part in t.split(",")}
        if name == "FN":
            keep("full_name", _unescape(line.value))
        elif name == "N":
            family, given = _parts(line.value, 2)
            keep("family_name", family)
            keep("given_name", given)
        elif name == "X-PHONETIC-LAST-NAME":
            keep("family_name_kana", _unescape(line.value))
        elif name == "X-PHONETIC-FIRST-NAME":
            keep("given_name_kana", _unescape(line.value))
        elif name == "SOUND" and "X-IRMC-N" in types:
            family, given = _parts(line.value, 2)
            keep("family_name_kana", family)
            keep("given_name_kana", given)
        elif name == "SORT-STRING":
            keep("full_name_kana", _unescape(line.value))
        elif name == "ORG":
            company, department = _parts(line.value, 2)
            keep("company", company)
            keep("department", department)
        elif name == "TITLE":
            keep("title", _unescape(line.value))
        elif name == "TEL":
            key = _tel_key(types, labels.get(line.group, ""))
            keep("phone:home" if key == "phone" and "HOME" in types else key, _unescape(line.value))
        elif name == "EMAIL":
            keep("email:personal" if "HOME" in types else "email", _unescape(line.value))
        elif name == "URL":
            keep("website", _unescape(line.value))
        elif name == "ADR":
            _box, extended, street, city, region, code, country = _parts(line.value, 7)
            if not address_seen:  # the first (macOS lists the preferred one first) fills the address
                address_seen = True
                keep("postcode", code)
                keep("prefecture", region)
                keep("city", city)
                keep("street", " ".join(part for part in (street, extended) if part))
                if country and country not in ("日本", "Japan", "JP"):
                    keep("street", country)
                continue
            kind = next((label for key, label in _ADDRESS_KINDS.items() if key in types), "その他")
            text = " ".join(p for p in (code, region, city, street, extended, country) if p)
            keep("notes", f"住所（{kind}）: {text}")  # a second address is kept, not dropped
        elif name == "BDAY":
            birthday = _unescape(line.value)
            if re.fullmatch(r"\d{8}", birthday):
                birthday = f"{birthday[:4]}-{birthday[4:6]}-{birthday[6:]}"
            keep("birthday", birthday)
        elif name == "NOTE":
            keep("notes", _unescape(line.value))
    if "full_name_kana" in out and ("family_name_kana" in out or "given_name_kana" in out):
        del out["full_name_kana"]
    if _is_company_card(card, out):
        for key in ("full_name", "family_name", "given_name"):
            out.pop(key, None)
        out["record_kind"] = ["company"]
    return {key: "\n".join(values) for key, values in out.items()}


_BEGIN = re.compile(rb"(?im)^BEGIN:VCARD[ \t]*\r?$")
_END = re.compile(rb"(?im)^END:VCARD[ \t]*\r?$")


def _segments(data: bytes) -> list[tuple[bytes, bool]]:
    """Each card's bytes from its BEGIN:VCARD to the next one (or the end), and whether it has its END:VCARD."""
    starts = [match.start() for match in _BEGIN.finditer(data)]
    if not starts:
        return []
    ends = [*starts[1:], len(data)]
    out = []
    for start, end in zip(starts, ends, strict=True):
        segment = data[start:end]
        found = _END.search(segment)
        out.append((segment[: found.end()] if found else segment, found is not None))
    return out


def _read_vcard(data: bytes, encoding: str) -> Table:
    from ..mapping import FIELD_LABELS, SPEC_LABELS

    segments = _segments(data)
    if not segments:  # UTF-16, or no card at all: read as text
        decoded = decode(data, encoding)
        if not decoded.text.strip():
            raise ReadError("ファイルが空です。")
        if not _CARD.search(decoded.text):
            raise ReadError("vCardが見つかりません（BEGIN:VCARD 〜 END:VCARD がありません）。")
        segments = [(text.encode("utf-8"), True) for text in _CARD.findall(decoded.text)]
        name = "utf-8"
    elif encoding == "auto":  # judged on the whole cards: a cut-off last one may end inside a character
        whole = b"".join(segment for segment, complete in segments if complete) or data
        name = detect_encoding(whole)[0]
    else:
        name = _canonical_encoding(encoding)
    headers = [SPEC_LABELS.get(key) or FIELD_LABELS.get(key, key) for key in VCARD_FIELDS]
    table = Table(headers=headers, rows=iter(()), encoding=name, format="vcard")

    def generate():
        for number, (segment, complete) in enumerate(segments, start=1):
            if not complete:
                table.row_errors.append(RowIssue(number, (
                    f"{number}件目: vCardが途中で終わっています（END:VCARD がありません）。"
                    "この連絡先は読み込めませんでした。"
                )))  # fmt: skip
                continue
            if b"\x00" in segment and name.startswith("utf-8"):  # PostgreSQL text cannot hold a NUL
                table.row_errors.append(
                    RowIssue(number, f"{number}件目: NUL文字が含まれているため、読み込めませんでした。")
                )
                continue
            try:
                text = segment.decode(_CODECS[name]).lstrip("\ufeff")
            except UnicodeDecodeError:
                table.row_errors.append(RowIssue(number, (
                    f"{number}件目: 文字コード（{name}）として読めない文字があります。"
                    "この連絡先は読み込めませんでした。"
                )))  # fmt: skip
                continue
            if "\x00" in text:
                table.row_errors.append(
                    RowIssue(number, f"{number}件目: NUL文字が含まれているため、読み込めませんでした。")
                )
                continue
            misdeclared: list = []
            try:
                card = vobject.readOne(_TEL_EXTENSION.sub(r"\1\2 内線\3", _unfold_21(text, misdeclared)),
                                       ignoreUnreadable=True)  # fmt: skip
                values = _card_values(card)
            except _Undecodable as exc:
                table.row_errors.append(RowIssue(number, (
                    f"{number}件目: CHARSET={exc} と書かれた値を、その文字コードでもUTF-8でも読めません。"
                    "この連絡先は読み込めませんでした。"
                )))  # fmt: skip
                continue
            except Exception as exc:  # vobject raises many kinds of errors for malformed cards
                table.row_errors.append(
                    RowIssue(
                        number,
                        _("%(number)s件目: vCardを読み取れませんでした（%(error)s）。")
                        % {"number": number, "error": exc},
                    )
                )
                continue
            if misdeclared:
                table.warnings.append(
                    _(
                        "%(number)s件目: CHARSET=SHIFT_JIS と書かれていますが、中身はUTF-8でした。"
                        "UTF-8として読みました。"
                    )
                    % {"number": number}
                )
            if values:
                yield number, [values.get(key, "") for key in VCARD_FIELDS]

    import vobject

    table.rows = generate()
    return table
