"""The daily e-mail digest: to users who opted in, once a day after KIZUNA_DIGEST_HOUR, unread notices and tasks
due, through Django's mail (locmem here; a real SMTP sink when aiosmtpd is installed)."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from kizuna.core.notices import Notice, notify
from kizuna.notifications import reminders, services
from kizuna.notifications.models import Notification
from kizuna.timeline import services as timeline

DAY = date(2026, 12, 7)


def at(hour, day=DAY):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


@pytest.fixture
def opted_in(cast):
    cast.owner.email = "owner@example.jp"
    cast.owner.save()
    services.update_preferences(actor=cast.owner, data={"digest": True, "email_kinds": ["mention", "task_due"]})
    return cast.owner


def test_one_mail_a_day_with_unread_notices_and_tasks_due(opted_in, cast, mailoutbox, settings):
    settings.KIZUNA_BASE_URL = "https://crm.example.jp"
    timeline.create_follow_up(actor=opted_in, data={"title": "見積送付", "due_date": DAY})
    timeline.create_follow_up(actor=opted_in, data={"title": "来月の件", "due_date": date(2027, 1, 20)})
    notify([opted_in], Notice(kind="mention", title="鈴木さんが言及しました", url="/timeline/activities/1/"))
    notify([opted_in], Notice(kind="assignment", title="担当になりました"))  # not a digest kind for this user
    read = notify([opted_in], Notice(kind="mention", title="既読の通知"))[0]
    services.mark_read(actor=opted_in, notification=Notification.objects.get(pk=read.pk))
    assert reminders.send_digests(now=at(6)) == 0  # before the hour
    assert reminders.send_digests(now=at(8)) == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["owner@example.jp"] and "1 件" in mail.subject
    assert "鈴木さんが言及しました" in mail.body and "https://crm.example.jp/timeline/activities/1/" in mail.body
    assert "見積送付" in mail.body and "来月の件" not in mail.body
    assert "担当になりました" not in mail.body and "既読の通知" not in mail.body
    assert reminders.send_digests(now=at(9)) == 0 and len(mailoutbox) == 1  # once a day
    notify([opted_in], Notice(kind="mention", title="翌日の通知"))
    assert reminders.send_digests(now=at(8, date(2026, 12, 8))) == 1
    assert "翌日の通知" in mailoutbox[1].body and "鈴木さんが言及しました" not in mailoutbox[1].body


def test_nobody_who_did_not_opt_in_or_has_no_address_or_nothing_to_say(cast, mailoutbox):
    notify([cast.teammate], Notice(kind="mention", title="通知"))
    services.update_preferences(actor=cast.manager, data={"digest": True})  # no e-mail address
    notify([cast.manager], Notice(kind="mention", title="通知"))
    cast.readonly.email = "ro@example.jp"
    cast.readonly.save()
    services.update_preferences(actor=cast.readonly, data={"digest": True})  # nothing unread, nothing due
    assert reminders.send_digests(now=at(8)) == 0 and mailoutbox == []


def test_a_failing_server_is_retried_at_the_next_run(opted_in, mailoutbox, monkeypatch):
    notify([opted_in], Notice(kind="mention", title="通知"))

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(reminders.EmailMessage, "send", refuse)
    assert reminders.send_digests(now=at(8)) == 0
    monkeypatch.undo()
    assert reminders.send_digests(now=at(8)) == 1 and len(mailoutbox) == 1


def test_the_digest_goes_through_a_real_smtp_server(opted_in, settings):
    """The configured SMTP backend (as KIZUNA_EMAIL_HOST sets it up) delivers the digest to a local server."""
    from email import message_from_bytes, policy

    from .smtp_sink import SmtpSink

    notify([opted_in], Notice(kind="mention", title="髙橋さんが言及しました"))
    with SmtpSink() as sink:
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
            "host": "127.0.0.1", "port": sink.port, "use_tls": False, "use_ssl": False, "timeout": 5}}}  # fmt: skip
        assert reminders.send_digests(now=at(8)) == 1
    [message] = sink.messages
    assert message["to"] == ["owner@example.jp"]
    mail = message_from_bytes(message["data"], policy=policy.default)
    assert "お知らせ" in mail["Subject"] and "髙橋さんが言及しました" in mail.get_content()
