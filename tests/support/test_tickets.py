import pytest

from kizuna.core.exceptions import PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.models import AuditEvent, OutboxEvent
from kizuna.notifications.models import Notification
from kizuna.support import channels
from kizuna.support.models import AgentProfile, CallReason, Message, SurveyResponse, Ticket
from kizuna.support.services import assignment, conversations, csat, macros, presence, reasons
from kizuna.support.services import tickets as service
from kizuna.support.services.intake import Sender, receive
from tests import factories


@pytest.fixture
def sent():
    out = []

    def send(message):
        out.append(message)
        return {"external_id": f"<out-{message.pk}@kizuna>"}

    channels.register_sender("email", send)
    yield out
    channels.unregister_sender("email")


@pytest.fixture
def ticket(channel):
    return receive(channel=channel, sender=Sender(name="佐藤 花子", email="hanako@example.jp"), subject="請求書",
                   body_text="請求書を再発行してください。", external_id="<q1@example.jp>").ticket  # fmt: skip


@pytest.fixture
def reason(db):
    reasons.seed_default()
    return CallReason.objects.get(name="請求書の再発行")


def test_reply_goes_through_the_channel_sender(cast, ticket, sent):
    message = service.reply(
        actor=cast.owner, ticket=ticket, body_text="再発行しました。", expected_version=ticket.version
    )
    assert sent == [message]
    message.refresh_from_db()
    assert message.meta["delivery"]["state"] == "sent" and message.external_id == f"<out-{message.pk}@kizuna>"
    assert message.in_reply_to == "<q1@example.jp>"
    ticket.refresh_from_db()
    assert ticket.owner == cast.owner and ticket.status == "open" and ticket.first_responded_at
    assert AuditEvent.objects.filter(action="message.reply").exists()
    assert OutboxEvent.objects.filter(type="ticket.replied").exists()
    # The customer's answer to our reply threads onto the ticket.
    answer = receive(channel=ticket.channel, sender=Sender(email="hanako@example.jp"), body_text="ありがとう",
                     in_reply_to=message.external_id)  # fmt: skip
    assert answer.ticket == ticket


def test_failed_and_missing_sender_are_recorded(cast, ticket):
    def broken(message):
        raise channels.DeliveryFailed("SMTP 550")

    channels.register_sender("email", broken)
    try:
        failed = service.reply(actor=cast.owner, ticket=ticket, body_text="送ります")
    finally:
        channels.unregister_sender("email")
    assert failed.meta["delivery"] == {"state": "failed", "error": "SMTP 550", "at": failed.meta["delivery"]["at"]}
    unsent = service.reply(actor=cast.owner, ticket=ticket, body_text="もう一度")
    assert unsent.meta["delivery"]["state"] == "not_sent"


def test_reply_on_an_old_version_is_refused(cast, ticket):
    seen = ticket.version
    receive(channel=ticket.channel, sender=Sender(email="hanako@example.jp"), body_text="追記です",
            in_reply_to="<q1@example.jp>")  # fmt: skip
    with pytest.raises(StaleVersion):
        service.reply(actor=cast.owner, ticket=ticket, body_text="返信", expected_version=seen)
    assert not Message.objects.filter(direction="out").exists()


def test_outsider_and_readonly_cannot_work_the_ticket(cast, ticket):
    for user in (cast.outsider, cast.readonly):
        with pytest.raises(PermissionDenied):
            service.reply(actor=user, ticket=ticket, body_text="x")


def test_resolve_needs_a_call_reason_of_the_second_level(cast, ticket, reason):
    with pytest.raises(ValidationFailed) as exc:
        service.set_status(actor=cast.owner, ticket=ticket, status="resolved")
    assert "コールリーズン" in exc.value.field_errors["call_reason"][0]
    with pytest.raises(ValidationFailed):
        service.set_status(actor=cast.owner, ticket=ticket, status="resolved", call_reason=reason.parent_id)
    done = service.set_status(actor=cast.owner, ticket=ticket, status="resolved", call_reason=reason.pk)
    assert done.status == "resolved" and done.call_reason == reason and done.resolved_at
    assert OutboxEvent.objects.filter(type="ticket.resolved").exists()
    closed = service.set_status(actor=cast.owner, ticket=done, status="closed")
    with pytest.raises(ValidationFailed):
        service.set_status(actor=cast.owner, ticket=closed, status="open")


