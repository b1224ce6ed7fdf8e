"""Which Kizuna field each column of an exported list holds: the Japanese and English headers of other systems'
exports (氏名, フリガナ(姓), 会社名, 携帯電話, 〒, E-mail, Google's "Phone 1 - Value", Outlook's, Sansan's, ...), the
label columns beside them, and which row is the header row. `mapping` cleans the rows once the columns are known."""

import re

from django.utils.translation import gettext as _

from kizuna.core import japanese

from .fields import (
    FIELD_LABELS,
    FIELDS,
    MULTI,
    SPEC_LABELS,
    base_field,
    parse_spec,
    validate_mapping,
)  # fmt: skip


def _keys(words: str) -> list[str]:
    return [header_key(word) for word in words.split("|")]


def header_key(header: str) -> str:
    """NFKC, lower case, without spaces, punctuation and 必須/任意 marks: 'E-mail' → 'email', 'No.' → 'no'."""
    text = japanese.nfkc(header).lower().replace("必須", "").replace("任意", "")
    return "".join(char for char in text if char.isalnum() or char == "〒")


_COMMON = {
    "phone": _keys(
        "電話番号|電話|tel|tel番号|telephone|phone|phone number|固定電話|primary phone|phone 1 - value"
        "|phone 2 - value|phone 3 - value|phone 4 - value|phone 5 - value"
    ),
    "phone:office": _keys(
        "会社電話|会社電話番号|会社電話 2|代表電話|代表電話番号|代表番号|勤務先電話番号|電話番号(会社)|work phone"
        "|office phone|business phone|business phone 2|company main phone|tel会社|tel部門|tel直通|直通|直通電話"
        "|部門電話|tel(会社)|tel(部門)|tel(直通)"
    ),
    "phone:home": _keys("自宅電話|自宅電話 2|自宅電話番号|home phone|home phone 2"),
    "phone:other": _keys(
        "その他の電話|アシスタントの電話|コールバック|自動車電話|isdn|ポケットベル|無線電話|tty/tdd 電話|テレックス"
        "|other phone|assistant's phone|callback|car phone|pager|radio phone|tty/tdd phone|telex"
    ),
    "fax": _keys(
        "fax|fax番号|ファックス|ファクス|ファックス番号|ファクス番号|fax no|会社 fax|自宅 fax|その他の fax"
        "|business fax|home fax|other fax"
    ),
    "email": _keys(
        "メール|メールアドレス|eメール|eメールアドレス|email|email address|mail|mail address|電子メール"
        "|メアド|会社メール|会社メールアドレス|電子メール アドレス|電子メール 2 アドレス|電子メール 3 アドレス"
        "|e-mail address|e-mail 2 address|e-mail 3 address|e-mail 1 - value|e-mail 2 - value|e-mail 3 - value"
        "|e-mail 4 - value|メール2|メールアドレス2|メール 2|email 2|e-mail 2|email2|サブメール|予備メール"
    ),
    "email:personal": _keys("個人メール|個人メールアドレス|携帯メール|携帯メールアドレス|自宅メール|personal email"),
    "postcode": _keys(
        "郵便番号|〒|zip|zip code|postal|postal code|postcode|郵便|会社 郵便番号|business postal code"
        "|address 1 - postal code"
    ),
    "address": _keys(
        "住所|所在地|address|住所1|会社住所|勤務先住所|本社所在地|住所(会社)|address 1 - formatted|business address"
    ),
    "address2": _keys(
        "住所2|建物名|ビル名|建物|address 2|address line 2|マンション名|会社 番地 2|会社 番地 3|business street 2"
        "|business street 3|address 1 - extended address|address 1 - po box|business address po box"
    ),
    "prefecture": _keys("都道府県|都道府県名|prefecture|state|県|会社 都道府県|business state|address 1 - region"),
    "city": _keys("市区町村|市区郡|市町村|市区町村名|city|会社 市区町村|business city|address 1 - city"),
    "street": _keys(
        "番地|町名番地|町域番地|丁目番地|町名・番地|street|street address|会社 番地|business street|address 1 - street"
    ),
    "country": _keys("国|国/地域|country|会社 国/地域|business country|address 1 - country"),
    "notes": _keys(
        "備考|メモ|notes|note|memo|comment|comments|コメント|特記事項|備考欄|名刺交換日|交換日"
        # a courtesy title beside the job title, and home or other addresses: kept as lines of the notes
        "|肩書き|敬称|name prefix|name suffix|suffix|自宅 番地|自宅 番地 2|自宅 番地 3|自宅 市区町村|自宅 都道府県"
        "|自宅 郵便番号|自宅 国/地域|home street|home street 2|home street 3|home city|home state|home postal code"
        "|home country|home address|other street|other city|other state|other postal code|other country"
        "|other address|nickname|ニックネーム|記念日|anniversary"
    ),
    "tags": _keys("タグ|tags|tag|ラベル|labels|分類|categories"),
    "corporate_number": _keys("法人番号|corporate number|法人番号(13桁)"),
    "website": _keys(
        "url|website|web|webサイト|ウェブサイト|ホームページ|hp|homepage|サイト|ホームページurl|web ページ|web page"
        "|website 1 - value"
    ),
}
_PERSON = _COMMON | {
    "external_id": _keys(
        "No|ID|顧客ID|顧客番号|顧客コード|管理番号|外部ID|external id|会員番号|連絡先ID|名刺ID|名刺id"
    ),
    "full_name": _keys(
        "氏名|名前|お名前|氏名(漢字)|名前(漢字)|name|full name|顧客名|顧客氏名|ご担当者名|担当者氏名"
        "|contact name|表示名|display name"
    ),
    "family_name": _keys("姓|苗字|名字|氏|姓(漢字)|last name|family name|surname"),
    "given_name": _keys("名|名(漢字)|first name|given name"),
    "family_name_kana": _keys("セイ|せい|姓フリガナ|phonetic last name"),
    "given_name_kana": _keys("メイ|めい|名フリガナ|phonetic first name"),
    "company": _keys(
        "会社名|会社|企業名|企業|取引先|取引先名|勤務先|勤務先名|所属会社|法人名|社名|company|company name"
        "|organization|organisation|organization 1 - name|organization name|組織|組織名"
    ),
    "company_kana": _keys("会社名フリガナ|会社名カナ|会社フリガナ|phonetic organization name|company yomi"),
    "department": _keys(
        "部署|部署名|所属|所属部署|部門|部課|department|dept|division|organization 1 - department"
        "|organization department"
    ),
    "title": _keys("役職|役職名|肩書|title|job title|position|organization 1 - title|organization title"),
    "mobile": _keys("携帯|携帯電話|携帯電話番号|携帯番号|ケータイ|mobile|mobile phone|cell|cell phone|携帯tel|tel携帯"),
    "birthday": _keys("生年月日|誕生日|birthday|birth date|date of birth|dob"),
    "record_kind": _keys("レコード種別|record kind"),
}
_COMPANY = _COMMON | {
    "name": _keys(
        "会社名|会社|企業名|企業|法人名|社名|取引先|取引先名|名称|商号|company|company name|name|organization|顧客名"
    ),
    "industry": _keys("業種|業界|業種名|industry"),
}
_EXACT = {
    kind: {key: field for field, keys in table.items() for key in keys if parse_spec(field).field in FIELDS[kind]}
    | {header_key(f): f for f in FIELDS[kind]}
    | {header_key(label): spec for spec, label in SPEC_LABELS.items() if parse_spec(spec).field in FIELDS[kind]}
    for kind, table in (("person", _PERSON), ("company", _COMPANY))
}
# When a file has both, the job title wins the 役職 field and the other (Outlook's 肩書き/Title = Dr., 様) is
# kept in the notes.
_JOB_TITLE = set(_keys("役職|役職名|job title|organization 1 - title|organization title|position"))
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
    "person": {"family": "family_name_kana", "given": "given_name_kana", "full": "full_name_kana",
               "company": "company_kana"},
    "company": {"full": "name_kana", "company": "name_kana"},
}  # fmt: skip
_LABEL_COLUMN = re.compile(r"^(.*?)(?:label|type)$")  # Google's "Phone 1 - Label" beside "Phone 1 - Value"


