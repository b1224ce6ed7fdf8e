"""One-line capture: plan (resolve @people and #companies the user can see), save, undo."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts.models import Company, Employment, Person
from kizuna.core import japanese, records
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.schemas import fits_bigint

from ..capture import MarkerPlan, Parsed, markers, parse
from ..models import Activity, FollowUp, Insight, Source
from .activities import create_activity, delete_activity
from .follow_ups import create_follow_up
from .insights import create_insight
from .mentions import resolve_user, users_named

MAX_CANDIDATES = 6


@dataclass
class Mention:
    text: str
    kind: str  # "person" | "company" | "user"
    candidates: list = field(default_factory=list)  # records the user can see, best first
    chosen: object = None

    @property
    def ambiguous(self) -> bool:
        return self.chosen is None and len(self.candidates) > 1

    @property
    def key(self) -> str:
        return {"person": "@", "company": "#", "user": "@@"}[self.kind] + self.text


@dataclass
class Plan:
    parsed: Parsed
    people: list[Mention]
    companies: list[Mention]
    problems: list[str]
    users: list[Mention] = field(default_factory=list)  # @@colleagues: told after the save (notifications)
    marks: dict[str, MarkerPlan] = field(default_factory=dict)  # registered markers' plans ($案件 of sales)

    @property
    def kind_label(self) -> str:
        return Activity.Kind(self.parsed.kind).label

    @property
    def ready(self) -> bool:
        if any(m.blocking for m in self.marks.values()):
            return False
        has_text = bool(self.parsed.body or self.parsed.task or any(m.body for m in self.marks.values()))
        return not any(m.ambiguous for m in self.people + self.companies) and has_text

    @property
    def chosen_people(self) -> list[Person]:
        return [m.chosen for m in self.people if m.chosen]

    @property
    def chosen_companies(self) -> list[Company]:
        return [m.chosen for m in self.companies if m.chosen]

    @property
    def insight_subject(self):
        return (self.chosen_people or self.chosen_companies or [None])[0]


@dataclass
class Saved:
    plan: Plan
    activity: Activity
    insight: Insight | None
    follow_up: FollowUp | None
    marks: list = field(default_factory=list)  # MarkerSaved of each registered marker in the line


def _people(actor, name: str, company_ids: set[int]) -> list[Person]:
    """Visible people whose name or reading starts with `name`, each once, most recently updated first. With
    companies named in the line (#山田製作所), only those with a current or past career there, unless none has."""
    q = japanese.search_text(name)
    found = Person.objects.visible_to(actor).filter(Q(name_search__startswith=q) | Q(kana_search__startswith=q))
    if company_ids:
        careers = Employment.objects.alive().filter(company_id__in=company_ids).values("person_id")
        there = found.filter(Q(company_id__in=company_ids) | Q(pk__in=careers))  # a subquery: no join, no repeats
        if there.exists():
            found = there
    return list(found.select_related("company").order_by("-updated_at", "-id")[:MAX_CANDIDATES])


def _show_posts(people: list[Person], company_ids: set[int]) -> None:
    """Give each person the career that tells them apart (`capture_post`): the one at a company named in the line,
    else the current 主所属, else the latest; current before past."""
    today = timezone.localdate()
    posts: dict[int, list[Employment]] = {}
    careers = Employment.objects.alive().filter(person__in=people).select_related("company")
    for job in careers.order_by("pk"):
        posts.setdefault(job.person_id, []).append(job)
    for person in people:
        person.capture_post = min(
            posts.get(person.pk, []),
            key=lambda j: (
                j.company_id not in company_ids,
                j.end_date is not None and j.end_date < today,
                not j.is_primary,
                -(j.start_date or date.min).toordinal(),
                -j.pk,
            ),
            default=None,
        )


def _companies(actor, name: str):
    key = japanese.company_key(name) or japanese.search_text(name)
    match = Q(name_key__startswith=key) | Q(name_search__contains=japanese.search_text(name))
    found = list(Company.objects.visible_to(actor).filter(match).order_by("-updated_at", "-id")[:MAX_CANDIDATES])
    return sorted(found, key=lambda c: c.name_key != key)  # the exact name first


def _choose(mention: Mention, resolve: dict, model, actor) -> None:
    wanted = resolve.get(mention.key) or resolve.get(mention.text)
    if wanted:
        pk = str(wanted).strip()
        ok = pk.isascii() and pk.isdigit() and fits_bigint(int(pk))  # a form posts text: "abc" finds nothing
        chosen = model.objects.visible_to(actor).filter(pk=int(pk)).first() if ok else None
        if chosen is None:
            message = _("「%(mention)s」に指定されたIDが見つかりません。") % {"mention": mention.key}
            raise ValidationFailed(message, field_errors={"resolve": [message]})
        mention.chosen = chosen
    elif len(mention.candidates) == 1:
        mention.chosen = mention.candidates[0]


def plan_capture(actor, text: str, *, resolve: dict | None = None, today=None) -> Plan:
    """What a line would create. `resolve` maps "@田中" (or "田中") to the id the user picked."""
    resolve = resolve or {}
    parsed = parse(text or "", today or timezone.localdate())
    problems = list(parsed.problems)
    companies = [Mention(name, "company", _companies(actor, name)) for name in parsed.companies]
    for mention in companies:
        _choose(mention, resolve, Company, actor)
    company_ids = set()  # "@田中 #山田製作所": the 田中 who works or worked there
    for mention in companies:
        company_ids |= {mention.chosen.pk} if mention.chosen else {c.pk for c in mention.candidates}
    people = []
    for name in parsed.people:
        mention = Mention(name, "person", _people(actor, name, company_ids))
        _choose(mention, resolve, Person, actor)
        _show_posts(mention.candidates + ([mention.chosen] if mention.chosen else []), company_ids)
        people.append(mention)
    for mention in people + companies:
        if not mention.candidates and mention.chosen is None:
            if mention.kind == "person":
                problem = _("「%(mention)s」に当てはまる人が見つかりません（本文には残します）。")
            else:
                problem = _("「%(mention)s」に当てはまる会社が見つかりません（本文には残します）。")
            problems.append(problem % {"mention": mention.key})
    users = [Mention(name, "user", users_named(name)[:MAX_CANDIDATES], resolve_user(name)) for name in parsed.users]
    for mention in users:
        if mention.chosen is None and mention.candidates:
            problems.append(
                _("「%(mention)s」に当てはまるユーザーが一人に決まりません（通知しません）。")
                % {"mention": mention.key}
            )
        elif mention.chosen is None:
            problems.append(_("「%(mention)s」に当てはまるユーザーがいません。") % {"mention": mention.key})
    plan = Plan(parsed=parsed, people=people, companies=companies, problems=problems, users=users)
    found = markers()
    for key, matches in parsed.marks.items():
        marked = found[key].plan(actor, matches, plan, today or timezone.localdate())
        plan.marks[key] = marked
        plan.problems.extend(marked.problems)
    return plan


def _without_leading_names(body: str, plan) -> str:
    """ "遠藤裕太 伊藤テクノロジー 訪問。…" → "訪問。…": the names the line began with are now links beside the entry;
    a name that found no record, or one inside a sentence, stays in the text."""
    linked = {m.text for m in plan.people + plan.companies if m.chosen is not None}
    words = body.split(" ")
    while len(words) > 1 and japanese.strip_honorific(words[0]) in linked:
        words.pop(0)
    return " ".join(words)


def _captured_at(value):
    """When a line was written on a device that had no signal: its relative dates (!明日) count from that day."""
    if value is None:
        return None
    now = timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + timedelta(days=1):
        message = _("記録した日時が未来になっています。端末の時計を確認してください。")
        raise ValidationFailed(message, field_errors={"captured_at": [message]})
    if value < now - timedelta(days=366):
        message = _("記録した日時が1年以上前です。端末の時計を確認してください。")
        raise ValidationFailed(message, field_errors={"captured_at": [message]})
    return min(value, now)


def capture_day(value):
    """The day a line written offline counts its dates from (None: today), for a preview."""
    try:
        value = _captured_at(value)
    except ValidationFailed:
        return None
    return timezone.localdate(value) if value is not None else None


def save_capture(
    actor, text: str, *, resolve: dict | None = None, with_insight: bool = True, today=None, captured_at=None
) -> Saved:
    """Save a line; `captured_at` is when it was written offline (the activity's time and the day dates count from)."""
    captured_at = _captured_at(captured_at)
    if captured_at is not None and today is None:
        today = timezone.localdate(captured_at)
    plan = plan_capture(actor, text, resolve=resolve, today=today)
    if not plan.ready:
        ambiguous = [m.key for m in plan.people + plan.companies if m.ambiguous]
        blocking = [p for m in plan.marks.values() if m.blocking for p in m.problems]
        if ambiguous:
            message = _("候補が複数あります: %(mentions)s") % {"mentions": "、".join(ambiguous)}
        elif blocking:
            message = " ".join(blocking)
        else:
            message = _("内容を入力してください。")
        raise ValidationFailed(message, field_errors={"text": [message]})
    parsed = plan.parsed
    found = markers()
    with transaction.atomic():
        marks = [found[key].save(actor, marked, plan) for key, marked in plan.marks.items()]
        fallback = next((m.body for m in plan.marks.values() if m.body), "")
        activity = create_activity(actor=actor, data={
            "kind": parsed.kind, "body": _without_leading_names(parsed.body, plan) or parsed.task or fallback,
            "source": Source.CAPTURE, **({"occurred_at": captured_at} if captured_at else {}),
            "people": plan.chosen_people, "companies": plan.chosen_companies,
            **({"links": [link for m in marks for link in m.links]} if any(m.links for m in marks) else {}),
        })  # fmt: skip
        insight = None
        subject = plan.insight_subject
        if with_insight and parsed.insight and subject is not None:
            category, statement = parsed.insight
            insight = create_insight(actor=actor, data={
                "person" if isinstance(subject, Person) else "company": subject.pk, "category": category,
                "statement": statement, "source": Source.CAPTURE, "evidence": [activity],
            })  # fmt: skip
        follow_up = None
        if parsed.task or parsed.due:
            follow_up = create_follow_up(actor=actor, data={
                "title": parsed.task or parsed.body[:60] or "フォローアップ", "due_date": parsed.due,
                "person": plan.chosen_people[0].pk if plan.chosen_people else None,
                "company": (plan.chosen_companies or [None])[0] and plan.chosen_companies[0].pk,
                "activity": activity.pk,
            })  # fmt: skip
    return Saved(plan=plan, activity=activity, insight=insight, follow_up=follow_up, marks=marks)


def undo_capture(*, actor, activity: Activity) -> list[str]:
    """Remove what one capture created: the activity, its follow-ups, the insights it alone evidences and what the
    registered markers made for it (a deal). Returns the markers' notices: what was kept, and why."""
    records.require_write(actor, activity)
    if activity.source != Source.CAPTURE:  # an ordinary activity and its follow-ups are not a capture to undo
        message = _("ひとこと入力で作成した活動ではありません。")
        raise ValidationFailed(message, field_errors={"activity": [message]})
    with transaction.atomic():
        for follow_up in activity.follow_ups.alive().filter(created_by=actor):
            records.soft_delete(actor=actor, obj=follow_up)
        for insight in activity.insights.alive().filter(created_by=actor):
            if insight.evidence.count() == 1:
                records.soft_delete(actor=actor, obj=insight)
        notices = [notice for marker in markers().values() if marker.undo for notice in marker.undo(actor, activity)]
        delete_activity(actor=actor, activity=activity)
    return notices
