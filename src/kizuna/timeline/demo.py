"""Three months of history around the demo's people, written through the timeline services (core.demo): visits,
calls and meetings by the reps who own the accounts, insights with who said them and how sure we are, tasks (some
overdue, some done), and relationships between people of the same company. The first screen after login then shows
a day worth working."""

from datetime import timedelta

from django.utils import timezone

from kizuna.contacts.models import Person
from kizuna.core.permissions import has_perm

from . import services
from .models import Activity, Confidence, Insight, Relationship, Source

VISITS = [
    (
        Activity.Kind.VISIT,
        "{company} {dept}を訪問",
        "新ラインの立ち上げ時期を確認。{name}さんは来月の稟議に載せたいとのこと。",
    ),
    (Activity.Kind.CALL, "見積の件で電話", "{name}さんから数量変更の相談。月末までに再見積をお送りする。"),
    (Activity.Kind.MEETING, "仕様打ち合わせ", "図面の公差について{dept}と確認。材質は従来どおりで合意。"),
    (Activity.Kind.PLANT_TOUR, "{company} 工場見学", "第2工場の設備更新の話あり。工場長も同席。"),
    (Activity.Kind.EMAIL, "技術資料を送付", "カタログと試験成績書をメールでお送りした。"),
    (Activity.Kind.TRADE_SHOW, "展示会で名刺交換", "ものづくり展のブースに{name}さんが来場。自動化に関心。"),
    (Activity.Kind.CALL, "納期確認の電話", "{name}さんより、来週の納品で問題なしとの回答。"),
]
INSIGHTS = [
    (Insight.Category.PREFERENCE, "納期より仕様に厳しい。図面どおりかを必ず確認される", Confidence.CERTAIN),
    (Insight.Category.DECISION, "実質的な決裁は工場長。部長は工場長の意見を重視", Confidence.LIKELY),
    (Insight.Category.PRICE, "来期は設備投資の予算が2割増える見込み", Confidence.RUMOR),
    (Insight.Category.DELIVERY, "月末締め・翌月納品の段取りを好む", Confidence.CERTAIN),
    (Insight.Category.PERSONAL, "釣りが趣味。週末はよく海に行くそう", Confidence.LIKELY),
    (Insight.Category.RISK, "競合A社が値下げ提案をしているらしい", Confidence.RUMOR),
]
TASKS = ["見積を送付", "サンプルを手配", "技術資料を送る", "工場見学の日程調整", "再見積の作成", "お礼状を送る"]


def load(users, rng) -> str:
    writers = [u for u in users if has_perm(u, "activity", "create") and not u.is_superuser and u.username != "admin"]
    now = timezone.now()
    counts = {"activities": 0, "insights": 0, "tasks": 0, "relationships": 0}
    for user in writers:
        mine = list(Person.objects.visible_to(user).filter(owner=user, company__isnull=False)
                    .select_related("company").order_by("pk")[:60])  # fmt: skip
        for person in mine:
            made = _history(user, person, rng, now, counts)
            _insight(user, person, made, rng, counts)
            _task(user, person, rng, now, counts)
        _relationships(user, mine, rng, counts)
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def _history(user, person, rng, now, counts) -> list:
    made = []
    for _ in range(rng.randint(1, 4)):
        kind, subject, body = rng.choice(VISITS)
        job = person.employments.alive().filter(is_primary=True).first()
        words = {"company": person.company.name, "dept": getattr(job, "department", "") or "ご担当部署",
                 "name": person.family_name}  # fmt: skip
        when = now - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 8), minutes=rng.choice((0, 15, 30)))
        made.append(services.create_activity(actor=user, data={
            "kind": kind, "subject": subject.format(**words), "body": body.format(**words), "occurred_at": when,
            "people": [person.pk], "source": _source(kind), "visibility": "team",
        }))  # fmt: skip
        counts["activities"] += 1
    return made


def _source(kind) -> str:
    return {Activity.Kind.VISIT: Source.VISIT, Activity.Kind.CALL: Source.PHONE, Activity.Kind.EMAIL: Source.EMAIL,
            Activity.Kind.MEETING: Source.MEETING}.get(kind, Source.WEB)  # fmt: skip


def _insight(user, person, made, rng, counts) -> None:
    if rng.random() > 0.5:
        return
    category, statement, confidence = rng.choice(INSIGHTS)
    services.create_insight(actor=user, data={
        "person": person.pk, "category": category, "statement": statement, "confidence": confidence,
        "heard_from": person.pk, "source": Source.VISIT, "evidence": [made[0].pk], "visibility": "team",
    })  # fmt: skip
    counts["insights"] += 1


def _task(user, person, rng, now, counts) -> None:
    if rng.random() > 0.6:
        return
    due = timezone.localdate() + timedelta(days=rng.randint(-7, 14))
    task = services.create_follow_up(actor=user, data={
        "title": rng.choice(TASKS), "due_date": due, "person": person.pk, "assignee": user.pk, "visibility": "team",
    })  # fmt: skip
    counts["tasks"] += 1
    if due < timezone.localdate() and rng.random() < 0.5:  # half of the past ones were kept on time
        services.complete_follow_up(actor=user, follow_up=task)


def _relationships(user, people, rng, counts) -> None:
    by_company: dict[int, list] = {}
    for person in people:
        by_company.setdefault(person.company_id, []).append(person)
    for colleagues in by_company.values():
        if len(colleagues) < 2:
            continue
        boss, report = colleagues[0], colleagues[1]
        services.create_relationship(actor=user, data={"from_person": report.pk, "to_person": boss.pk,
                                                       "kind": Relationship.Kind.BOSS})  # fmt: skip
        counts["relationships"] += 1
