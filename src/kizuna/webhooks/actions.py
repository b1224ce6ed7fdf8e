"""The rule action "call_webhook": send the event that triggered the rule to a chosen subscription now."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kizuna.core.actions import Action, Param
from kizuna.core.exceptions import ValidationFailed


class SubscriptionChoices:
    """(id, name) of the active subscriptions, read when a rule form lists them (not at start-up)."""

    def __iter__(self):
        from .models import Subscription

        return iter([(str(pk), name) for pk, name in Subscription.objects.filter(is_active=True)
                     .values_list("pk", "name")])  # fmt: skip

    def __len__(self):
        return len(list(iter(self)))

    def __bool__(self):
        return True


def run(ctx, params) -> str:
    from .models import Subscription
    from .services import send_now

    sub = Subscription.objects.select_related("owner").filter(pk=_pk(params.get("subscription"))).first()
    if sub is None:
        raise ValidationFailed(
            _("Webhook が見つかりません。"), field_errors={"subscription": [_("Webhook が見つかりません。")]}
        )
    if not sub.is_active:
        raise ValidationFailed(_("Webhook「%(name)s」は無効です。") % {"name": sub.name})
    event = ctx.event
    if ctx.dry_run:
        kind = event.type if event is not None else _("（イベントなし）")
        return _("Webhook「%(name)s」に %(type)s を送信します。") % {"name": sub.name, "type": kind}
    if event is None:
        raise ValidationFailed(_("送るイベントがありません（Webhook はイベントで動くルールから呼んでください）。"))
    trigger = f"rule:{ctx.extra.get('rule_id')}" if ctx.extra.get("rule_id") else "action"
    delivery = send_now(actor=ctx.actor, subscription=sub, event=event, trigger=trigger)
    if delivery is None:
        return _("Webhook「%(name)s」の受信者はこのレコードを見られないため、送信しませんでした。") % {"name": sub.name}
    return _("Webhook「%(name)s」に %(type)s を送信しました。") % {"name": sub.name, "type": event.type}


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


CALL_WEBHOOK = Action(
    key="call_webhook",
    label=_l("Webhook を呼び出す"),
    run=run,
    params=(Param("subscription", _l("Webhook"), kind="choice", choices=SubscriptionChoices()),),
)
