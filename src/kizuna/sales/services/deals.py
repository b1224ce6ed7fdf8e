"""Deals (案件・商談): create, edit, move between stages, their people and line items.

Every function is one transaction that checks the actor's role and reach, validates, writes and audits; the audit
row also writes the domain event (deal.created, deal.updated). A stage move adds deal.stage_changed and, when the
deal closes, deal.won or deal.lost. Signatures are stable: the quotes, 日報, forecast and KPI modules call them."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kizuna.contacts.models import Company, Person
from kizuna.core import audit, events, records
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.services import Errors, require_writer, resolve_ownership, text
from kizuna.customfields import values as custom_values

from ..models import Deal, DealContact, DealLine, DealSource, DealStageChange, Pipeline, Product, Stage, TaxRate
from ..money import parse_yen

FIELDS = [
    "title", "company", "pipeline", "stage", "amount", "tax_rate", "probability", "expected_close_on", "next_step",
    "next_step_due", "source", "competitors", "lost_reason", "won_on", "owner", "team", "visibility",
]  # fmt: skip
MAX_CONTACTS = 50
MAX_LINES = 200


# --- pipelines -----------------------------------------------------------------------------------------------------
def default_pipeline_for(team) -> Pipeline:
    """The pipeline a new deal of `team` starts in: the team's own (its first, by name), else the default one."""
    team_id = getattr(team, "pk", team)
    if team_id:
        own = Pipeline.objects.alive().filter(team_id=team_id).order_by("name", "id").first()
        if own is not None:
            return own
    pipeline = Pipeline.objects.alive().filter(is_default=True).first()
    if pipeline is None:  # the default pipeline was deleted by hand: any pipeline still beats none
        pipeline = Pipeline.objects.alive().order_by("id").first()
    if pipeline is None:
        raise ValidationFailed(_("パイプラインがありません。設定 → パイプラインで作成してください。"))
    return pipeline


def first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("order", "id").first()
    if stage is None:
        message = _("パイプライン「%(name)s」に進行中のステージがありません。") % {"name": pipeline.name}
        raise ValidationFailed(message, field_errors={"stage": [message]})
    return stage


def _stage_of(pipeline: Pipeline, value, errors: Errors, field: str = "stage") -> Stage | None:
    """A stage of `pipeline`, given as a Stage, its id or its name."""
    if isinstance(value, Stage):
        stage = value if value.pipeline_id == pipeline.pk else None
    elif isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit()):
        stage = pipeline.stages.filter(pk=int(value)).first()
    else:
        stage = pipeline.stages.filter(name=str(value or "").strip()).first()
    if stage is None:
        errors.add(field, _("ステージがパイプライン「%(name)s」にありません。") % {"name": pipeline.name})
    return stage


# --- cleaning ------------------------------------------------------------------------------------------------------
def _date(data: dict, key: str, errors: Errors) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value).strip()) if isinstance(value, str) else None
    if parsed is None:
        errors.add(key, _("日付は YYYY-MM-DD の形式で入力してください。"))
    return parsed


def _company(actor, value, errors: Errors) -> Company | None:
    if isinstance(value, Company):
        value = value.pk
    if value in (None, ""):
        errors.add("company", _("会社を選んでください。"))
        return None
    company = None
    if str(value).isascii() and str(value).isdigit():
        company = Company.objects.visible_to(actor).filter(pk=int(value)).first()
    if company is None:
        errors.add("company", _("会社が見つかりません。"))
    return company


def _pipeline(value, errors: Errors) -> Pipeline | None:
    if isinstance(value, Pipeline):
        return value
    pipeline = None
    if str(value).isascii() and str(value).isdigit():
        pipeline = Pipeline.objects.alive().filter(pk=int(value)).first()
    if pipeline is None:
        errors.add("pipeline", _("パイプラインが見つかりません。"))
    return pipeline


