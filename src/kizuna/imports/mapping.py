"""One row → the data dict the contacts services take (which column holds which field is `headers`' part).

`map_row` cleans one row with `kizuna.core.japanese`: it splits 氏名 and its reading,
strips 様/殿, parses phones, e-mails, postcodes, 法人番号, addresses and 和暦 dates. A bad value becomes an error
on its field and is left out of the data, so the rest of the row can still be imported; a person's phone or e-mail
that cannot be read stays in the data, and the person keeps it as entered (要確認).
"""

import functools
import re
from typing import NamedTuple

from django.utils.translation import gettext as _

from kizuna.core import japanese
from kizuna.core.masking import MASK
from kizuna.customfields import imports as custom_columns

from .fields import (  # noqa: F401 - the mapping's vocabulary, re-exported for its users
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    FIELD_LABELS,
    FIELDS,
    LABELS,
    MULTI,
    PERSON_FIELDS,
    REQUIRED,
    SPEC_LABELS,
    Spec,
    base_field,
    choices,
    parse_spec,
    spec_label,
    validate_mapping,
)  # fmt: skip
from .headers import (  # noqa: F401 - header recognition, re-exported for the mapping's users
    AutoMapping,
    _keys,
    auto_map,
    guess_field,
    header_key,
    header_score,
)

# --- rows ---------------------------------------------------------------------------------------------


MASKED = "masked"  # the field of the warning about a masked cell (the dry run lists each column once)
REVIEW_TAG = "要確認"  # a row someone should look at (a whole name that could not be split)


class RowResult(NamedTuple):
    """`data`: keys only for values present, shaped for the contacts services (see `map_row`).
    `errors`/`warnings`: (field, Japanese message). An error leaves that value out of `data`."""

    data: dict
    errors: list[tuple[str, str]]
    warnings: list[tuple[str, str]]

    @property
    def importable(self) -> bool:
        """False when the required name is missing, so the service would reject the row."""
        required = {REQUIRED["person"], REQUIRED["company"], "full_name"}
        return not any(field in required for field, _ in self.errors)


_PLACEHOLDERS = {"-", "ー", "―", "‐", "なし", "無し", "不明", "n/a", "na", "null", "none", "未登録", "未入力"}
_PHONE_SPLIT = re.compile(r"[\n;,、/]+")
_EMAIL_SPLIT = re.compile(r"[\s;,、]+")
_TAG_SPLIT = re.compile(r"[、,;/\n]+")
_KANA_ONLY = re.compile(r"^[\u3041-\u309f\u30a0-\u30ffー\s]+$")
_CITY_NAME = r"[^\d\s市区町村郡]"
_CITY = re.compile(
    rf"^(?:{_CITY_NAME}[^\d\s区町村郡]{{0,5}}?市(?:{_CITY_NAME}{{1,4}}区)?"  # 市, or 政令市 + 区
    rf"|{_CITY_NAME}{{1,5}}区"  # 東京23区
    rf"|{_CITY_NAME}{{1,5}}郡{_CITY_NAME}{{1,5}}[町村])"  # 郡 + 町/村
)
_CITY_EXCEPTIONS = (
    "四日市市", "廿日市市", "野々市市", "町田市", "大町市", "十日町市", "村上市", "東村山市", "武蔵村山市", "村山市",
    "羽村市", "田村市", "大村市", "大和郡山市", "郡山市", "郡上市", "余市郡余市町", "市川市", "市原市",
)  # fmt: skip


def split_address(address: str) -> tuple[str, str, str]:
    """(prefecture, city, street). The city is taken only when it is clearly one (…市, …市…区, …区, …郡…町/村);
    otherwise it stays '' and the rest is the street, so nothing is lost."""
    prefecture, rest = japanese.split_prefecture(address)
    for known in _CITY_EXCEPTIONS:
        if rest.startswith(known):
            if ward := re.match(rf"{_CITY_NAME}{{1,4}}区", rest[len(known) :]):
                known += ward.group()
            return prefecture, known, rest[len(known) :].strip()
    if match := _CITY.match(rest):
        return prefecture, match.group(), rest[match.end() :].strip()
    return prefecture, "", rest


