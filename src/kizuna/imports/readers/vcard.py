"""vCard 2.1/3.0/4.0 (.vcf) → `Table`, readings (X-PHONETIC-*, SORT-STRING) and SHIFT_JIS quoted-printable."""

import codecs
import re

from .base import ReadError, RowIssue, Table
from .encoding import decode

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

    from ..mapping import FIELD_LABELS

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
            if "\x00" in text:  # PostgreSQL text cannot hold a NUL
                table.row_errors.append(
                    RowIssue(number, f"{number}件目: NUL文字が含まれているため、読み込めませんでした。")
                )
                continue
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
