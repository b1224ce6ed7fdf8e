"""The rule action "call_webhook": the automation engine sends the triggering event to a chosen subscription."""

import pytest
from standardwebhooks.webhooks import Webhook

from kizuna.contacts import services as contacts
from kizuna.core import actions
from kizuna.core.exceptions import ValidationFailed
from kizuna.webhooks import services
from kizuna.webhooks.models import Delivery
from tests.factories import relayed_events


@pytest.fixture
def setup(cast, receiver):
    sub, secret = services.create_subscription(actor=cast.admin, data={
        "name": "ルール用", "url": receiver.url, "event_types": ["company.created"]})  # fmt: skip
    person = contacts.create_person(actor=cast.owner, data={"family_name": "山田", "given_name": "花子"})
    event = relayed_events().get(type="person.created")
    return sub, secret, person, event


def test_it_is_registered_with_the_subscriptions_as_choices(setup):
    sub = setup[0]
    action = actions.get("call_webhook")
    assert action is not None and str(action.label) == "Webhook を呼び出す"
    assert list(action.params[0].choices) == [(str(sub.pk), "ルール用")]


def test_a_dry_run_describes_and_sends_nothing(cast, setup, receiver):
    sub, _, person, event = setup
    ctx = actions.ActionContext(obj=person, actor=cast.admin, event=event, dry_run=True)
    assert "ルール用" in actions.get("call_webhook").run(ctx, {"subscription": sub.pk})
    assert not Delivery.objects.exists()


def test_it_sends_the_event_even_of_a_type_the_subscription_does_not_list(cast, setup, receiver):
    sub, secret, person, event = setup
    ctx = actions.ActionContext(obj=person, actor=cast.admin, event=event, extra={"rule_id": 12})
    line = actions.get("call_webhook").run(ctx, {"subscription": str(sub.pk)})
    assert "送信しました" in line
    assert actions.get("call_webhook").run(ctx, {"subscription": str(sub.pk)})  # a second run: still one
    delivery = Delivery.objects.get()
    assert delivery.trigger == "rule:12"
    services.send_due()
    (req,) = receiver.requests
    assert Webhook(secret).verify(req.body, req.headers)["type"] == "person.created"


def test_an_unknown_or_disabled_subscription_fails_the_action(cast, setup):
    sub, _, person, event = setup
    ctx = actions.ActionContext(obj=person, actor=cast.admin, event=event)
    with pytest.raises(ValidationFailed):
        actions.get("call_webhook").run(ctx, {"subscription": "999"})
    services.update_subscription(actor=cast.admin, subscription=sub, data={"is_active": False})
    with pytest.raises(ValidationFailed):
        actions.get("call_webhook").run(ctx, {"subscription": sub.pk})