_ZERO_DATE = re.compile(r"^0+[/\-.]0+[/\-.]0+$")  # Outlook's "no date": 0/0/00, 00/0/0
_MULTI_VALUE = re.compile(r"\s*:::\s*")  # Google Contacts: several values in one cell
_MEMO_HEADERS = set(_keys("備考|メモ|notes|note|memo|comment|comments|コメント|特記事項|備考欄"))
_HONORIFICS = {"様", "殿", "さん", "御中", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "miss"}
_JAPAN = {"日本", "jp", "jpn", "japan", "日本国"}


def _clean(value) -> str:
    text = "" if value is None else str(value).strip()
    if not text or len(text) > 10:  # placeholders (なし, -, 0/0/00) are short
        return text
    folded = japanese.nfkc(text).lower()
    return "" if folded in _PLACEHOLDERS or _ZERO_DATE.match(folded) else text


class Cell(str):
    """One value of a row, with the label its column (phone:home) or its row (Google's "Work") gives it and the
    header of its column (what a line of the notes is called)."""

    label: str = ""
    header: str = ""

    def __new__(cls, value: str, label: str = "", header: str = ""):
        cell = super().__new__(cls, value)
        cell.label, cell.header = label, header
        return cell


def _row_label(field: str, text: str) -> str:
    """A label written in the row (Google's "* Work", "Mobile", "Work Fax"; 携帯, 自宅) as a contact point's
    label; "" for words it does not know (the number decides then)."""
    word = japanese.nfkc(text).strip().lstrip("*").strip().lower()
    if field == "email":
        if any(w in word for w in ("home", "personal", "private", "個人", "自宅", "プライベート")):
            return "personal"
        if any(w in word for w in ("work", "business", "office", "仕事", "会社", "勤務先")):
            return "work"
        return "other" if word else ""
    if "fax" in word or "ファクス" in word or "ファックス" in word:
        return "fax"
    if any(w in word for w in ("mobile", "cell", "iphone", "携帯")):
        return "mobile"
    if any(w in word for w in ("home", "自宅")):
        return "home"
    if any(w in word for w in ("work", "business", "office", "main", "company", "会社", "勤務先", "直通", "代表")):
        return "office"
    if any(w in word for w in ("other", "pager", "その他")):
        return "other"
    return ""


def _masked(field: str, cell: str) -> bool:
    """A value an export showed masked (****, 090-****-5678, t****@example.jp): never written as data."""
    if cell.strip() == MASK:
        return True
    return field in CONTACT_FIELDS and MASK in cell


@functools.lru_cache(maxsize=64)
def _columns(mapping: tuple, headers: tuple) -> tuple:
    """The mapping read once per file, not per row: (column, field, label, header, its labels' column)."""
    specs = {index: parse_spec(value) for index, value in mapping}
    row_labels = {spec.label_of: index for index, spec in specs.items() if spec and spec.label_of is not None}
    columns = []
    for index, value in sorted(mapping):
        spec = specs[index]
        if spec is None or spec.label_of is not None:
            continue
        field = base_field(value)
        header = headers[index] if index < len(headers) else ""
        columns.append((index, field, spec.label if field in ("phone", "email") else "", header, row_labels.get(index)))
    return tuple(columns)


def _raw_values(values: list[str], mapping: dict[int, str], headers: list[str] | None = None) -> dict[str, list]:
    """field → the row's Cells for it, in column order; a cell holding "a ::: b" gives two."""
    raw: dict[str, list] = {}
    width = len(values)
    for index, field, label, header, labels_at in _columns(tuple(mapping.items()), tuple(headers or ())):
        cell = _clean(values[index]) if index < width else ""
        if not cell:
            continue
        if _masked(field, cell):  # an export by someone who may not read the value: no data
            raw.setdefault("_masked", []).append(header or f"{index + 1}列目")
            continue
        if labels_at is not None and labels_at < width:
            written = _clean(values[labels_at])
            if field in ("phone", "email"):
                label = _row_label(field, written) or label
            elif written:
                header = written.lstrip("*").strip()
        for part in _MULTI_VALUE.split(cell) if ":::" in cell else [cell]:
            if part := part.strip():
                raw.setdefault(field, []).append(Cell(part, label, header))
    return raw


