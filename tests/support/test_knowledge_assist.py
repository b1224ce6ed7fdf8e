"""The assistant: suggested articles on the ticket page, the extractive summary, the reply draft (article + macro),
the call-reason and priority classifiers trained on resolved tickets (queued for the worker, accuracy on held-out
tickets), the FAQ gaps report and its CSV, and the optional OpenAI-compatible model (a local server plays it):
off by default, every call logged, personal data masked before sending."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from kizuna.contacts.models import ContactPoint, Person
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.support.models import AssistCall, AssistModel, CallReason, Macro, Message, Ticket
from kizuna.support.services import assist, classifier, faq_gaps, llm, reasons
from kizuna.support.services import knowledge as kb
from kizuna.support.services.intake import Sender, receive

STORIES = {  # call reason → (priority, what customers write)
    "請求書の再発行": ("normal", [
        "請求書を紛失しました。再発行をお願いします。", "先月分の請求書が届いていません。再送してください。",
        "請求書の宛名を変えて再発行できますか。"]),
    "不具合": ("high", [
        "至急です。装置の電源が入らず、ラインが止まっています。", "エラーE-12が出て動きません。至急対応を。",
        "異音がして停止しました。すぐ見に来てください。"]),
    "納期の確認": ("normal", [
        "注文した部品の納期を教えてください。", "発注品はいつ出荷されますか。", "納品予定日を確認したいです。"]),
}  # fmt: skip


@pytest.fixture
def desk(cast, channel):
    reasons.seed_default()
    person = Person.objects.create(family_name="鈴木", given_name="花子", family_name_kana="スズキ",
                                   given_name_kana="ハナコ", owner=cast.owner, team=cast.team_a)  # fmt: skip
    ContactPoint.objects.create(person=person, kind="email", value="hanako@example.jp", normalized="hanako@example.jp")
    kb.create_article(actor=cast.owner, data={"title": "電源が入らないときの確認手順", "audience": "public",
                                              "body": "電源コードと主電源スイッチを確認してください。"})  # fmt: skip
    invoice = CallReason.objects.get(name="請求書の再発行").pk
    kb.create_article(actor=cast.owner, data={"title": "請求書の再発行", "body": "サポート窓口で再発行します。",
                                              "call_reasons": [invoice]})  # fmt: skip
    ticket = receive(channel=channel, sender=Sender(name="鈴木 花子", email="hanako@example.jp"),
                     subject="電源が入りません",
                     body_text="鈴木です。昨日から装置の電源が入りません。\n電話は090-1234-5678、"
                               "メールは hanako@example.jp、経理は keiri@example.co.jp です。"
                               "\n> 以前のメールの引用\n至急確認をお願いします。",
                     external_id="<a1@example.jp>").ticket  # fmt: skip
    Ticket.objects.filter(pk=ticket.pk).update(owner=cast.owner, team=cast.team_a, person=person)
    return ticket


def _resolved_history(cast, channel):
    """36 resolved tickets (12 per reason) for the classifiers, written directly (they are the past)."""
    n = Ticket.objects.order_by("-number").values_list("number", flat=True).first() or 0
    for name, (priority, texts) in STORIES.items():
        reason = CallReason.objects.get(name=name)
        for i in range(12):
            n += 1
            t = Ticket.objects.create(number=n, subject="お問い合わせ", status="resolved", call_reason=reason,
                                      priority=priority, owner=cast.owner, team=cast.team_a,
                                      channel=channel)  # fmt: skip
            text = texts[i % 3] + f"（{i}）"
            Message.objects.create(ticket=t, direction="in", channel_kind="email", body_text=text)


def test_suggestions_summary_and_draft_on_the_ticket_page(cast, desk):
    client = Client()
    client.force_login(cast.owner)
    page = client.get(desk.get_absolute_url()).content.decode()
    assert 'id="kb-suggestions"' in page and "support/knowledge.js" in page and "<script>" not in page
    part = client.get(f"/support/tickets/{desk.pk}/assist/suggestions/", {"body_text": ""}).content.decode()
    assert (
        "電源が入らないときの確認手順" in part
        and 'data-kb-insert="電源コードと主電源スイッチを確認してください。"' in part
    )
    # What the agent writes steers the suggestions: a reply about the invoice brings the invoice article.
    part = client.post(f"/support/tickets/{desk.pk}/assist/suggestions/",
                       {"body_text": "請求書の再発行について"}).content.decode()  # fmt: skip
    assert "請求書の再発行" in part
    summary = assist.summarize(desk)
    assert summary.sentences and not any("引用" in s for s in summary.sentences)  # quoted history is left out
    macro = Macro.objects.create(
        name="お礼", body="{{お客様名}} 様\n\nお問い合わせありがとうございます。\n\n{{担当者名}}"
    )
    draft = client.post(f"/support/tickets/{desk.pk}/assist/draft/", {"macro": macro.pk}).content.decode()
    assert 'id="reply-body"' in draft and "鈴木 花子 様" in draft
    assert draft.index("ありがとうございます") < draft.index("電源コード") < draft.index("田中 一郎")
    assert Client().get(f"/support/tickets/{desk.pk}/assist/suggestions/").status_code == 302  # login first
    outsider = Client()
    outsider.force_login(cast.outsider)
    assert outsider.get(f"/support/tickets/{desk.pk}/assist/suggestions/").status_code == 404


def test_classifiers_train_in_the_worker_and_suggest(cast, channel, desk, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from kizuna.support.tasks_knowledge import train_models

    failed = classifier.train(AssistModel.objects.create(target="reason"))
    assert failed.state == "failed" and "足りません" in failed.error  # too few resolved tickets: says so
    _resolved_history(cast, channel)
    with django_capture_on_commit_callbacks(execute=True):
        runs = classifier.queue_training(actor=cast.admin)
    assert DBTaskResult.objects.filter(task_path__endswith="train_models").count() == 1
    assert AuditEvent.objects.filter(action="assist.train").count() == 2
    train_models.call([r.pk for r in runs])  # the worker's job
    reason_model = classifier.current("reason")
    assert reason_model.n_test > 0 and reason_model.accuracy >= 0.9 > reason_model.baseline_accuracy
    prediction = classifier.predict(desk)
    assert prediction["reason"][0].name == "不具合" and prediction["priority"][0] == "high"
    with pytest.raises(PermissionDenied):
        classifier.queue_training(actor=cast.owner)
    admin = Client()
    admin.force_login(cast.admin)
    page = admin.get("/support/settings/assist/").content.decode()
    assert f"{reason_model.accuracy:.3f}" in page
    member = Client()
    member.force_login(cast.owner)
    assert member.get("/support/settings/assist/").status_code == 403


def test_faq_gaps_lists_frequent_reasons_without_articles_with_csv(cast, channel, desk):
    _resolved_history(cast, channel)
    gaps = {g.reason.name: g for g in faq_gaps.faq_gaps(cast.admin, only_gaps=False)}
    assert gaps["請求書の再発行"].linked == 1 and not gaps["請求書の再発行"].is_gap
    assert gaps["納期の確認"].is_gap and gaps["納期の確認"].tickets == 12
    client = Client()
    client.force_login(cast.admin)
    assert "納期の確認" in client.get("/support/reports/faq-gaps/").content.decode()
    csv = client.get("/support/reports/faq-gaps.csv").content.decode("utf-8-sig")
    assert "納期の確認,12,0" in csv and "請求書の再発行" not in csv
    assert AuditEvent.objects.filter(action="export", object_type="support.faq_gaps").exists()
    assert "support/reports/faq-gaps/" in client.get("/support/reports/").content.decode()


class _FakeModel(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"body": body, "auth": self.headers.get("Authorization")})
        answer = json.dumps({"choices": [{"message": {"role": "assistant", "content": "・電源が入らない\n・至急"}}]})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_model():
    _FakeModel.received, _FakeModel.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_language_model_is_off_by_default_then_logged_and_masked(cast, desk, fake_model):
    with pytest.raises(llm.LlmError):
        llm.improve(actor=cast.owner, ticket=desk, purpose="summary", text="x")
    assert not _FakeModel.received and not AssistCall.objects.exists()  # nothing left the building
    llm.save_config(actor=cast.admin, data={"llm_enabled": True, "llm_url": fake_model, "llm_model": "local",
                                            "llm_api_key": "sk-test", "mask_personal_data": True})  # fmt: skip
    client = Client()
    client.force_login(cast.owner)
    page = client.post(f"/support/tickets/{desk.pk}/assist/summary/llm/").content.decode()
    assert "電源が入らない" in page and "言語モデルによる要約" in page
    sent = _FakeModel.received[0]
    text = sent["body"]["messages"][1]["content"]
    assert sent["auth"] == "Bearer sk-test" and sent["body"]["model"] == "local"
    assert "鈴木" not in text and "090-1234-5678" not in text and "hanako@example.jp" not in text
    assert "keiri@example.co.jp" not in text
    assert "［電話番号］" in text and "［メール］" in text and "［氏名等］" in text and "電源" in text
    call = AssistCall.objects.get()
    assert call.ok and call.masked and call.masked_count >= 3 and call.ticket == desk
    assert AuditEvent.objects.filter(action="assist.llm_call").count() == 1
    _FakeModel.status = 500
    page = client.post(f"/support/tickets/{desk.pk}/assist/summary/llm/").content.decode()
    assert "HTTP 500" in page and "電源" in page  # the local summary stays
    assert AssistCall.objects.filter(ok=False).count() == 1
    _FakeModel.status = 200
    llm.save_config(actor=cast.admin, data={"llm_enabled": True, "llm_url": fake_model, "mask_personal_data": False})
    llm.improve(actor=cast.owner, ticket=desk, purpose="draft", text="鈴木様 090-1234-5678")
    assert "鈴木様 090-1234-5678" in _FakeModel.received[-1]["body"]["messages"][1]["content"]
    with pytest.raises(ValidationFailed):
        llm.save_config(actor=cast.admin, data={"llm_enabled": True, "llm_url": "ftp://x"})
