"""Reminders for tasks due today or overdue: from the clock, once per task per day, with nobody logged in."""

from datetime import date, timedelta

from django.utils import timezone

from kizuna.core import clock
from kizuna.core.models import PeriodicRun
from kizuna.notifications import reminders
from kizuna.notifications.models import Notification
from kizuna.timeline import services as timeline

from .conftest import titles


def task(actor, title, due, **extra):
    return timeline.create_follow_up(actor=actor, data={"title": title, "due_date": due, **extra})


def test_due_today_and_overdue_once_per_task_per_day(cast):
    today = timezone.localdate()
    task(cast.owner, "今日の見積", today)
    task(cast.owner, "先週の電話", today - timedelta(days=3))
    task(cast.owner, "来週の訪問", today + timedelta(days=7))
    done = task(cast.owner, "済んだ件", today)
    timeline.complete_follow_up(actor=cast.owner, follow_up=done)
    task(cast.owner, "同僚の宿題", today, assignee=cast.teammate.pk)
    assert reminders.remind_due_tasks(today=today) == 3
    expected = ["今日が期日のタスク: 今日の見積", "期日を3日過ぎたタスク: 先週の電話"]
    assert sorted(titles(cast.owner, "task_due")) == expected
    assert titles(cast.teammate, "task_due") == ["今日が期日のタスク: 同僚の宿題"]
    assert reminders.remind_due_tasks(today=today) == 0  # the clock runs every 15 minutes: still once a day
    assert Notification.objects.filter(kind="task_due").count() == 3
    assert reminders.remind_due_tasks(today=today + timedelta(days=1)) == 3  # overdue the next day: once more


def test_the_clock_runs_reminders_without_a_request(cast):
    task(cast.owner, "今日の見積", timezone.localdate())
    results = clock.run_due(force=True)
    assert results["notifications.task_reminders"] == "ok"
    assert PeriodicRun.objects.get(name="notifications.task_reminders").last_run_at is not None
    assert titles(cast.owner, "task_due") == ["今日が期日のタスク: 今日の見積"]
    clock.run_due(force=True)
    assert len(titles(cast.owner, "task_due")) == 1


def test_a_deleted_task_or_an_inactive_assignee_gets_no_reminder(cast):
    gone = task(cast.owner, "消した件", date(2020, 1, 1))
    timeline.delete_follow_up(actor=cast.owner, follow_up=gone)
    task(cast.owner, "退職者の件", date(2020, 1, 1), assignee=cast.teammate.pk)
    cast.teammate.is_active = False
    cast.teammate.save()
    assert reminders.remind_due_tasks() == 0