def _split_name(full: str, field: str, warnings: list) -> tuple[str, str]:
    family, given = japanese.split_full_name(full)
    if not given:
        warnings.append(
            (
                field,
                # the tag named in the message is REVIEW_TAG
                _("氏名「%(name)s」を姓と名に分けられませんでした。全体を姓として登録し、「要確認」のタグを付けます。")
                % {"name": full},
            )
        )
    return family, given


def _split_kana(full: str, warnings: list) -> tuple[str, str]:
    text = japanese.collapse_spaces(full)
    if " " in text:
        family, given = text.split(" ", 1)
        return family, given.replace(" ", "")
    warnings.append(
        (
            "full_name_kana",
            _("フリガナ「%(kana)s」を姓と名に分けられませんでした。全体をセイとして登録します。") % {"kana": full},
        )
    )
    return text, ""


def _person_names(raw: dict, data: dict, errors: list, warnings: list) -> bool:
    """Fills the names and readings; True when a whole name could not be split (someone should look)."""
    family = japanese.strip_honorific(_first(raw, "family_name"))
    given = japanese.strip_honorific(_first(raw, "given_name"))
    full = japanese.strip_honorific(_first(raw, "full_name"))
    if not family and not given and full:
        family, given = _split_name(full, "full_name", warnings)
    elif not family and given:
        family, given = _split_name(given, "given_name", warnings) if " " in given else (given, "")
    if family:
        data["family_name"] = family
    else:
        errors.append(("family_name", _("氏名（姓）が空のため登録できません。")))
    if given:
        data["given_name"] = given
    family_kana = japanese.collapse_spaces(_first(raw, "family_name_kana"))
    given_kana = japanese.collapse_spaces(_first(raw, "given_name_kana"))
    full_kana = _first(raw, "full_name_kana")
    if not family_kana and not given_kana and full_kana:
        family_kana, given_kana = _split_kana(full_kana, warnings)
    for key, value in (("family_name_kana", family_kana), ("given_name_kana", given_kana)):
        if value:
            data[key] = value
            if not _KANA_ONLY.match(value):
                warnings.append((key, _("フリガナ「%(kana)s」にかな以外の文字が含まれています。") % {"kana": value}))
    return bool(family) and not given and bool(full or _first(raw, "given_name"))


def _first(raw: dict, field: str) -> str:
    return next(iter(raw.get(field) or ()), "")


def _phones(raw: dict, data: dict, errors: list, *, kind: str, warnings: list | None = None) -> None:
    """A possible number the numbering-plan metadata does not list is kept (a warning: 要確認); text that is no
    number is an error on its field, yet goes to the person as entered (their unparsed values), never dropped."""
    entries, unread, seen = [], [], set()
    for field in ("phone", "mobile", "fax"):
        for cell in raw.get(field, []):
            for value in filter(None, (v.strip() for v in _PHONE_SPLIT.split(japanese.nfkc(cell)))):
                phone = japanese.parse_phone(value)
                label = (
                    {"mobile": "mobile", "fax": "fax"}.get(field)
                    or cell.label
                    or ("mobile" if phone.is_mobile else "office")
                )
                if not phone.valid and kind == "company":
                    errors.append(
                        (field, _("電話番号「%(phone)s」を番号として読めません。備考に残します。") % {"phone": value})
                    )
                    unread.append({"value": value, "label": label})
                    continue
                if not phone.valid:
                    errors.append(
                        (
                            field,
                            _("電話番号「%(phone)s」を番号として読めません。入力のまま要確認に残します。")
                            % {"phone": value},
                        )
                    )
                    if value not in seen:
                        seen.add(value)
                        unread.append({"value": value, "label": label})
                    continue
                if phone.digits in seen:
                    continue
                seen.add(phone.digits)
                if phone.needs_review and warnings is not None:
                    warnings.append(
                        (
                            field,
                            _("電話番号「%(phone)s」は番号計画にない番号です。要確認として登録します。")
                            % {"phone": value},
                        )
                    )
                entry = {"value": value, "label": label}
                if phone.extension:
                    entry["extension"] = phone.extension
                entries.append(entry)
    if kind == "company":  # one 代表電話: the other numbers are kept as lines of the notes
        office = [e for e in entries if e["label"] != "fax"] or entries
        if office:
            data["phone"] = office[0]["value"] + (f" 内線{office[0]['extension']}" if "extension" in office[0] else "")
        for entry in [e for e in entries if not office or e is not office[0]] + unread:
            name = LABELS["phone"].get(entry["label"], "電話")
            extension = f" 内線{entry['extension']}" if "extension" in entry else ""
            data.setdefault("_note_lines", []).append(
                f"{'FAX' if entry['label'] == 'fax' else '電話（' + name + '）'}: {entry['value']}{extension}"
            )
    elif entries or unread:
        data["phones"] = entries + unread  # the numbers first: the first one is the match key