def _clean(actor, data: dict, *, current: Deal | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    creating = current is None
    if creating or "title" in data:
        out["title"] = text(data, "title", 200, errors, required=True, label=_("案件名"))
    if creating or "company" in data:
        out["company"] = _company(actor, data.get("company"), errors)
    if "amount" in data:
        amount = parse_yen(data.get("amount"))
        if amount is None:
            errors.add("amount", _("金額は0以上の円で入力してください（例: 3000000、300万）。"))
        out["amount"] = amount or 0
    if "tax_rate" in data:
        rate = str(data.get("tax_rate") or TaxRate.STANDARD)
        if rate not in TaxRate.values:
            errors.add("tax_rate", _("消費税率は 10 / 8 / 0 のいずれかです。"))
        out["tax_rate"] = rate
    if "probability" in data:
        value = data.get("probability")
        if value in (None, ""):
            out["probability"] = None  # the stage's probability applies
        elif not str(value).isascii() or not str(value).isdigit() or int(value) > 100:
            errors.add("probability", _("確度は0〜100の整数で入力してください。"))
        else:
            out["probability"] = int(value)
    for key in ("expected_close_on", "next_step_due"):
        if key in data:
            out[key] = _date(data, key, errors)
    for key, limit in (("next_step", 200), ("competitors", 300)):
        if key in data:
            out[key] = text(data, key, limit, errors)
    if "source" in data:
        source = str(data.get("source") or "")
        if source and source not in DealSource.values:
            errors.add("source", _("引合元が正しくありません。"))
        out["source"] = source
    out.update(resolve_ownership(actor, data, errors, current=current))
    if creating:
        team = out.get("team")
        try:
            pipeline = _pipeline(data["pipeline"], errors) if data.get("pipeline") else default_pipeline_for(team)
        except ValidationFailed as exc:
            errors.add("pipeline", exc.message)
            pipeline = None
        out["pipeline"] = pipeline
        if pipeline is not None:
            stage = _stage_of(pipeline, data["stage"], errors) if data.get("stage") else first_open_stage(pipeline)
            if stage is not None and stage.kind != Stage.Kind.OPEN:
                errors.add("stage", _("新しい商談は進行中のステージから始めます。"))
            out["stage"] = stage
    try:
        out["_custom"] = custom_values.clean(actor, "deal", data.get("custom"), creating=creating)
    except ValidationFailed as exc:
        for field, messages in exc.field_errors.items():
            for message in messages:
                errors.add(field, message)
    errors.raise_if_any()
    return out


# --- deals ---------------------------------------------------------------------------------------------------------
def create_deal(*, actor, data: dict) -> Deal:
    """`data`: title and company (required); amount, tax_rate, probability, expected_close_on, next_step(_due),
    source, competitors, owner, visibility, pipeline and stage (default: the team's pipeline, its first stage),
    custom, contacts ([{"person": id, "role": "decision_maker"}]) and lines ([{"name", "quantity", ...}])."""
    require_writer(actor, "deal")
    values = _clean(actor, data)
    custom = custom_values.merge({}, values.pop("_custom"))
    contacts = _contacts(actor, data["contacts"]) if data.get("contacts") else []
    lines = _lines(data["lines"]) if data.get("lines") else []
    with transaction.atomic():
        deal = Deal(**values, custom=custom, created_by=actor, updated_by=actor, stage_entered_at=timezone.now())
        if lines:
            deal.amount = sum(line.subtotal for line in lines)
        deal.save()
        DealStageChange.objects.create(deal=deal, from_stage=None, to_stage=deal.stage, at=deal.stage_entered_at,
                                       by=actor if getattr(actor, "pk", None) else None)  # fmt: skip
        for contact in contacts:
            contact.deal = deal
        DealContact.objects.bulk_create(contacts)
        for position, line in enumerate(lines):
            line.deal, line.position = deal, position
        DealLine.objects.bulk_create(lines)
        fields = FIELDS + custom_values.history_paths({}, custom)
        snapshot = records.snapshot(deal, fields)
        if contacts:
            snapshot["people"] = _people_labels(contacts)
        if lines:
            snapshot["lines"] = _line_labels(lines)
        audit.record(actor=actor, action="create", obj=deal, changes=audit.diff({}, snapshot))
        _index(deal)
    return deal


def update_deal(*, actor, deal: Deal, data: dict, version=None) -> dict:
    """Change fields of a deal (not its stage: `move_deal`, which `data["stage"]` is handed to, with
    `data["lost_reason"]`). Returns {field: [old, new]}."""
    require_writer(actor, "deal", "edit")
    records.check_version(deal, version)
    data = dict(data)
    stage = data.pop("stage", None)
    lost_reason = data.pop("lost_reason", None)
    for key in ("pipeline", "contacts", "lines"):
        data.pop(key, None)  # a pipeline is chosen when the deal is made; people and lines have their own calls
    values = _clean(actor, data, current=deal) if data else {"_custom": {}}
    patch = values.pop("_custom")
    with transaction.atomic():
        stored = records.lock(deal).custom
        fields = FIELDS
        if patch:
            values["custom"] = custom_values.merge(stored, patch)
            fields = FIELDS + custom_values.history_paths(stored, values["custom"])
        else:
            deal.custom = stored
        if deal.lines.exists():
            values.pop("amount", None)  # the sum of the lines
        changes = records.apply_changes(actor=actor, obj=deal, data=values, fields=fields, expected_version=version)
        if stage not in (None, "") and _stage_id(deal, stage) != deal.stage_id:
            changes |= move_deal(actor=actor, deal=deal, stage=stage, lost_reason=lost_reason or "")
        elif lost_reason is not None and deal.stage.kind == Stage.Kind.LOST:
            reason = str(lost_reason).strip()[:300]
            if not reason:
                raise ValidationFailed(field_errors={"lost_reason": [_("失注理由を入力してください。")]})
            changes |= records.apply_changes(actor=actor, obj=deal, data={"lost_reason": reason}, fields=FIELDS)
        if {"title", "company"} & changes.keys():
            _index(deal)
    return changes


def _stage_id(deal: Deal, stage) -> int | None:
    if isinstance(stage, Stage):
        return stage.pk
    if str(stage).isascii() and str(stage).isdigit():
        return int(stage)
    return None


def move_deal(*, actor, deal: Deal, stage, lost_reason: str = "", version=None) -> dict:
    """Move `deal` to `stage` (a Stage, id or name of its pipeline). Records the move with the time spent in the
    stage it leaves; a won stage sets won_on and closed_at, a lost one needs `lost_reason` and sets closed_at,
    an open one reopens the deal. The probability follows the stage unless the deal overrides it (closing clears
    the override: won is 100%, lost 0%). Returns {field: [old, new]} ({} when already there)."""
    records.require_write(actor, deal)
    errors = Errors()
    target = _stage_of(deal.pipeline, stage, errors)
    errors.raise_if_any()
    reason = str(lost_reason or "").strip()
    if target.kind == Stage.Kind.LOST and not reason:
        message = _("失注にするには失注理由を入力してください。")
        raise ValidationFailed(message, field_errors={"lost_reason": [message]})
    if len(reason) > 300:
        raise ValidationFailed(field_errors={"lost_reason": [_("300文字以内で入力してください。")]})
    with transaction.atomic():
        current = records.lock(deal)
        records.check_version(current, version)
        if current.stage_id == target.pk:
            return {}
        now = timezone.now()
        before = records.snapshot(current, FIELDS)
        left = current.stage
        seconds = max(0, int((now - current.stage_entered_at).total_seconds()))
        deal.version = current.version
        deal.stage, deal.stage_entered_at = target, now
        if target.kind == Stage.Kind.OPEN:
            deal.won_on, deal.closed_at, deal.lost_reason = None, None, ""
        else:
            deal.closed_at, deal.probability = now, None
            deal.won_on = timezone.localdate(now) if target.kind == Stage.Kind.WON else None
            deal.lost_reason = reason if target.kind == Stage.Kind.LOST else ""
        records.touch(deal, actor)
        deal.save()
        DealStageChange.objects.create(deal=deal, from_stage=left, to_stage=target, at=now,
                                       by=actor if getattr(actor, "pk", None) else None,
                                       seconds_in_from_stage=seconds)  # fmt: skip
        changes = audit.diff(before, records.snapshot(deal, FIELDS))
        row = audit.record(actor=actor, action="update", obj=deal, changes=changes)
        data = {"from_stage": left.pk, "from_stage_name": left.name, "to_stage": target.pk,
                "to_stage_name": target.name, "kind": target.kind, "seconds_in_from_stage": seconds}  # fmt: skip
        events.emit("deal.stage_changed", actor=actor, obj=deal, changes=changes, data=data, audit_id=row.pk)
        if target.kind == Stage.Kind.WON:
            events.emit("deal.won", actor=actor, obj=deal, data=data | {"amount": deal.amount}, audit_id=row.pk)
        elif target.kind == Stage.Kind.LOST:
            events.emit("deal.lost", actor=actor, obj=deal, data=data | {"lost_reason": reason}, audit_id=row.pk)
    return changes


def delete_deal(*, actor, deal: Deal, version=None) -> None:
    with transaction.atomic():
        records.soft_delete(actor=actor, obj=deal, expected_version=version)
        _index(deal)


def restore_deal(*, actor, deal: Deal) -> None:
    with transaction.atomic():
        records.restore(actor=actor, obj=deal)
        _index(deal)


# --- people in the deal --------------------------------------------------------------------------------------------
def _contacts(actor, items) -> list[DealContact]:
    errors = Errors()
    if not isinstance(items, (list, tuple)) or len(items) > MAX_CONTACTS:
        errors.add("contacts", _("関係者は%(n)s人までのリストで指定してください。") % {"n": MAX_CONTACTS})
        errors.raise_if_any()
    wanted: dict[int, str] = {}
    for item in items:
        person, role = (item.get("person"), item.get("role") or DealContact.Role.CONTACT) if isinstance(
            item, dict) else (None, None)  # fmt: skip
        pk = getattr(person, "pk", person)
        if not str(pk).isascii() or not str(pk).isdigit():
            errors.add("contacts", _("関係者の指定が正しくありません。"))
            continue
        if role not in DealContact.Role.values:
            errors.add("contacts", _("役割は 決裁者 / 担当者 / 影響者 / 窓口 のいずれかです。"))
            continue
        if int(pk) in wanted:
            errors.add("contacts", _("同じ人が二度指定されています。"))
        wanted[int(pk)] = role
    people = {p.pk: p for p in Person.objects.visible_to(actor).filter(pk__in=list(wanted))}
    for pk in wanted:
        if pk not in people:
            errors.add("contacts", _("関係者（#%(id)s）が見つかりません。") % {"id": pk})
    errors.raise_if_any()
    return [DealContact(person=people[pk], role=role) for pk, role in wanted.items()]


def _people_labels(contacts) -> list[str]:
    return sorted(f"{c.person} ({c.person_id}): {DealContact.Role(c.role).label}" for c in contacts)


def set_deal_contacts(*, actor, deal: Deal, contacts: list, version=None) -> dict:
    """Replace the deal's people: `[{"person": id or Person, "role": "decision_maker" | "owner" | "influencer" |
    "contact"}]`. People hidden from the actor keep their place (the actor cannot name them)."""
    records.require_write(actor, deal)
    new = _contacts(actor, contacts)
    with transaction.atomic():
        current = records.lock(deal)
        records.check_version(current, version)
        deal.version = current.version
        visible = Person.objects.visible_to(actor).values("pk")
        old = list(deal.contacts.select_related("person"))
        kept_hidden = [c for c in deal.contacts.exclude(person__in=visible).select_related("person")]
        hidden_ids = {c.person_id for c in kept_hidden}
        new = [c for c in new if c.person_id not in hidden_ids]
        before, after = _people_labels(old), _people_labels(kept_hidden + new)
        if before == after:
            return {}
        deal.contacts.exclude(person_id__in=hidden_ids).delete()
        for contact in new:
            contact.deal = deal
        DealContact.objects.bulk_create(new)
        changes = {"people": [before, after]}
        records.record_related_changes(actor=actor, obj=deal, changes=changes, version_bumped=False)
    return changes


# --- line items ----------------------------------------------------------------------------------------------------
def _lines(items) -> list[DealLine]:
    from decimal import Decimal, InvalidOperation

    errors = Errors()
    if not isinstance(items, (list, tuple)) or len(items) > MAX_LINES:
        errors.add("lines", _("明細は%(n)s行までのリストで指定してください。") % {"n": MAX_LINES})
        errors.raise_if_any()
    products = {
        p.pk: p
        for p in Product.objects.alive().filter(
            pk__in=[int(i["product"]) for i in items if isinstance(i, dict) and str(i.get("product") or "").isdigit()]
        )
    }
    out = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.add("lines", _("%(n)s行目: 明細の形式が正しくありません。") % {"n": n})
            continue
        product = None
        if item.get("product") not in (None, ""):
            product = products.get(int(item["product"])) if str(item["product"]).isdigit() else None
            if product is None:
                errors.add("lines", _("%(n)s行目: 商品が見つかりません。") % {"n": n})
                continue
        name = str(item.get("name") or (product.name if product else "")).strip()[:200]
        try:
            quantity = Decimal(str(item.get("quantity", 1) or 0))
        except InvalidOperation:
            quantity = Decimal(-1)
        price = parse_yen(item["unit_price"]) if item.get("unit_price") not in (None, "") else (
            product.unit_price if product else 0)  # fmt: skip
        discount = parse_yen(item.get("discount") or 0)
        rate = str(item.get("tax_rate") or (product.tax_rate if product else TaxRate.STANDARD))
        if not name:
            errors.add("lines", _("%(n)s行目: 品名を入力してください。") % {"n": n})
        if not (0 <= quantity < 10**9) or quantity != quantity.quantize(Decimal("0.01")):
            errors.add("lines", _("%(n)s行目: 数量は0以上、小数2桁までで入力してください。") % {"n": n})
        if price is None or discount is None:
            errors.add("lines", _("%(n)s行目: 単価と値引は0以上の円で入力してください。") % {"n": n})
        if rate not in TaxRate.values:
            errors.add("lines", _("%(n)s行目: 消費税率は 10 / 8 / 0 のいずれかです。") % {"n": n})
        line = DealLine(
            product=product,
            name=name,
            quantity=quantity,
            unit=str(item.get("unit") or (product.unit if product else ""))[:20],
            unit_price=price or 0,
            discount=discount or 0,
            tax_rate=rate,
        )
        if not errors and line.subtotal < 0:
            errors.add("lines", _("%(n)s行目: 値引が小計を超えています。") % {"n": n})
        out.append(line)
    errors.raise_if_any()
    return out


def _line_labels(lines) -> list[str]:
    return [f"{line.name} × {line.quantity:g} = {line.subtotal}" for line in lines]


def set_deal_lines(*, actor, deal: Deal, lines: list, version=None) -> dict:
    """Replace the deal's line items; the deal's amount becomes their sum (with no lines it stays as it was)."""
    records.require_write(actor, deal)
    new = _lines(lines)
    with transaction.atomic():
        current = records.lock(deal)
        records.check_version(current, version)
        old = list(deal.lines.all())
        if _line_labels(old) == _line_labels(new):
            return {}
        deal.lines.all().delete()
        for position, line in enumerate(new):
            line.deal, line.position = deal, position
        DealLine.objects.bulk_create(new)
        changes = {"lines": [_line_labels(old), _line_labels(new)]}
        deal.version = current.version
        if new:
            amount = sum(line.subtotal for line in new)
            if amount != current.amount:
                changes["amount"] = [current.amount, amount]
            deal.amount = amount
        records.touch(deal, actor)
        deal.save(update_fields=["amount", "version", "updated_at", "updated_by"])
        audit.record(actor=actor, action="update", obj=deal, changes=changes)
    return changes


def note_activity(deal_ids, when) -> int:
    """An activity linked to these deals happened at `when`: their last_activity_at moves forward (停滞 is measured
    from it). Not a change of the deal: no version, no audit."""
    return Deal.objects.filter(pk__in=list(deal_ids)).exclude(last_activity_at__gte=when).update(last_activity_at=when)


def _index(deal: Deal) -> None:
    from ..search import index_deal

    index_deal(deal)
