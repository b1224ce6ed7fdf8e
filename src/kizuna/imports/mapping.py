"""Columns → Kizuna fields, and one row → the data dict the contacts services take.

`auto_map` recognizes the Japanese and English headers found in exported lists (氏名, フリガナ(姓), 会社名,
携帯電話, 〒, E-mail, ...). `map_row` cleans one row with `kizuna.core.japanese`: it splits 氏名 and its reading,
strips 様/殿, parses phones, e-mails, postcodes, 法人番号, addresses and 和暦 dates. A bad value becomes an error
on its field and is left out of the data, so the rest of the row can still be imported; a person's phone or e-mail
that cannot be read stays in the data, and the person keeps it as entered (要確認).
"""

import re
from typing import NamedTuple

from kizuna.core import japanese

PERSON_FIELDS = (
    "external_id", "full_name", "family_name", "given_name", "full_name_kana", "family_name_kana",
    "given_name_kana", "company", "corporate_number", "department", "title", "phone", "mobile", "fax", "email",
    "postcode", "address", "address2", "prefecture", "city", "street", "birthday", "notes", "tags",
)  # fmt: skip
COMPANY_FIELDS = (
    "name", "name_kana", "corporate_number", "phone", "postcode", "address", "address2", "prefecture", "city",
    "street", "industry", "website", "notes", "tags",
)  # fmt: skip
FIELDS = {"person": PERSON_FIELDS, "company": COMPANY_FIELDS}
FIELD_LABELS = {
    "external_id": "外部ID", "full_name": "氏名", "family_name": "姓", "given_name": "名", "full_name_kana": "フリガナ",
    "family_name_kana": "セイ", "given_name_kana": "メイ", "company": "会社名", "corporate_number": "法人番号",
    "department": "部署", "title": "役職", "phone": "電話番号", "mobile": "携帯電話", "fax": "FAX",
    "email": "メールアドレス", "postcode": "郵便番号", "address": "住所", "address2": "建物名",
    "prefecture": "都道府県", "city": "市区町村", "street": "番地", "birthday": "生年月日", "notes": "備考",
    "tags": "タグ", "name": "会社名", "name_kana": "会社名フリガナ", "industry": "業種", "website": "ウェブサイト",
}  # fmt: skip
REQUIRED = {"person": "family_name", "company": "name"}  # an error on this field means the row cannot be imported


def _keys(words: str) -> list[str]:
    return [header_key(word) for word in words.split("|")]


def header_key(header: str) -> str:
    """NFKC, lower case, without spaces, punctuation and 必須/任意 marks: 'E-mail' → 'email', 'No.' → 'no'."""
    text = japanese.nfkc(header).lower().replace("必須", "").replace("任意", "")
    return "".join(char for char in text if char.isalnum() or char == "〒")