def _emails(raw: dict, data: dict, errors: list) -> None:
    """RFC 6531: Japanese local parts and IDN domains are addresses; text that is none is an error on the field,
    yet goes to the person as entered (their unparsed values), never dropped."""
    entries, unread, seen = [], [], set()
    for cell in raw.get("email", []):
        for value in filter(None, _EMAIL_SPLIT.split(japanese.nfkc(cell).strip())):
            if value.lower().startswith("mailto:"):
                value = value[7:]
            key = japanese.normalize_email(value)
            if key in seen:
                continue
            seen.add(key)
            label = cell.label or "work"
            if japanese.is_valid_email(value):
                entries.append({"value": value, "label": label})
            else:
                errors.append(
                    (
                        "email",
                        _("メールアドレス「%(email)s」を読めません。入力のまま要確認に残します。") % {"email": value},
                    )
                )
                unread.append({"value": value, "label": label})
    if entries or unread:
        data["emails"] = entries + unread


_LEADING_POSTCODE = re.compile(r"^\s*〒?\s*(\d{3})\s*[-ー－]?\s*(\d{4})(?!\d)\s*")


def _squashed(text: str) -> str:
    return re.sub(r"[\s　〒,、]+", "", japanese.nfkc(text))


def _joined(raw: dict, field: str) -> str:
    return " ".join(japanese.collapse_spaces(v) for v in raw.get(field, []) if v.strip())


def _foreign_address(raw: dict, data: dict) -> None:
    """An address abroad is kept as written: no 都道府県 or 〒 to check, the parts joined into the street."""
    parts = [_joined(raw, f) for f in ("street", "address2", "address", "prefecture", "postcode", "country")]
    if city := _joined(raw, "city"):
        data["city"] = city
    if street := " ".join(p for p in parts if p):
        data["street"] = street


