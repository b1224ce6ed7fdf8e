"""Exports of people and companies: CSV (UTF-8 with BOM for Excel, CP932, UTF-8), xlsx and vCard.

Rows come from `visible_to(user)` with the list's own filters; cells that a spreadsheet would run as a
formula are escaped; a character CP932 cannot hold is reported, never replaced with "?"; every export is
written to the audit log (who, what, how many rows).
"""

import csv
import io
import re
from dataclasses import dataclass
from itertools import batched

from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import has_perm
from kizuna.core.spreadsheet import escape_formula
from kizuna.core.visibility import viewer_for
from kizuna.customfields import access as custom_access
from kizuna.customfields.values import display as custom_display

from .filters import filter_companies, filter_people
from .models import Company, Person

FORMATS = ("csv", "xlsx", "vcf")
ENCODINGS = ("utf-8-sig", "cp932", "utf-8")

PERSON_COLUMNS = [
    ("外部ID", "external_id"), ("姓", "family_name"), ("名", "given_name"), ("セイ", "family_name_kana"),
    ("メイ", "given_name_kana"), ("会社名", "company"), ("部署", "department"), ("役職", "title"),
    ("電話番号", "phone"), ("携帯電話", "mobile"), ("FAX", "fax"), ("メールアドレス", "email"),
    ("郵便番号", "postcode"), ("都道府県", "prefecture"), ("市区町村", "city"), ("番地・建物", "street"),
    ("誕生日", "birthday"), ("ステージ", "stage"), ("タグ", "tags"), ("要確認（読み取れなかった値）", "unparsed"),
    ("メモ", "notes"),
]  # fmt: skip
COMPANY_COLUMNS = [
    ("会社名", "name"), ("会社名（カナ）", "name_kana"), ("法人番号", "corporate_number"), ("業種", "industry"),
    ("代表電話", "phone"), ("郵便番号", "postcode"), ("都道府県", "prefecture"), ("市区町村", "city"),
    ("番地・建物", "street"), ("Webサイト", "website"), ("タグ", "tags"), ("メモ", "notes"),
]  # fmt: skip


class ExportError(ValidationFailed):
    pass


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str
    content_type: str
    left_out: int = 0  # records other apps keep out of exports (people whose use is suspended)


_EXCLUSIONS: dict[str, list] = {}


def register_exclusion(kind: str, reason: str, excluded) -> None:
    """Another app keeps records out of every export (privacy: people whose use is suspended, 利用停止).
    `excluded()` returns a queryset of the ids to leave out; exports count and report what they left out."""
    _EXCLUSIONS.setdefault(kind, []).append((reason, excluded))


def _exclude(kind: str, qs, left_out: dict):
    for reason, excluded in _EXCLUSIONS.get(kind, []):
        ids = excluded()
        if count := qs.filter(pk__in=ids).count():
            left_out[reason] = left_out.get(reason, 0) + count
        qs = qs.exclude(pk__in=ids)
    return qs


def _person_rows(user, people):
    viewer = viewer_for(user)
    for chunk in batched(people, 2000):
        viewer.prime(Person, [p.pk for p in chunk])
        viewer.prime_related(chunk, "company")  # an employer the reader may not see is left blank
        yield from zip(_person_chunk(viewer, chunk), chunk, strict=True)


def _person_chunk(viewer, people):
    for p in people:
        viewer.present(p)  # an export shows what its reader may read (masked values)
        points = list(p.contact_points.all())
        phones = [str(c) for c in points if c.kind == "phone" and c.label not in ("mobile", "fax")]
        mobiles = [str(c) for c in points if c.kind == "phone" and c.label == "mobile"]
        faxes = [str(c) for c in points if c.kind == "phone" and c.label == "fax"]
        emails = [c.value for c in points if c.kind == "email"]
        job = next((j for j in p.employments.all() if j.deleted_at is None and j.company_id == p.company_id), None)
        yield {
            "external_id": p.external_id, "family_name": p.family_name, "given_name": p.given_name,
            "family_name_kana": p.family_name_kana, "given_name_kana": p.given_name_kana,
            "company": p.company.name if viewer.sees(p.company) else "", "department": job.department if job else "",
            "title": job.title if job else "", "phone": " / ".join(phones), "mobile": " / ".join(mobiles),
            "fax": " / ".join(faxes), "email": " / ".join(emails), "postcode": p.postcode, "prefecture": p.prefecture,
            "city": p.city, "street": p.street, "birthday": p.birthday.strftime("%Y/%m/%d") if p.birthday else (
                "****" if getattr(p, "birthday_masked", False) else ""),
            "stage": p.get_lifecycle_stage_display(), "tags": "、".join(t.name for t in p.tags.all()), "notes": p.notes,
            "unparsed": " / ".join(str(e.get("value", "")) for e in p.unparsed_values or []),
        }  # fmt: skip