_COMMON = {
    "phone": _keys(
        "電話番号|電話|tel|tel番号|telephone|phone|phone number|会社電話|会社電話番号|代表電話|代表電話番号"
        "|代表番号|固定電話|勤務先電話番号|電話番号(会社)|work phone|office phone|business phone"
        "|phone 1 - value"
    ),
    "postcode": _keys("郵便番号|〒|zip|zip code|postal|postal code|postcode|郵便"),
    "address": _keys("住所|所在地|address|住所1|会社住所|勤務先住所|本社所在地|住所(会社)"),
    "address2": _keys("住所2|建物名|ビル名|建物|address 2|address line 2|マンション名"),
    "prefecture": _keys("都道府県|都道府県名|prefecture|state|県"),
    "city": _keys("市区町村|市区郡|市町村|市区町村名|city"),
    "street": _keys("番地|町名番地|町域番地|丁目番地|町名・番地|street|street address"),
    "notes": _keys("備考|メモ|notes|note|memo|comment|comments|コメント|特記事項|備考欄"),
    "tags": _keys("タグ|tags|tag|ラベル|labels"),
    "corporate_number": _keys("法人番号|corporate number|法人番号(13桁)"),
}
_PERSON = _COMMON | {
    "external_id": _keys("No|ID|顧客ID|顧客番号|顧客コード|管理番号|外部ID|external id|会員番号|連絡先ID"),
    "full_name": _keys(
        "氏名|名前|お名前|氏名(漢字)|名前(漢字)|name|full name|顧客名|顧客氏名|ご担当者名|担当者氏名"
        "|contact name|表示名|display name"
    ),
    "family_name": _keys("姓|苗字|名字|氏|姓(漢字)|last name|family name|surname"),
    "given_name": _keys("名|名(漢字)|first name|given name"),
    "family_name_kana": _keys("セイ|せい"),
    "given_name_kana": _keys("メイ|めい"),
    "company": _keys(
        "会社名|会社|企業名|企業|取引先|取引先名|勤務先|勤務先名|所属会社|法人名|社名|company|company name"
        "|organization|organisation|organization 1 - name|組織|組織名"
    ),
    "department": _keys("部署|部署名|所属|所属部署|部門|部課|department|dept|division|organization 1 - department"),
    "title": _keys("役職|役職名|肩書|肩書き|title|job title|position|organization 1 - title"),
    "mobile": _keys("携帯|携帯電話|携帯電話番号|携帯番号|ケータイ|mobile|mobile phone|cell|cell phone|携帯tel"),
    "fax": _keys("fax|fax番号|ファックス|ファクス|ファックス番号|ファクス番号|fax no"),
    "email": _keys(
        "メール|メールアドレス|eメール|eメールアドレス|email|email address|mail|mail address|電子メール"
        "|メアド|e-mail 1 - value|会社メール|会社メールアドレス"
    ),
    "birthday": _keys("生年月日|誕生日|birthday|birth date|date of birth|dob"),
}
_COMPANY = _COMMON | {
    "name": _keys(
        "会社名|会社|企業名|企業|法人名|社名|取引先|取引先名|名称|商号|company|company name|name|organization|顧客名"
    ),
    "industry": _keys("業種|業界|業種名|industry"),
    "website": _keys("url|website|web|webサイト|ウェブサイト|ホームページ|hp|homepage|サイト|ホームページurl"),
}
_EXACT = {
    kind: {key: field for field, keys in table.items() for key in keys} | {header_key(f): f for f in FIELDS[kind]}
    for kind, table in (("person", _PERSON), ("company", _COMPANY))
}
_KANA_MARKS = sorted(
    _keys("フリガナ|ふりがな|カナ|かな|ヨミ|よみ|よみがな|読み|読みがな|読み仮名|kana|furigana|yomi|reading|phonetic"),
    key=len, reverse=True,
)  # fmt: skip
_KANA_BASES = {
    "family": _keys("姓|苗字|名字|氏|last name|family name|surname|last|family|sei"),
    "given": _keys("名|first name|given name|first|given|mei"),
    "full": ["", *_keys("氏名|名前|お名前|name|full name|顧客名|担当者名|ご担当者名")],
    "company": _keys("会社名|会社|企業名|法人名|社名|取引先|取引先名|名称|company|company name"),
}
_KANA_FIELDS = {
    "person": {"family": "family_name_kana", "given": "given_name_kana", "full": "full_name_kana"},
    "company": {"full": "name_kana", "company": "name_kana"},
}


def guess_field(header: str, kind: str = "person") -> str | None:
    """The field a header names, or None."""
    key = header_key(header or "")
    if not key:
        return None
    if key in _EXACT[kind]:
        return _EXACT[kind][key]
    for mark in _KANA_MARKS:
        if mark in key:
            base = key.replace(mark, "", 1)
            for group, bases in _KANA_BASES.items():
                if base in bases:
                    return _KANA_FIELDS[kind].get(group)
            return None
    return None