def _address(raw: dict, data: dict, errors: list, warnings: list) -> None:
    country = japanese.collapse_spaces(_first(raw, "country"))
    if country and japanese.nfkc(country).lower() not in _JAPAN:
        return _foreign_address(raw, data)
    address = japanese.collapse_spaces(_first(raw, "address"))
    if match := _LEADING_POSTCODE.match(japanese.nfkc(address)):  # "〒100-0005 東京都…" (Google's formatted one)
        raw.setdefault("postcode", [f"{match[1]}-{match[2]}"])
        address = japanese.nfkc(address)[match.end() :].strip()
    if postcode_raw := _first(raw, "postcode"):
        postcode = japanese.normalize_postcode(postcode_raw)
        if postcode:
            data["postcode"] = postcode.display
        else:
            errors.append(("postcode", _("郵便番号「%(postcode)s」は7桁の数字ではありません（例: 100-0001）。"
                                         "備考に残します。") % {"postcode": postcode_raw}))  # fmt: skip
            data.setdefault("_note_lines", []).append(f"郵便番号: {postcode_raw}")
    prefecture_raw = japanese.collapse_spaces(_first(raw, "prefecture"))
    city = japanese.collapse_spaces(_first(raw, "city"))
    street = _joined(raw, "street")
    prefecture = japanese.normalize_prefecture(prefecture_raw) if prefecture_raw else ""
    if prefecture_raw and not prefecture:
        warnings.append(
            (
                "prefecture",
                _("都道府県「%(prefecture)s」が見つかりません。番地の先頭に残します。")
                % {"prefecture": prefecture_raw},
            )
        )
        street = f"{prefecture_raw} {street}".strip()
    building = _joined(raw, "address2")
    parts = _squashed(f"{city}{street}{building}")
    if address and parts and parts in _squashed(address):  # the formatted form of the parts beside it
        address = ""
    if address:
        a_prefecture, a_city, a_street = split_address(address)
        if prefecture and a_prefecture and prefecture != a_prefecture:
            warnings.append(
                (
                    "address",
                    _("住所「%(address)s」の都道府県が都道府県の列（%(prefecture)s）と違います。")
                    % {"address": address, "prefecture": prefecture},
                )
            )
        prefecture = prefecture or a_prefecture
        if not city and not street:
            city, street = a_city, a_street
        else:
            street = " ".join(part for part in (street, a_street if city else f"{a_city}{a_street}") if part)
    elif not prefecture and not city and street:
        prefecture, city, street = split_address(street)
    if building:
        street = f"{street} {building}".strip()
    for key, value in (("prefecture", prefecture), ("city", city), ("street", street)):
        if value:
            data[key] = value


def _tags(raw: dict) -> list[str]:
    tags: list[str] = []
    for cell in raw.get("tags", []):
        for tag in _TAG_SPLIT.split(japanese.nfkc(cell)):
            tag = tag.strip()
            if tag.startswith("*"):  # Google's own groups: * myContacts, * starred
                continue
            if tag and tag not in tags:
                tags.append(tag)
    return tags


def _corporate_number(value: str, errors: list) -> str:
    number = japanese.normalize_corporate_number(value)
    if number:
        return number
    digits = re.sub(r"[\s\-]", "", japanese.nfkc(value))
    if re.fullmatch(r"\d{13}", digits):
        errors.append(
            (
                "corporate_number",
                _("法人番号「%(number)s」のチェックディジットが正しくありません。") % {"number": value},
            )
        )
    else:
        errors.append(("corporate_number", _("法人番号「%(number)s」は13桁の数字ではありません。") % {"number": value}))
    return ""


def _note_lines(raw: dict) -> list[str]:
    """Each value of a notes column is a line, named by its header (名刺交換日: 2024/04/15) unless the column is
    a memo; a courtesy word alone (様, Mr.) is no information and is left out."""
    lines = []
    for cell in raw.get("notes", []):
        value = cell.strip()
        if japanese.nfkc(value).lower() in _HONORIFICS:
            continue
        header = getattr(cell, "header", "")
        memo = not header or header_key(header) in _MEMO_HEADERS
        lines.append(value if memo else f"{header}: {value}")
    return lines


def _birthday(raw: dict, data: dict, errors: list) -> None:
    if value := _first(raw, "birthday"):
        if birthday := japanese.parse_japanese_date(value):
            data["birthday"] = birthday.isoformat()
        else:
            errors.append(("birthday", _("生年月日「%(date)s」を日付として読めません（例: 1980/4/1、昭和55年4月1日）。"
                                         "備考に残します。") % {"date": value}))  # fmt: skip
            data.setdefault("_note_lines", []).append(f"生年月日: {value}")


def _is_company_row(raw: dict) -> bool:
    """A person import's row that is a company: marked so (a vCard company card), or a company with no name of
    a person (Google Contacts' organization-only contact)."""
    kind = japanese.nfkc(_first(raw, "record_kind")).strip().lower()
    if kind in ("company", "organization", "会社", "法人"):
        return True
    names = ("family_name", "given_name", "full_name")
    return bool(_first(raw, "company")) and not any(_first(raw, f) for f in names)


