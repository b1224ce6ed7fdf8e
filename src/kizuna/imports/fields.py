"""The fields an import fills and the column mapping that says which column goes where.

A job's mapping is `{"<column number>": "<what the column holds>"}` (column numbers from 0, as text). The value is
one of:

- a field: `"full_name"`, `"email"`, `"phone"` ... (see PERSON_FIELDS / COMPANY_FIELDS);
- a contact-point field with its label: `"phone:office"`, `"phone:home"`, `"phone:fax"`, `"phone:other"`,
  `"email:work"`, `"email:personal"`, `"email:other"` (`"mobile"` = `"phone:mobile"`, `"fax"` = `"phone:fax"`;
  a plain `"phone"` is labelled 携帯 for 070/080/090 numbers and 会社 otherwise);
- `"custom:<key>"`: a custom field of the record type (kizuna.customfields.imports);
- `"label:<column number>"`: this column holds, row by row, the label of the values in that other column
  (Google Contacts' `Phone 1 - Label` beside `Phone 1 - Value`: Work, Mobile, Home, Work Fax, * Other, 携帯 ...;
  for a memo column, the text put before its value).

Several columns may go to the contact points (phone, mobile, fax, email), to notes (each column's value becomes a
line, named by its header unless the header is a memo's), to tags, to street/address2 (joined) and to website;
every other field takes one column.
"""

from django.utils.translation import gettext as _

from kizuna.customfields import imports as custom_columns

PERSON_FIELDS = (
    "external_id", "full_name", "family_name", "given_name", "full_name_kana", "family_name_kana",
    "given_name_kana", "company", "company_kana", "corporate_number", "department", "title", "phone", "mobile",
    "fax", "email", "website", "postcode", "address", "address2", "prefecture", "city", "street", "country",
    "birthday", "notes", "tags", "record_kind",
)  # fmt: skip
COMPANY_FIELDS = (
    "name", "name_kana", "corporate_number", "phone", "fax", "email", "postcode", "address", "address2",
    "prefecture", "city", "street", "country", "industry", "website", "notes", "tags",
)  # fmt: skip
FIELDS = {"person": PERSON_FIELDS, "company": COMPANY_FIELDS}
FIELD_LABELS = {
    "external_id": "外部ID", "full_name": "氏名", "family_name": "姓", "given_name": "名", "full_name_kana": "フリガナ",
    "family_name_kana": "セイ", "given_name_kana": "メイ", "company": "会社名", "company_kana": "会社名フリガナ",
    "corporate_number": "法人番号", "department": "部署", "title": "役職", "phone": "電話番号", "mobile": "携帯電話",
    "fax": "FAX", "email": "メールアドレス", "website": "ウェブサイト", "postcode": "郵便番号", "address": "住所",
    "address2": "建物名", "prefecture": "都道府県", "city": "市区町村", "street": "番地", "country": "国",
    "birthday": "生年月日", "notes": "備考", "tags": "タグ", "name": "会社名", "name_kana": "会社名フリガナ",
    "industry": "業種", "record_kind": "レコード種別",
}  # fmt: skip
REQUIRED = {"person": "family_name", "company": "name"}  # an error on this field means the row cannot be imported
MULTI = {"phone", "mobile", "fax", "email", "notes", "tags", "street", "address2", "website"}  # several columns
CONTACT_FIELDS = {"phone", "mobile", "fax", "email"}

# ContactPoint.Label values, spelled out so that mapping stays free of models (it runs on rows, not records)
PHONE_LABELS = {"office": "会社", "mobile": "携帯", "home": "自宅", "fax": "FAX", "other": "その他"}
EMAIL_LABELS = {"work": "仕事", "personal": "個人", "other": "その他"}
LABELS = {"phone": PHONE_LABELS, "email": EMAIL_LABELS}
_FIXED_LABEL = {"mobile": ("phone", "mobile"), "fax": ("phone", "fax")}
SPEC_LABELS = {
    f"{field}:{label}": f"{FIELD_LABELS[field]}（{name}）"
    for field, names in LABELS.items()
    for label, name in names.items()
}  # fmt: skip


