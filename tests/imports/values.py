"""What a file holds and what the database holds, counted apart from the import code: the fixtures are read here
with the standard library (csv, openpyxl, a few regular expressions over vCard lines) and their phones, e-mails,
addresses, titles and names are looked for on the stored people and companies."""

import csv
import io
import quopri
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kizuna.contacts.models import Company, ContactPoint, Employment, Person

FILES = Path(__file__).parent / "files"
HONORIFICS = {"様", "殿", "さん", "御中", "Mr.", "Ms.", "Mrs.", "Miss"}  # courtesy words, not titles
JAPAN = {"", "日本", "JP", "Japan"}
_EXTENSION = re.compile(r"(?:\s*[,;]\s*(?:ext=)?|\s*\(?内線|\s+内線)(\d{1,6})\)?\s*$")


@dataclass
class Values:
    phones: list = field(default_factory=list)  # (digits, extension)
    emails: list = field(default_factory=list)
    addresses: list = field(default_factory=list)  # tuples of the parts that must be found
    titles: list = field(default_factory=list)
    # (family, given) of people, ("=", the whole name) when the file has it in one cell, ("", name) for companies
    names: list = field(default_factory=list)

    def count(self) -> dict:
        return {k: len(getattr(self, k)) for k in ("phones", "emails", "addresses", "titles", "names")}


def _squash(text: str) -> str:
    return re.sub(r"[\s　〒]+", "", unicodedata.normalize("NFKC", text or ""))


def _phone(value: str) -> tuple[str, str]:
    value = unicodedata.normalize("NFKC", value).strip()
    extension = ""
    if match := _EXTENSION.search(value):
        extension, value = match.group(1), value[: match.start()]
    return re.sub(r"\D", "", value), extension


def _split(cell: str) -> list[str]:
    return [part.strip() for part in (cell or "").split(":::") if part.strip()]


def _add_phones(values: Values, *cells: str) -> None:
    for cell in cells:
        values.phones.extend(_phone(part) for part in _split(cell))


def _add_emails(values: Values, *cells: str) -> None:
    for cell in cells:
        values.emails.extend(part.lower() for part in _split(cell))


def _add_title(values: Values, *cells: str) -> None:
    values.titles.extend(c.strip() for c in cells if c and c.strip() and c.strip() not in HONORIFICS)


def _address(*parts: str, country: str = "") -> tuple:
    kept = [p for p in parts if p and p.strip()]
    if country.strip() not in JAPAN:
        kept.append(country)
    return tuple(kept)


def _read_csv(name: str, encoding: str, delimiter: str = ",") -> list[dict]:
    text = (FILES / name).read_bytes().decode(encoding)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def google_contacts() -> Values:
    values = Values()
    for row in _read_csv("google_contacts.csv", "utf-8"):
        _add_phones(values, *(row[f"Phone {n} - Value"] for n in range(1, 5)))
        _add_emails(values, row["E-mail 1 - Value"], row["E-mail 2 - Value"])
        _add_title(values, row["Organization Title"])
        if row["Address 1 - Street"] or row["Address 1 - City"]:
            values.addresses.append(_address(
                row["Address 1 - Postal Code"], row["Address 1 - Region"], row["Address 1 - City"],
                row["Address 1 - Street"], row["Address 1 - Extended Address"], country=row["Address 1 - Country"],
            ))  # fmt: skip
        elif row["Address 1 - Formatted"]:
            values.addresses.append((row["Address 1 - Formatted"],))
        family, given = row["Last Name"], row["First Name"]
        values.names.append((family, given) if family or given else ("", row["Organization Name"]))
    return values


def _outlook_en(rows: list[dict]) -> Values:
    values = Values()
    phone_columns = ("Primary Phone", "Home Phone", "Home Phone 2", "Mobile Phone", "Pager", "Home Fax",
                     "Company Main Phone", "Business Phone", "Business Phone 2", "Business Fax", "Other Phone",
                     "Other Fax", "Callback", "Car Phone", "ISDN", "Radio Phone", "TTY/TDD Phone", "Telex")  # fmt: skip
    for row in rows:
        _add_phones(values, *(row[c] for c in phone_columns))
        _add_emails(values, row["E-mail Address"], row["E-mail 2 Address"], row["E-mail 3 Address"])
        _add_title(values, row["Title"], row["Job Title"])
        if row["Business Street"] or row["Business City"]:
            values.addresses.append(_address(
                row["Business Postal Code"], row["Business State"], row["Business City"], row["Business Street"],
                row["Business Street 2"], row["Business Street 3"], country=row["Business Country"],
            ))  # fmt: skip
        values.names.append((row["Last Name"], row["First Name"]))
    return values


