"""The call-reason taxonomy (コールリーズン): two levels, kept by admins in 設定. A reason in use is deactivated,
never deleted, so resolved tickets keep theirs."""

from django.utils.translation import gettext as _

from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import is_admin
from kizuna.core.services import save_setting_row

from ..models import CallReason


def tree(*, active_only: bool = False) -> list[tuple[CallReason, list[CallReason]]]:
    rows = CallReason.objects.select_related("parent").order_by("order", "id")
    if active_only:
        rows = rows.filter(active=True)
    parents = [r for r in rows if r.parent_id is None]
    children: dict[int, list] = {}
    for r in rows:
        if r.parent_id:
            children.setdefault(r.parent_id, []).append(r)
    return [(p, children.get(p.pk, [])) for p in parents if not active_only or p.active]


def save_call_reason(*, actor, data: dict, reason: CallReason | None = None) -> CallReason:
    if not is_admin(actor):
        raise PermissionDenied()
    name = " ".join(str(data.get("name") or "").split())
    if not name or len(name) > 100:
        raise ValidationFailed(field_errors={"name": [_("名前を100文字以内で入力してください。")]})
    parent = data.get("parent", reason.parent if reason else None)
    if parent not in (None, "") and not isinstance(parent, CallReason):
        parent = CallReason.objects.filter(pk=parent, parent__isnull=True).first() if str(parent).isdigit() else None
        if parent is None:
            raise ValidationFailed(field_errors={"parent": [_("大分類が見つかりません。")]})
    parent = parent or None
    if parent is not None and parent.parent_id is not None:
        raise ValidationFailed(field_errors={"parent": [_("コールリーズンは2階層までです。")]})
    if reason is not None and parent is not None and reason.children.exists():
        raise ValidationFailed(field_errors={"parent": [_("小分類を持つ大分類は、ほかの分類の下に移せません。")]})
    try:
        order = int(data.get("order") or (reason.order if reason else 0))
    except (TypeError, ValueError):
        raise ValidationFailed(field_errors={"order": [_("順番は数字で入力してください。")]}) from None
    active = bool(data.get("active", reason.active if reason else True))
    values = {"name": name, "parent": parent, "order": max(0, min(order, 32767)), "active": active}
    return save_setting_row(
        actor=actor,
        model=CallReason,
        row=reason,
        values=values,
        action="call_reason",
        taken=("name", _("同じ分類に同じ名前があります。")),
    )


def seed_default(actor=None) -> int:
    """A starting taxonomy for a new center (demo data and first setup); existing names are kept."""
    taxonomy = {
        "請求・支払い": ["請求書の再発行", "支払い方法の変更", "請求金額の確認", "返金"],
        "製品・技術": ["不具合", "使い方", "仕様の確認", "初期設定"],
        "納期・配送": ["納期の確認", "配送状況", "届いた商品の破損", "納品先の変更"],
        "契約・アカウント": ["契約内容の確認", "解約", "ログインできない", "登録情報の変更"],
        "ご意見・クレーム": ["対応へのご不満", "製品へのご意見", "要望"],
    }
    made = 0
    for order, (parent_name, children) in enumerate(taxonomy.items()):
        parent, created = CallReason.objects.get_or_create(parent=None, name=parent_name, defaults={"order": order})
        made += created
        for child_order, name in enumerate(children):
            made += CallReason.objects.get_or_create(parent=parent, name=name, defaults={"order": child_order})[1]
    return made
