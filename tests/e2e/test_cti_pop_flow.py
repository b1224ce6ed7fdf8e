"""An agent with an extension works in Kizuna; the phone system reports a call ringing on it: within a poll the
caller pops up in the header with their open ticket and insight; after the call the agent records the reason."""

import json
import urllib.request

from django.utils import timezone

from kizuna.support.models import AgentExtension, CallReason, Channel
from kizuna.support.services.tickets import create_ticket
from kizuna.timeline.models import Activity
from kizuna.timeline.services.insights import create_insight
from kizuna.webhooks.signing import headers, new_secret
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login


def post_event(base_url, secret, message_id, **event):
    body = json.dumps(event, ensure_ascii=False).encode()
    request = urllib.request.Request(f"{base_url}/hooks/cti/pbx", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    for key, value in headers(message_id=message_id, body=body, at=timezone.now(), secrets_=[secret]).items():
        request.add_header(key, value)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_screen_pop_and_wrap_up(page, shot, transactional_db):
    secret = new_secret()
    Channel.objects.create(kind="phone", name="代表番号", slug="pbx", secret=secret)
    agent = make_user("operator", "admin", display_name="受付 さくら")
    AgentExtension.objects.create(user=agent, extension="201")
    reason = CallReason.objects.create(parent=CallReason.objects.create(name="配送"), name="配送状況の確認")
    person = factories.person(agent, family="佐藤", given="健", phones=["03-1234-5678"])
    create_insight(actor=agent, data={"person": person.pk, "statement": "納期より仕様に厳しい"})
    create_ticket(actor=agent, data={"subject": "部品の納期について", "person": person.pk})

    login(page, "operator")
    assert post_event(page.base_url, secret, "msg_1", type="ringing", call_id="c-1", caller="+81312345678",
                      extension="201")["agent"] is True  # fmt: skip
    panel = page.locator("#cti-pop .cti-panel")
    panel.wait_for(timeout=8000)
    text = panel.inner_text()
    assert "佐藤 健" in text and "部品の納期について" in text and "納期より仕様に厳しい" in text
    shot(page, "cti-screen-pop")

    post_event(page.base_url, secret, "msg_2", type="ended", call_id="c-1", recording_url="https://pbx.example.jp/r/1")
    page.locator("#cti-pop select[name=reason]").wait_for(timeout=8000)
    page.select_option("#cti-pop select[name=reason]", str(reason.pk))
    page.click("#cti-pop button:has-text('通話を記録')")
    page.wait_for_load_state("networkidle")
    assert "通話を記録しました" in page.content()
    assert Activity.objects.get(kind="call").people.get() == person