def google_outlook() -> Values:
    return _outlook_en(_read_csv("google_outlook.csv", "utf-16"))


def _japanese_list(rows: list[dict], *, name="氏名", phones=(), emails=(), titles=(), address=()) -> Values:
    values = Values()
    for row in rows:
        _add_phones(values, *(row.get(c, "") for c in phones))
        _add_emails(values, *(row.get(c, "") for c in emails))
        _add_title(values, *(row.get(c, "") for c in titles))
        parts = [row.get(c, "") for c in address]
        if any(parts):
            values.addresses.append(_address(*parts))
        if name in row:
            values.names.append(("=", _squash(row[name])))
        else:
            values.names.append((row["姓"], row["名"]))
    return values


def excel_unicode() -> Values:
    return _japanese_list(_read_csv("excel_unicode.txt", "utf-16", "\t"), phones=("電話番号", "携帯電話", "FAX"),
                          emails=("メールアドレス",), titles=("役職",), address=("郵便番号", "住所"))  # fmt: skip


def outlook_unicode() -> Values:
    return _japanese_list(
        _read_csv("outlook_unicode.txt", "utf-16-le", "\t"), phones=("会社電話", "携帯電話"),
        emails=("電子メール アドレス",), titles=("役職",),
        address=("会社 郵便番号", "会社 都道府県", "会社 市区町村", "会社 番地"),
    )  # fmt: skip


def outlook_ja() -> Values:
    phones = ("アシスタントの電話", "会社 FAX", "会社電話", "会社電話 2", "コールバック", "自動車電話", "代表電話",
              "自宅 FAX", "自宅電話", "自宅電話 2", "ISDN", "携帯電話", "その他の FAX", "その他の電話", "ポケットベル",
              "無線電話", "TTY/TDD 電話", "テレックス")  # fmt: skip
    return _japanese_list(
        _read_csv("outlook_ja.csv", "cp932"), phones=phones,
        emails=("電子メール アドレス", "電子メール 2 アドレス", "電子メール 3 アドレス"), titles=("肩書き", "役職"),
        address=("会社 郵便番号", "会社 都道府県", "会社 市区町村", "会社 番地", "会社 番地 2", "会社 番地 3"),
    )  # fmt: skip


CARD_PHONES = ("TEL会社", "TEL部門", "TEL直通", "FAX", "Fax", "携帯電話")


def sansan() -> Values:
    return _japanese_list(_read_csv("sansan.csv", "cp932"), phones=CARD_PHONES, emails=("E-mail",),
                          titles=("役職",), address=("郵便番号", "住所"))  # fmt: skip


def eight() -> Values:
    """The rows as they are meant (the broken row is one person, refused and reported, never stored)."""
    rows = _read_csv("eight.csv", "utf-8-sig")
    whole = [
        r for r in rows if r.get("携帯電話") is not None and r["e-mail"] != "kazuya.mori@hokuriku-kenzai.example.jp"
    ]
    return _japanese_list(whole, phones=CARD_PHONES, emails=("e-mail",), titles=("役職",),
                          address=("郵便番号", "住所"))  # fmt: skip


def _vcard_lines(text: str) -> list[list[tuple[str, dict, str]]]:
    cards = []
    for block in re.findall(r"(?ms)^BEGIN:VCARD\r?\n(.*?)^END:VCARD", text):
        block = re.sub(r"\r?\n[ \t]", "", block)
        lines = []
        for line in block.splitlines():
            head, _, value = line.partition(":")
            name, *params = head.split(";")
            lines.append((name.split(".")[-1].upper(), {p.upper() for p in params}, value))
        cards.append(lines)
    return cards


def _vcard_values(text: str) -> Values:
    values = Values()
    for card in _vcard_lines(text):
        names = [v for n, _, v in card if n == "N"]
        company = any(n == "X-ABSHOWAS" and v == "COMPANY" for n, _, v in card) or not (names and names[0].strip(";"))
        for name, _, value in card:
            if name == "TEL":
                values.phones.append(_phone(value))
            elif name == "EMAIL":
                values.emails.append(value.lower())
            elif name == "TITLE":
                _add_title(values, value)
            elif name == "ADR":
                _box, extended, street, city, region, code, country = (value.split(";") + [""] * 7)[:7]
                values.addresses.append(_address(code, region, city, street, extended, country=country))
        if company:
            values.names.append(("", next(v for n, _, v in card if n == "ORG").split(";")[0]))
        else:
            family, given = [*names[0].split(";"), ""][:2]
            values.names.append((family, given))
    return values


