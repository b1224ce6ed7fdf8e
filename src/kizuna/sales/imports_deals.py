"""Import and export of deals (CSV CP932/UTF-8, xlsx), through sales.services.deals row by row.

A row names its company by 法人番号 (when given) or by name, matched the way duplicates are (core.japanese: legal
form and width folded, 株式会社X = X株式会社 = ㈱X, but 有限会社X ≠ 株式会社X) among the companies the importer can
see; a name that fits none or several is an error for that row, never a guess. The stage is named as in the
pipeline (a closed stage moves the deal there after it is made: 失注 needs 失注理由). A row with an ID updates that
deal. Rows that fail are reported with their row number; the rest go in (sales.imports)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import gettext_noop

from kizuna.contacts.models import Company
from kizuna.core import audit
from kizuna.core.exceptions import DomainError, PermissionDenied, ValidationFailed
from kizuna.core.japanese import company_key, legal_form, nfkc, normalize_corporate_number, parse_japanese_date
from kizuna.core.permissions import has_perm
from kizuna.core.visibility import placeholder

from .imports import ImportResult, _DryRun, error_text, read_rows, write_table
from .models import Deal, DealSource, Pipeline, Stage, TaxRate
from .services import deals as deal_services
from .services.products import parse_tax_rate

DEAL_COLUMNS = [  # the file's headers (see sales.imports.PRODUCT_COLUMNS)
    ("ID", "id"), (gettext_noop("案件名"), "title"), (gettext_noop("会社名"), "company"),
    (gettext_noop("法人番号"), "corporate_number"), (gettext_noop("パイプライン"), "pipeline"),
    (gettext_noop("ステージ"), "stage"), (gettext_noop("金額（税抜）"), "amount"),
    (gettext_noop("消費税率"), "tax_rate"),
    (gettext_noop("確度"), "probability"), (gettext_noop("受注予定日"), "expected_close_on"),
    (gettext_noop("次のアクション"), "next_step"), (gettext_noop("次のアクション期日"), "next_step_due"),
    (gettext_noop("引合元"), "source"), (gettext_noop("競合"), "competitors"),
    (gettext_noop("失注理由"), "lost_reason"),
    (gettext_noop("受注日"), "won_on"), (gettext_noop("担当者"), "owner"), (gettext_noop("公開範囲"), "visibility"),
]  # fmt: skip
DEAL_ALIASES = {
    "id": ("ID", "商談ID", "案件ID"),
    "title": ("案件名", "商談名", "件名", "title"),
    "company": ("会社名", "取引先", "取引先名", "顧客名", "company"),
    "corporate_number": ("法人番号", "corporatenumber"),
    "pipeline": ("パイプライン", "pipeline"),
    "stage": ("ステージ", "フェーズ", "stage"),
    "amount": ("金額（税抜）", "金額", "見込金額", "amount"),
    "tax_rate": ("消費税率", "税率", "taxrate"),
    "probability": ("確度", "確度（%）", "probability"),
    "expected_close_on": ("受注予定日", "完了予定日", "expectedcloseon", "closedate"),
    "next_step": ("次のアクション", "ネクストアクション", "nextstep"),
    "next_step_due": ("次のアクション期日", "nextstepdue"),
    "source": ("引合元", "リードソース", "source"),
    "competitors": ("競合", "competitors"),
    "lost_reason": ("失注理由", "lostreason"),
    "owner": ("担当者", "担当", "owner"),
    "visibility": ("公開範囲", "visibility"),
}
_SOURCES = {nfkc(str(label)): value for value, label in DealSource.choices} | {v: v for v in DealSource.values}
_VISIBILITY = {"全社公開": "public", "チーム内": "team", "非公開": "private", "public": "public", "team": "team",
               "private": "private"}  # fmt: skip


def find_company(actor, name: str, number: str):
    """The one company the row means, or (None, reason)."""
    visible = Company.objects.visible_to(actor)
    if number:
        normalized = normalize_corporate_number(number)
        if normalized is None:
            return None, _("法人番号「%(n)s」は13桁の正しい番号ではありません。") % {"n": number}
        found = list(visible.filter(corporate_number=normalized)[:2])
        if len(found) == 1:
            return found[0], ""
        if not name:
            return None, _("法人番号「%(n)s」の会社が見つかりません。") % {"n": number}
    if not name:
        return None, _("会社名か法人番号を入力してください。")
    key, form = company_key(name), legal_form(name)
    found = [c for c in visible.filter(name_key=key)[:20] if not form or not c.legal_form or c.legal_form == form]
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, _("会社「%(name)s」が見つかりません。先に会社を登録してください。") % {"name": name}
    return None, _("会社「%(name)s」に当てはまる会社が%(n)s件あります。法人番号で指定してください。") % {
        "name": name, "n": len(found)}  # fmt: skip


def _values(actor, data: dict, problems: list[str]) -> dict:
    """The row as the deal service's data (only the columns the file has)."""
    out = {k: data[k] for k in ("title", "amount", "next_step", "competitors") if k in data}
    if "tax_rate" in data:
        rate = parse_tax_rate(data["tax_rate"] or TaxRate.STANDARD)
        out["tax_rate"] = rate if rate is not None else data["tax_rate"]
    if "probability" in data:
        out["probability"] = nfkc(data["probability"]).removesuffix("%").strip()
    for key in ("expected_close_on", "next_step_due"):
        if key in data:
            raw = data[key]
            out[key] = (parse_japanese_date(raw) or raw) if raw else None
    if "source" in data:
        source = _SOURCES.get(nfkc(data["source"]).strip(), data["source"]) if data["source"] else ""
        out["source"] = source
    if data.get("visibility"):
        out["visibility"] = _VISIBILITY.get(nfkc(data["visibility"]).strip(), data["visibility"])
    owner = actor
    if data.get("owner"):
        owner = get_user_model().objects.filter(username=data["owner"].strip(), is_active=True).first()
        if owner is None:
            message = _("担当者「%(name)s」というユーザーがいません（ユーザー名で指定します）。")
            problems.append(message % {"name": data["owner"]})
        else:
            out["owner"] = owner.pk
    if data.get("pipeline"):
        pipeline = Pipeline.objects.alive().filter(name=data["pipeline"].strip()).first()
        if pipeline is None:
            problems.append(_("パイプライン「%(name)s」がありません。") % {"name": data["pipeline"]})
        else:
            out["pipeline"] = pipeline.pk
    elif owner is not None:
        out["_pipeline"] = deal_services.default_pipeline_for(owner.team_id)
    return out