def map_row(values: list[str], mapping: dict[int, str], *, kind: str = "person",
            headers: list[str] | None = None) -> RowResult:  # fmt: skip
    """Clean one row. Person data keys: family_name, given_name, family_name_kana, given_name_kana,
    external_id, company_name, company_kana, company_corporate_number, company_website, department, title,
    phones [{"value", "label": "office"|"mobile"|"home"|"fax"|"other", "extension"?}], emails [{"value",
    "label": "work"|"personal"|"other"}], postcode ("100-0001"), prefecture, city, street, birthday (ISO
    "1980-04-01"), notes, tags [str]. Company data keys: name, name_kana, corporate_number, phone (str),
    postcode, prefecture, city, street, industry, website, notes, tags. A person import's row that is a company
    gets company data with "record_kind": "company". `headers` name the lines of the notes."""
    raw = _raw_values(values, mapping, headers)
    data: dict = {}
    errors: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = [
        (MASKED, f"列「{header}」の伏せ字（{MASK}）は、表示が制限された値のため取り込みません。")
        for header in raw.pop("_masked", [])
    ]
    review = False
    if kind == "person" and _is_company_row(raw):
        kind = data["record_kind"] = "company"
        raw["name"], raw["name_kana"] = raw.pop("company", []), raw.pop("company_kana", [])
        for cell in raw.pop("email", []):
            raw.setdefault("notes", []).append(Cell(cell, header="メール"))
        for field in ("department", "title", "given_name_kana", "family_name_kana", "full_name_kana"):
            for cell in raw.pop(field, []):
                raw.setdefault("notes", []).append(Cell(cell, header=FIELD_LABELS[field]))
    if kind == "person":
        review = _person_names(raw, data, errors, warnings)
        for field, key in (("external_id", "external_id"), ("company", "company_name")):
            if value := _first(raw, field):
                data[key] = value
        if value := japanese.collapse_spaces(_first(raw, "company_kana")):
            data["company_kana"] = value
        for field in ("department", "title"):
            if value := japanese.collapse_spaces(_first(raw, field)):
                data[field] = value
        if (value := _first(raw, "corporate_number")) and (number := _corporate_number(value, errors)):
            data["company_corporate_number"] = number
        _emails(raw, data, errors)
        _birthday(raw, data, errors)
        sites = raw.get("website", [])
        if sites:  # a person has no website: the company gets it (when it has none) and the notes keep each
            data["company_website"] = sites[0].strip()
            data.setdefault("_note_lines", []).extend(f"URL: {site.strip()}" for site in sites)
    elif kind == "company":
        if name := _first(raw, "name"):
            data["name"] = name
        else:
            errors.append(("name", _("会社名が空のため登録できません。")))
        if kana := japanese.collapse_spaces(_first(raw, "name_kana")):
            data["name_kana"] = kana
        if (value := _first(raw, "corporate_number")) and (number := _corporate_number(value, errors)):
            data["corporate_number"] = number
        for field in ("industry", "website"):
            if value := _first(raw, field):
                data[field] = value.strip()
        for cell in raw.get("website", [])[1:] + raw.get("email", []):
            data.setdefault("_note_lines", []).append(
                f"{'URL' if cell in raw.get('website', []) else 'メール'}: {cell}"
            )
    else:
        raise ValueError(f"unknown import kind: {kind}")
    _phones(raw, data, errors, kind=kind, warnings=warnings)
    _address(raw, data, errors, warnings)
    if notes := "\n".join(_note_lines(raw) + data.pop("_note_lines", [])):
        data["notes"] = notes
    tags = _tags(raw)
    if review and REVIEW_TAG not in tags:
        tags.append(REVIEW_TAG)
    if tags:
        data["tags"] = tags
    if custom := custom_columns.row_values(raw):
        data["custom"] = custom
    return RowResult(data, errors, warnings)