class Spec(tuple):
    """A parsed mapping value: (field, label, label_of). `label_of` is the column whose labels this column
    holds (then field and label are empty)."""

    __slots__ = ()

    def __new__(cls, field: str, label: str = "", label_of: int | None = None):
        return super().__new__(cls, (field, label, label_of))

    field = property(lambda self: self[0])
    label = property(lambda self: self[1])
    label_of = property(lambda self: self[2])


def parse_spec(value: str) -> Spec | None:
    """The parsed mapping value, or None when it is not one."""
    value = str(value or "").strip()
    head, sep, tail = value.partition(":")
    if head == "label" and sep:
        return Spec("", "", int(tail)) if tail.isascii() and tail.isdigit() and len(tail) <= 4 else None
    if head == "custom" and sep:
        return Spec(value) if custom_columns.is_key(tail) else None
    if head in _FIXED_LABEL and not sep:
        return Spec(*_FIXED_LABEL[head])
    if sep:
        return Spec(head, tail) if tail in LABELS.get(head, {}) else None
    return Spec(head) if head else None


def base_field(value: str) -> str:
    """The field of a mapping value ("phone:home" → "phone", "mobile" → "mobile", "label:3" → "")."""
    spec = parse_spec(value)
    if spec is None:
        return ""
    return "mobile" if value == "mobile" else "fax" if value == "fax" else spec.field


def spec_label(value: str, headers: list[str] | None = None) -> str:
    """How the wizard names a mapping value."""
    if value in SPEC_LABELS:
        return SPEC_LABELS[value]
    if custom := custom_columns.label(value):
        return custom
    spec = parse_spec(value)
    if spec is not None and spec.label_of is not None:
        header = headers[spec.label_of] if headers and spec.label_of < len(headers) else ""
        return (
            _("「%(header)s」の種別") % {"header": header}
            if header
            else _("%(column)s列目の種別") % {"column": spec.label_of + 1}
        )
    return FIELD_LABELS.get(value, value)


def choices(kind: str) -> list[tuple[str, str]]:
    """(value, label) of every field and labelled contact point a column can go to, in the wizard's order."""
    out = []
    for field in FIELDS[kind]:
        if field == "record_kind":
            continue
        out.append((field, FIELD_LABELS[field]))
        if field in LABELS:
            out += [(f"{field}:{label}", SPEC_LABELS[f"{field}:{label}"]) for label in LABELS[field]
                    if (field, label) not in _FIXED_LABEL.values()]  # fmt: skip
    return out + custom_columns.choices(kind)


def validate_mapping(mapping: dict[int, str], *, kind: str = "person") -> list[str]:
    """Japanese problems with a (possibly hand-edited) mapping; empty when it can be used."""
    problems = []
    seen: dict[str, int] = {}
    fields = set()
    for index, value in sorted(mapping.items()):
        spec = parse_spec(value)
        if (
            spec is None
            or (spec.label_of is None and spec.field not in FIELDS[kind] and not custom_columns.known(kind, spec.field))
            or (spec.field and spec.field not in CONTACT_FIELDS and spec.label)
        ):
            problems.append(
                _("%(column)s列目の項目「%(value)s」はこの取り込みでは使えません。")
                % {"column": index + 1, "value": value}
            )
            continue
        if spec.label_of is not None:
            target = parse_spec(mapping.get(spec.label_of, ""))
            if target is None or target.field not in {"phone", "email", "notes"}:
                problems.append(
                    _(
                        "%(column)s列目は%(target)s列目の種別の列に指定されていますが、"
                        "%(target)s列目は電話・メール・備考の列ではありません。"
                    )
                    % {"column": index + 1, "target": spec.label_of + 1}
                )
            continue
        field = base_field(value)
        fields.add(field)
        if field in seen and field not in MULTI:
            problems.append(
                _("「%(field)s」が%(first)s列目と%(second)s列目の両方に指定されています。")
                % {"field": spec_label(field), "first": seen[field] + 1, "second": index + 1}
            )
        seen.setdefault(field, index)
    if kind == "person" and not fields & {"full_name", "family_name"}:
        problems.append(_("氏名（または姓）の列を指定してください。"))
    if kind == "company" and "name" not in fields:
        problems.append(_("会社名の列を指定してください。"))
    return problems