def import_deals(*, actor, content: bytes, filename: str, encoding: str = "auto", dry_run: bool = False):
    if not (has_perm(actor, "deal", "import") and has_perm(actor, "deal", "create")):
        raise PermissionDenied(_("このロールには商談の取り込みの権限がありません。"))
    result = ImportResult(dry_run=dry_run)
    try:
        with transaction.atomic():
            for number, data, raw in read_rows(
                content, filename, encoding, DEAL_ALIASES, {"title": _l("案件名")}, result
            ):
                try:
                    with transaction.atomic():
                        _deal_row(actor, data, result)
                except DomainError as exc:
                    result.add_error(number, error_text(exc), raw)
            audit.record(actor=actor, action="import", object_type="sales.deal",
                         label=f"{filename} ({result.created + result.updated})",
                         changes={"created": [None, result.created], "updated": [None, result.updated],
                                  "errors": [None, result.failed], "dry_run": [None, dry_run]})  # fmt: skip
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    return result


def _deal_row(actor, data: dict, result: ImportResult) -> None:
    problems: list[str] = []
    values = _values(actor, data, problems)
    deal = None
    if data.get("id"):
        deal = Deal.objects.visible_to(actor).filter(pk=int(data["id"])).first() if data["id"].isdigit() else None
        if deal is None:
            problems.append(_("ID %(id)s の商談が見つかりません。") % {"id": data["id"]})
    if deal is not None and data.get("company") == placeholder(Company) and not data.get("corporate_number"):
        pass  # exported by someone who may not see the company: the deal keeps its company
    elif deal is None or data.get("company") or data.get("corporate_number"):
        company, reason = find_company(actor, data.get("company", ""), data.get("corporate_number", ""))
        if company is None:
            problems.append(reason)
        else:
            values["company"] = company.pk
    if problems:
        raise ValidationFailed(" ".join(problems))
    stage = data.get("stage", "").strip()
    pipeline = values.pop("_pipeline", None) or Pipeline.objects.filter(pk=values.get("pipeline")).first()
    if deal is None:
        opening = pipeline.stages.filter(name=stage, kind=Stage.Kind.OPEN).first() if pipeline and stage else None
        if opening is not None:  # an open stage is where the deal starts; a closed one is a move after it is made
            values["stage"] = opening.pk
        deal = deal_services.create_deal(actor=actor, data=values)
        created = changed = True
    else:
        created, changed = False, bool(deal_services.update_deal(actor=actor, deal=deal, data=values))
    if stage and stage != deal.stage.name:
        if not deal.pipeline.stages.filter(name=stage).exists():
            raise ValidationFailed(_("ステージ「%(stage)s」はパイプライン「%(p)s」にありません。")
                                   % {"stage": stage, "p": deal.pipeline.name})  # fmt: skip
        target = deal.pipeline.stages.get(name=stage)
        reason = data.get("lost_reason", "") if target.kind == Stage.Kind.LOST else ""
        changed |= bool(deal_services.move_deal(actor=actor, deal=deal, stage=target.pk, lost_reason=reason))
    if created:  # counted once the whole row went in (a failed move rolls the new deal back)
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1


def _deal_rows(actor):
    sources = dict(DealSource.choices)
    visibility = {"public": _("全社公開"), "team": _("チーム内"), "private": _("非公開")}
    qs = (Deal.objects.visible_to(actor).select_related("company", "pipeline", "stage", "owner")
          .order_by("id"))  # fmt: skip
    # a deal the reader sees may belong to a company they may not see: its name is the placeholder, no number
    seen = set(Company.objects.visible_to(actor).filter(pk__in=qs.values("company_id")).values_list("pk", flat=True))
    hidden = placeholder(Company)
    for d in qs.iterator(chunk_size=2000):
        shown = d.company_id in seen
        yield {
            "id": d.pk, "title": d.title, "company": d.company.name if shown else hidden,
            "corporate_number": d.company.corporate_number if shown else "",
            "pipeline": d.pipeline.name, "stage": d.stage.name, "amount": d.amount, "tax_rate": d.tax_rate,
            "probability": d.probability if d.probability is not None else "",
            "expected_close_on": d.expected_close_on or "", "next_step": d.next_step,
            "next_step_due": d.next_step_due or "", "source": str(sources.get(d.source, "")),
            "competitors": d.competitors, "lost_reason": d.lost_reason, "won_on": d.won_on or "",
            "owner": d.owner.username if d.owner else "", "visibility": str(visibility.get(d.visibility, "")),
        }  # fmt: skip


def export_deals(*, actor, fmt: str = "csv", encoding: str = "utf-8-sig"):
    if not has_perm(actor, "deal", "export"):
        raise PermissionDenied(_("このロールには書き出しの権限がありません。"))
    return write_table(DEAL_COLUMNS, _deal_rows(actor), fmt=fmt, encoding=encoding, name="deals", actor=actor,
                 object_type="sales.deal")  # fmt: skip
