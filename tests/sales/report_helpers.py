"""A day of the owner's work to draft a 日報 from: a visit with people and companies, a call someone else recorded
with the owner taking part, a deal moved, a task done and one due tomorrow."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from kizuna.sales.services import deals as deal_services
from kizuna.sales.services.report_drafts import next_working_day
from kizuna.timeline import services as timeline
from tests.factories import company, person

DAY = timezone.localdate() - timedelta(days=1)


def at(day, hour: int):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def owners_day(cast, day=DAY):
    acme = company(cast.owner, "株式会社山田製作所", visibility="public")
    tanaka = person(cast.owner, "田中", "次郎", visibility="public")
    visit = timeline.create_activity(actor=cast.owner, data={
        "kind": "visit", "subject": "山田製作所 訪問", "body": "新ラインの相談", "occurred_at": at(day, 10),
        "people": [tanaka.pk], "companies": [acme.pk],
    })  # fmt: skip
    call = timeline.create_activity(actor=cast.teammate, data={
        "kind": "call", "subject": "納期確認の電話", "occurred_at": at(day, 15), "our_participants": [cast.owner.pk],
    })  # fmt: skip
    other_day = timeline.create_activity(
        actor=cast.owner,
        data={"kind": "visit", "subject": "前日の訪問", "occurred_at": at(day - timedelta(days=1), 10)},
    )
    deal = deal_services.create_deal(actor=cast.owner, data={"title": "検査治具更新", "company": acme.pk})
    change = deal.stage_changes.get()
    deal_services.move_deal(actor=cast.owner, deal=deal, stage="ヒアリング")
    moved = deal.stage_changes.order_by("-id").first()
    type(moved).objects.filter(pk__in=[change.pk, moved.pk]).update(at=at(day, 11))
    done = timeline.create_follow_up(actor=cast.owner, data={"title": "見積送付", "assignee": cast.owner.pk})
    timeline.complete_follow_up(actor=cast.owner, follow_up=done)
    type(done).objects.filter(pk=done.pk).update(done_at=at(day, 17))
    due = timeline.create_follow_up(
        actor=cast.owner,
        data={"title": "サンプル手配", "assignee": cast.owner.pk, "due_date": next_working_day(day).isoformat()},
    )
    return {"acme": acme, "tanaka": tanaka, "visit": visit, "call": call, "other_day": other_day, "deal": deal,
            "moved": moved, "done": done, "due": due}  # fmt: skip