def _company_rows(companies):
    for c in companies:
        yield {
            "name": c.name, "name_kana": c.name_kana, "corporate_number": c.corporate_number, "industry": c.industry,
            "phone": c.phone, "postcode": c.postcode, "prefecture": c.prefecture, "city": c.city, "street": c.street,
            "website": c.website, "tags": "、".join(t.name for t in c.tags.all()), "notes": c.notes,
        }, c  # fmt: skip


def _with_custom(user, kind: str, columns: list, rows):
    """The custom fields `user` may read, as columns after the fixed ones (labelled in the reader's language)."""
    from django.contrib.auth import get_user_model

    fields = custom_access.readable(user, kind)
    if not fields:
        return columns, (row for row, _obj in rows)
    names = {u.pk: u for u in get_user_model().objects.all()} if any(f.type == "user" for f in fields) else {}

    def extended():
        for row, obj in rows:
            stored = obj.custom or {}
            yield row | {f.path: custom_display(f, stored.get(f.key), users=names) for f in fields}

    return columns + [(f.label, f.path) for f in fields], extended()


def records(user, kind: str, filters: dict, left_out: dict | None = None):
    """(columns, rows) of what `user` may see, with the list's filters; `left_out` gets {reason: count} of the
    records registered exclusions kept out."""
    left_out = {} if left_out is None else left_out
    if kind == "person":
        qs = _exclude(kind, filter_people(Person.objects.visible_to(user), user=user, **filters), left_out)
        qs = qs.select_related("company")
        qs = qs.prefetch_related("contact_points", "tags", "employments").order_by("kana_search", "id")
        return _with_custom(user, kind, PERSON_COLUMNS, _person_rows(user, qs.iterator(chunk_size=2000)))
    qs = _exclude(kind, filter_companies(Company.objects.visible_to(user), user=user, **filters), left_out)
    qs = qs.prefetch_related("tags")
    return _with_custom(
        user, kind, COMPANY_COLUMNS, _company_rows(qs.order_by("name_key", "id").iterator(chunk_size=2000))
    )


def _csv(columns, rows, encoding: str) -> tuple[bytes, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for label, _ in columns])
    count = 0
    problems = []
    for count, row in enumerate(rows, start=1):
        cells = [escape_formula(str(row[key] or "")) for _, key in columns]
        if encoding == "cp932":
            for (label, _key), cell in zip(columns, cells, strict=True):
                bad = [ch for ch in cell if not _cp932_ok(ch)]
                if bad and len(problems) < 20:
                    problem = _("%(row)s行目「%(column)s」: %(chars)s")
                    problems.append(problem % {"row": count + 1, "column": label, "chars": "".join(dict.fromkeys(bad))})
        writer.writerow(cells)
    if problems:
        message = _(
            "CP932（Shift_JIS）で表せない文字があります。UTF-8 で書き出すか、文字を直してください: %(problems)s"
        )
        raise ExportError(message % {"problems": "、".join(problems)}, field_errors={"encoding": problems})
    return buffer.getvalue().encode(encoding), count