def test_notes_are_for_support_roles(cast, ticket, client):
    from kizuna.accounts import roles

    note = service.add_note(actor=cast.owner, ticket=ticket, body_text="前回も同じ件で連絡あり")
    assert note.direction == "note"
    client.force_login(cast.teammate)
    assert "前回も同じ件" in client.get(ticket.get_absolute_url()).content.decode()
    role = roles.role_rows()["member"] if hasattr(roles, "role_rows") else None
    from kizuna.accounts.models import Role

    member = Role.objects.get(key="member")
    member.permissions = {k: v for k, v in member.permissions.items() if k != "ticket_note"}
    member.save()
    client.force_login(cast.teammate)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "前回も同じ件" not in page and "請求書を再発行してください" in page
    del role


def test_round_robin_and_skill_assignment(cast, channel):
    channel.settings = {"assignment": "round_robin"}
    channel.save()
    for user in (cast.owner, cast.teammate):
        AgentProfile.objects.create(user=user, skills=["請求"] if user == cast.teammate else [])
    got = [receive(channel=channel, sender=Sender(email=f"r{i}@example.jp"), body_text="質問").ticket for i in range(3)]
    owners = [Ticket.objects.get(pk=t.pk).owner for t in got]
    assert owners[0] != owners[1] and owners[2] == owners[0]
    ticket = receive(channel=channel, sender=Sender(email="s@example.jp"), body_text="請求の件").ticket
    ticket.owner = None
    ticket.category = "請求"
    assert assignment.auto_assign(ticket, mode="skill") == cast.teammate


def test_complaint_escalates_to_the_teams_manager(cast, ticket):
    flagged = conversations.set_complaint(actor=cast.owner, ticket=ticket, is_complaint=True, reason="強いお怒り")
    assert flagged.is_complaint and flagged.priority == "high"
    assert Notification.objects.filter(user=cast.manager, kind="complaint").exists()
    assert OutboxEvent.objects.filter(type="ticket.escalated").exists()


def test_merge_split_and_relink(cast, channel, ticket):
    other = receive(
        channel=channel, sender=Sender(email="hanako@example.jp"), subject="別件", body_text="別の質問"
    ).ticket
    merged = conversations.merge_tickets(actor=cast.owner, survivor=ticket, other=other)
    other.refresh_from_db()
    assert other.merged_into == merged and other.status == "closed" and merged.messages.count() == 2
    late = receive(channel=channel, sender=Sender(email="hanako@example.jp"), subject=f"[#{other.number}]",
                   body_text="続き")  # fmt: skip
    assert late.ticket == merged  # threads onto the survivor
    split = conversations.split_message(actor=cast.owner, message=merged.messages.get(body_text="別の質問"))
    assert split.messages.count() == 1 and split.person == merged.person
    right = factories.person(cast.owner, "佐藤", "花")
    relinked = conversations.relink_person(actor=cast.owner, ticket=merged, person=right.pk)
    assert relinked.person == right


def test_macro_variables(cast, ticket):
    macro = macros.save_macro(actor=cast.admin, data={"name": "お礼",
                              "body": "{{お客様名}} 様\n{{担当者名}}です。{{問い合わせ番号}}の件、"})  # fmt: skip
    text = macros.render(macro.body + "{{不明}}", ticket=ticket, agent=cast.owner)
    assert text.startswith("佐藤 花子 様\n田中 一郎です。") and f"#{ticket.number}の件" in text and "{{不明}}" in text
    with pytest.raises(ValidationFailed):
        macros.save_macro(actor=cast.admin, data={"name": "x", "body": "{{お名前}}"})
    with pytest.raises(PermissionDenied):
        macros.save_macro(actor=cast.owner, data={"name": "x", "body": "y"})


def test_csat_survey_after_resolve(cast, ticket, reason, sent, client):
    service.set_status(actor=cast.owner, ticket=ticket, status="resolved", call_reason=reason.pk)
    survey = SurveyResponse.objects.get(ticket=ticket)
    assert sent and csat.token_for(survey) in sent[-1].body_text
    url = csat.survey_url(survey)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"rating": "9"})
    assert bad.status_code == 422 and "1〜5" in bad.content.decode()
    assert client.post(url, {"rating": "4", "comment": "丁寧でした"}).status_code == 200
    survey.refresh_from_db()
    assert survey.rating == 4 and survey.agent == cast.owner and survey.comment == "丁寧でした"
    assert client.get(url.replace(csat.token_for(survey)[:5], "AAAAA")).status_code == 404
    with pytest.raises(ValidationFailed):
        csat.answer(token=csat.token_for(survey), rating=5)


def test_presence_shows_the_other_agent(cast, ticket):
    presence.beat(user=cast.teammate, ticket=ticket, typing=True)
    rows = presence.others(user=cast.owner, ticket=ticket)
    assert [r.user for r in rows] == [cast.teammate] and rows[0].typing
    assert presence.others(user=cast.teammate, ticket=ticket) == []