def apple_vcf() -> Values:
    return _vcard_values((FILES / "apple.vcf").read_text("utf-8"))


def android_vcf() -> Values:
    """The complete cards, decoded as each really is (one says SHIFT_JIS and is UTF-8)."""
    lines = []
    for line in (FILES / "android_sjis.vcf").read_bytes().decode("ascii").splitlines():
        head, _, value = line.partition(":")
        if "QUOTED-PRINTABLE" in head:
            raw = quopri.decodestring(value.encode())
            try:
                value = raw.decode("utf-8")
            except UnicodeDecodeError:
                value = raw.decode("cp932")
            head = head.replace(";CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE", "")
        lines.append(f"{head}:{value}")
    return _vcard_values("\n".join(lines) + "\n")


def feature_phone_vcf() -> Values:
    text = (FILES / "feature_phone_sjis.vcf").read_bytes().decode("cp932", "ignore").replace(";CHARSET=SHIFT_JIS", "")
    return _vcard_values(text)  # the cut-off card has no END:VCARD: it is not counted


def title_rows_xlsx() -> Values:
    import openpyxl

    sheet = openpyxl.load_workbook(FILES / "title_rows.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[3])
    values = Values()
    for row in rows[4:]:
        record = {h: ("" if v is None else str(v)) for h, v in zip(header, row, strict=False)}
        phone = record["電話番号"]
        _add_phones(values, phone if phone.startswith("0") or not phone else "0" + phone, record["携帯電話"])
        _add_emails(values, record["メールアドレス"])
        _add_title(values, record["役職"])
        values.addresses.append((record["住所"],))
        values.names.append(("=", _squash(record["氏名"])))
    return values


# --- what is stored ------------------------------------------------------------------------------------------


def _digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))


def lost(expected: Values) -> dict:
    """{kind: [values not found on any stored person or company]}; empty lists when nothing was lost."""
    people = list(Person.objects.alive())
    companies = list(Company.objects.alive())
    notes = [_squash(p.notes) for p in people] + [_squash(c.notes) for c in companies]
    points = list(ContactPoint.objects.filter(person__in=people))
    phones = {(p.normalized, p.extension) for p in points if p.kind == "phone"}
    phones |= {(p.e164.lstrip("+"), p.extension) for p in points if p.kind == "phone" and p.e164}
    unparsed = [entry for p in people for entry in p.unparsed_values or []]
    phones |= {(_digits(e["value"]), "") for e in unparsed if e["kind"] == "phone"}
    company_phones = {c.phone_digits for c in companies if c.phone_digits}
    emails = {p.normalized for p in points if p.kind == "email"} | {
        e["value"].lower() for e in unparsed if e["kind"] == "email"
    }
    blobs = [_squash(f"{r.postcode}{r.prefecture}{r.city}{r.street}") for r in [*people, *companies]]
    titles = [e.title for e in Employment.objects.filter(person__in=people)]

    def phone_found(digits: str, extension: str) -> bool:
        forms = {digits, "81" + digits[1:]} if digits.startswith("0") else {digits}
        if any((form, extension) in phones for form in forms):
            return True
        return not extension and bool(forms & company_phones)

    def address_found(parts: tuple) -> bool:
        squashed = [_squash(p) for p in parts]
        return any(all(part in blob for part in squashed) for blob in blobs) or any(
            all(part in note for part in squashed) for note in notes
        )

    def title_found(title: str) -> bool:
        return any(title in t for t in titles) or any(_squash(title) in note for note in notes)

    def name_found(family: str, given: str) -> bool:
        if family == "=":  # a whole name: split or kept whole, as long as it is all there
            return any(p.family_name + p.given_name == given for p in people)
        if not family:
            return any(c.name == given for c in companies)
        return any(p.family_name == family and p.given_name == given for p in people)

    return {
        "phones": [p for p in expected.phones if not phone_found(*p)],
        "emails": [e for e in expected.emails if e not in emails],
        "addresses": [a for a in expected.addresses if not address_found(a)],
        "titles": [t for t in expected.titles if not title_found(t)],
        "names": [n for n in expected.names if not name_found(*n)],
    }