def _cp932_ok(ch: str) -> bool:
    try:
        ch.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def _xlsx(columns, rows) -> tuple[bytes, int]:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Kizuna")
    sheet.append([label for label, _ in columns])
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007
        sheet.append([escape_formula(str(row[key] or "")) for _, key in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count


def _vcard_text(value: str) -> str:
    """RFC 6350 TEXT: backslash, comma and semicolon escaped; every line break (CRLF, CR, LF, U+2028) becomes \\n,
    so a note can never split its property or start a new one."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return re.sub(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]", "\\\\n", value)


def _vcf(rows) -> tuple[bytes, int]:
    cards = []
    for row in rows:
        e = {k: _vcard_text(str(v or "")) for k, v in row.items()}
        lines = [
            "BEGIN:VCARD", "VERSION:3.0", f"N:{e['family_name']};{e['given_name']};;;",
            f"FN:{(e['family_name'] + ' ' + e['given_name']).strip()}",
            f"X-PHONETIC-LAST-NAME:{e['family_name_kana']}", f"X-PHONETIC-FIRST-NAME:{e['given_name_kana']}",
        ]  # fmt: skip
        if e["company"]:
            lines.append(f"ORG:{e['company']};{e['department']}")
        if e["title"]:
            lines.append(f"TITLE:{e['title']}")
        for kind, key in (("WORK,VOICE", "phone"), ("CELL", "mobile"), ("WORK,FAX", "fax")):
            lines += [f"TEL;TYPE={kind}:{_vcard_text(n.strip())}" for n in row[key].split(" / ") if n.strip()]
        lines += [f"EMAIL;TYPE=INTERNET:{_vcard_text(m.strip())}" for m in row["email"].split(" / ") if m.strip()]
        if e["street"] or e["city"] or e["prefecture"]:
            lines.append(f"ADR;TYPE=WORK:;;{e['street']};{e['city']};{e['prefecture']};{e['postcode']};JP")
        if e["notes"]:
            lines.append(f"NOTE:{e['notes']}")
        lines += [f"X-KIZUNA-UNPARSED:{_vcard_text(v.strip())}" for v in row["unparsed"].split(" / ") if v.strip()]
        if e["external_id"]:
            lines.append(f"UID:{e['external_id']}")
        lines.append("END:VCARD")
        cards.append("\r\n".join(lines))
    return ("\r\n".join(cards) + "\r\n").encode("utf-8"), len(cards)


def export(*, actor, kind: str, filters: dict | None = None, fmt: str = "csv", encoding: str = "utf-8-sig") -> Export:
    if not has_perm(actor, kind, "export"):
        raise PermissionDenied(_("このロールには書き出しの権限がありません。"))
    if fmt not in FORMATS:
        message = _("形式は %(choices)s のいずれかです。") % {"choices": ", ".join(FORMATS)}
        raise ValidationFailed(field_errors={"format": [message]})
    if encoding not in ENCODINGS:
        message = _("文字コードは %(choices)s のいずれかです。") % {"choices": ", ".join(ENCODINGS)}
        raise ValidationFailed(field_errors={"encoding": [message]})
    if fmt == "vcf" and kind != "person":
        raise ValidationFailed(field_errors={"format": [_("vCard で書き出せるのは人だけです。")]})
    filters = {k: v for k, v in (filters or {}).items() if v}
    left_out: dict = {}
    columns, rows = records(actor, kind, filters, left_out)
    if fmt == "csv":
        content, count = _csv(columns, rows, encoding)
        content_type = f"text/csv; charset={'shift_jis' if encoding == 'cp932' else 'utf-8'}"
    elif fmt == "xlsx":
        content, count = _xlsx(columns, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, count = _vcf(rows)
        content_type = "text/vcard; charset=utf-8"
    name = "people" if kind == "person" else "companies"
    audit.record(
        actor=actor, action="export", object_type=f"contacts.{kind}", label=f"{name}.{fmt} ({count})",
        changes={"format": [None, fmt], "encoding": [None, encoding if fmt == "csv" else "utf-8"],
                 "rows": [None, count], "filters": [None, filters], "left_out": [None, left_out or None]},
    )  # fmt: skip
    return Export(content=content, rows=count, filename=f"kizuna-{name}.{fmt}", content_type=content_type,
                  left_out=sum(left_out.values()))  # fmt: skip