class AutoMapping(dict):
    """{column index: field}, plus what could not be placed: `duplicates` as (column, field, first column),
    `unmapped` column indexes and Japanese `warnings`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates: list[tuple[int, str, int]] = []
        self.unmapped: list[int] = []
        self.warnings: list[str] = []


def _column_name(headers: list[str], index: int) -> str:
    header = headers[index] if index < len(headers) else ""
    return f"「{header}」" if header else f"{index + 1}列目"


def auto_map(headers: list[str], *, kind: str = "person") -> AutoMapping:
    """Guess the field of each column. Each field goes to one column only: the first wins, later columns are
    reported in `duplicates` and stay unmapped. Unknown columns stay unmapped."""
    result = AutoMapping()
    taken: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = guess_field(header, kind)
        if field is None:
            result.unmapped.append(index)
        elif field in taken:
            result.duplicates.append((index, field, taken[field]))
            result.unmapped.append(index)
            result.warnings.append(
                f"列{_column_name(headers, index)}も「{FIELD_LABELS[field]}」のようですが、"
                f"列{_column_name(headers, taken[field])}を使います。"
            )
        else:
            taken[field] = index
            result[index] = field
    if not result:
        result.warnings.append(
            "1行目の見出しから項目を判別できませんでした。列の対応を指定してください"
            "（1行目からデータが始まっている場合は、見出し行を追加してください）。"
        )
    else:
        result.warnings.extend(validate_mapping(result, kind=kind))
    return result


def validate_mapping(mapping: dict[int, str], *, kind: str = "person") -> list[str]:
    """Japanese problems with a (possibly hand-edited) mapping; empty when it can be used."""
    problems = []
    seen: dict[str, int] = {}
    for index, field in sorted(mapping.items()):
        if field not in FIELDS[kind]:
            problems.append(f"{index + 1}列目の項目「{field}」はこの取り込みでは使えません。")
        elif field in seen:
            problems.append(
                f"「{FIELD_LABELS[field]}」が{seen[field] + 1}列目と{index + 1}列目の両方に指定されています。"
            )
        seen.setdefault(field, index)
    fields = set(mapping.values())
    if kind == "person" and not fields & {"full_name", "family_name"}:
        problems.append("氏名（または姓）の列を指定してください。")
    if kind == "company" and "name" not in fields:
        problems.append("会社名の列を指定してください。")
    return problems


# --- rows ---------------------------------------------------------------------------------------------


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
    for city in _CITY_EXCEPTIONS:
        if rest.startswith(city):
            if ward := re.match(rf"{_CITY_NAME}{{1,4}}区", rest[len(city) :]):
                city += ward.group()
            return prefecture, city, rest[len(city) :].strip()
    if match := _CITY.match(rest):
        return prefecture, match.group(), rest[match.end() :].strip()
    return prefecture, "", rest


def _clean(value) -> str:
    text = "" if value is None else str(value).strip()
    return "" if japanese.nfkc(text).lower() in _PLACEHOLDERS else text


def _raw_values(values: list[str], mapping: dict[int, str]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for index, field in sorted(mapping.items()):
        value = _clean(values[index]) if index < len(values) else ""
        if value:
            raw.setdefault(field, []).append(value)
    return raw


def _split_name(full: str, field: str, warnings: list) -> tuple[str, str]:
    family, given = japanese.split_full_name(full)
    if not given:
        warnings.append((field, f"氏名「{full}」を姓と名に分けられませんでした。全体を姓として登録します。"))
    return family, given


def _split_kana(full: str, warnings: list) -> tuple[str, str]:
    text = japanese.collapse_spaces(full)
    if " " in text:
        family, given = text.split(" ", 1)
        return family, given.replace(" ", "")
    warnings.append(
        ("full_name_kana", f"フリガナ「{full}」を姓と名に分けられませんでした。全体をセイとして登録します。")
    )
    return text, ""


def _person_names(raw: dict, data: dict, errors: list, warnings: list) -> None:
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
        errors.append(("family_name", "氏名（姓）が空のため登録できません。"))
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
                warnings.append((key, f"フリガナ「{value}」にかな以外の文字が含まれています。"))


def _first(raw: dict, field: str) -> str:
    return raw.get(field, [""])[0]


def _phones(raw: dict, data: dict, errors: list, *, kind: str, warnings: list | None = None) -> None:
    """A possible number the numbering-plan metadata does not list is kept (a warning: 要確認); text that is no
    number is an error on its field, yet goes to the person as entered (their unparsed values), never dropped."""
    entries, unread, seen = [], [], set()
    for field in ("phone", "mobile", "fax"):
        for cell in raw.get(field, []):
            for value in filter(None, (v.strip() for v in _PHONE_SPLIT.split(japanese.nfkc(cell)))):
                phone = japanese.parse_phone(value)
                label = {"mobile": "mobile", "fax": "fax"}.get(field) or ("mobile" if phone.is_mobile else "office")
                if not phone.valid and kind == "company":
                    errors.append((field, f"電話番号「{value}」の形式が正しくありません。"))
                    continue
                if not phone.valid:
                    errors.append((field, f"電話番号「{value}」を番号として読めません。入力のまま要確認に残します。"))
                    if value not in seen:
                        seen.add(value)
                        unread.append({"value": value, "label": label})
                    continue
                if phone.digits in seen:
                    continue
                seen.add(phone.digits)
                if phone.needs_review and warnings is not None:
                    warnings.append((field, f"電話番号「{value}」は番号計画にない番号です。要確認として登録します。"))
                entry = {"value": value, "label": label}
                if phone.extension:
                    entry["extension"] = phone.extension
                entries.append(entry)
    if kind == "company":
        if entries:
            data["phone"] = entries[0]["value"]
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
            if japanese.is_valid_email(value):
                entries.append({"value": value, "label": "work"})
            else:
                errors.append(("email", f"メールアドレス「{value}」を読めません。入力のまま要確認に残します。"))
                unread.append({"value": value, "label": "work"})
    if entries or unread:
        data["emails"] = entries + unread


def _address(raw: dict, data: dict, errors: list, warnings: list) -> None:
    if postcode_raw := _first(raw, "postcode"):
        postcode = japanese.normalize_postcode(postcode_raw)
        if postcode:
            data["postcode"] = postcode.display
        else:
            errors.append(("postcode", f"郵便番号「{postcode_raw}」は7桁の数字ではありません（例: 100-0001）。"))
    prefecture_raw = japanese.collapse_spaces(_first(raw, "prefecture"))
    city = japanese.collapse_spaces(_first(raw, "city"))
    street = japanese.collapse_spaces(_first(raw, "street"))
    prefecture = japanese.normalize_prefecture(prefecture_raw) if prefecture_raw else ""
    if prefecture_raw and not prefecture:
        warnings.append(("prefecture", f"都道府県「{prefecture_raw}」が見つかりません。番地の先頭に残します。"))
        street = f"{prefecture_raw} {street}".strip()
    address = japanese.collapse_spaces(_first(raw, "address"))
    if address:
        a_prefecture, a_city, a_street = split_address(address)
        if prefecture and a_prefecture and prefecture != a_prefecture:
            warnings.append(("address", f"住所「{address}」の都道府県が都道府県の列（{prefecture}）と違います。"))
        prefecture = prefecture or a_prefecture
        if not city and not street:
            city, street = a_city, a_street
        else:
            street = " ".join(part for part in (street, a_street if city else f"{a_city}{a_street}") if part)
    elif not prefecture and not city and street:
        prefecture, city, street = split_address(street)
    if building := japanese.collapse_spaces(_first(raw, "address2")):
        street = f"{street} {building}".strip()
    for key, value in (("prefecture", prefecture), ("city", city), ("street", street)):
        if value:
            data[key] = value


def _tags(raw: dict) -> list[str]:
    tags: list[str] = []
    for cell in raw.get("tags", []):
        for tag in _TAG_SPLIT.split(japanese.nfkc(cell)):
            tag = tag.strip()
            if tag and tag not in tags:
                tags.append(tag)
    return tags


def _corporate_number(value: str, errors: list) -> str:
    number = japanese.normalize_corporate_number(value)
    if number:
        return number
    digits = re.sub(r"[\s\-]", "", japanese.nfkc(value))
    if re.fullmatch(r"\d{13}", digits):
        errors.append(("corporate_number", f"法人番号「{value}」のチェックディジットが正しくありません。"))
    else:
        errors.append(("corporate_number", f"法人番号「{value}」は13桁の数字ではありません。"))
    return ""


def map_row(values: list[str], mapping: dict[int, str], *, kind: str = "person") -> RowResult:
    """Clean one row. Person data keys: family_name, given_name, family_name_kana, given_name_kana,
    external_id, company_name, company_corporate_number, department, title, phones [{"value", "label":
    "office"|"mobile"|"fax", "extension"?}], emails [{"value", "label": "work"}], postcode ("100-0001"),
    prefecture, city, street, birthday (ISO "1980-04-01"), notes, tags [str]. Company data keys: name,
    name_kana, corporate_number, phone (str), postcode, prefecture, city, street, industry, website, notes,
    tags."""
    raw = _raw_values(values, mapping)
    data: dict = {}
    errors: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    if kind == "person":
        _person_names(raw, data, errors, warnings)
        for field, key in (("external_id", "external_id"), ("company", "company_name")):
            if value := _first(raw, field):
                data[key] = value
        for field in ("department", "title"):
            if value := japanese.collapse_spaces(_first(raw, field)):
                data[field] = value
        if (value := _first(raw, "corporate_number")) and (number := _corporate_number(value, errors)):
            data["company_corporate_number"] = number
        _emails(raw, data, errors)
        if value := _first(raw, "birthday"):
            birthday = japanese.parse_japanese_date(value)
            if birthday:
                data["birthday"] = birthday.isoformat()
            else:
                errors.append(
                    ("birthday", f"生年月日「{value}」を日付として読めません（例: 1980/4/1、昭和55年4月1日）。")
                )
    elif kind == "company":
        if name := _first(raw, "name"):
            data["name"] = name
        else:
            errors.append(("name", "会社名が空のため登録できません。"))
        if kana := japanese.collapse_spaces(_first(raw, "name_kana")):
            data["name_kana"] = kana
        if (value := _first(raw, "corporate_number")) and (number := _corporate_number(value, errors)):
            data["corporate_number"] = number
        for field in ("industry", "website"):
            if value := _first(raw, field):
                data[field] = value
    else:
        raise ValueError(f"unknown import kind: {kind}")
    _phones(raw, data, errors, kind=kind, warnings=warnings)
    _address(raw, data, errors, warnings)
    if notes := "\n".join(raw.get("notes", [])):
        data["notes"] = notes
    if tags := _tags(raw):
        data["tags"] = tags
    return RowResult(data, errors, warnings)