def guess_field(header: str, kind: str = "person") -> str | None:
    """The field (or labelled contact-point field, "phone:home") a header names, or None."""
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
    return _("「%(header)s」") % {"header": header} if header else _("%(column)s列目") % {"column": index + 1}


def _label_columns(headers: list[str], result: "AutoMapping") -> None:
    """'X - Label' / 'X - Type' columns beside a mapped 'X - Value' phone or e-mail column hold its labels."""
    values = {}
    for index, field in result.items():
        key = header_key(headers[index])
        if key.endswith("value") and base_field(field) in {"phone", "email"}:
            values[key[: -len("value")]] = index
    for index in list(result.unmapped):
        match = _LABEL_COLUMN.match(header_key(headers[index]))
        if match and match.group(1) in values:
            result[index] = f"label:{values[match.group(1)]}"
            result.unmapped.remove(index)


def auto_map(headers: list[str], *, kind: str = "person") -> AutoMapping:
    """Guess the field of each column. Phones, e-mails, notes, tags, address lines and websites may come from
    several columns; any other field goes to one column only: the first wins (the job title over a courtesy
    title, which is kept in the notes), later columns are reported in `duplicates` and stay unmapped."""
    result = AutoMapping()
    taken: dict[str, int] = {}
    guesses = [guess_field(header, kind) for header in headers]
    job_title = any(header_key(h) in _JOB_TITLE for h in headers)
    for index, field in enumerate(guesses):
        if field == "title" and job_title and header_key(headers[index]) not in _JOB_TITLE:
            field = "notes"
        base = base_field(field) if field else None
        if field is None:
            result.unmapped.append(index)
        elif base in taken and base not in MULTI:
            result.duplicates.append((index, field, taken[base]))
            result.unmapped.append(index)
            result.warnings.append(
                _("列%(column)sも「%(field)s」のようですが、列%(used)sを使います。")
                % {
                    "column": _column_name(headers, index),
                    "field": FIELD_LABELS[base],
                    "used": _column_name(headers, taken[base]),
                }
            )
        else:
            taken.setdefault(base, index)
            result[index] = field
    if (
        kind == "person"
        and "family_name_kana" in taken
        and "full_name_kana" in taken
        and ("given_name_kana" not in taken)
    ):  # Outlook's 姓フリガナ beside 名前フリガナ: the latter is the given name's
        result[taken["full_name_kana"]] = "given_name_kana"
    _label_columns(headers, result)
    if not result:
        result.warnings.append(
            _(
                "1行目の見出しから項目を判別できませんでした。列の対応を指定してください"
                "（1行目からデータが始まっている場合は、見出し行を追加してください）。"
            )
        )
    else:
        result.warnings.extend(validate_mapping(result, kind=kind))
    return result


def header_score(headers: list[str], kind: str = "person") -> int:
    """How many cells of a row read as known headers: the header row is the row that scores best."""
    return sum(1 for header in headers if header and guess_field(str(header), kind))
