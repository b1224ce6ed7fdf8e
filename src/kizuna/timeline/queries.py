"""Reading the timeline: one visibility filter (`visible_to`), keyset pages, follow-up lists, temperature."""

import math
from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kizuna.contacts.models import Company, Person
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.pagination import paginate
from kizuna.core.visibility import viewer_for

from . import sources
from .models import Activity, FollowUp, Insight


def timeline(user, *, person=None, company=None, kinds=(), by_user=None, since=None, until=None, cursor=None,
             limit: int = 25):  # fmt: skip
    """Newest first. A company's timeline holds the activities linked to it, which includes everything
    recorded with its people (the services link a person's company to the activity)."""
    if not 1 <= limit <= 100:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜100 で指定してください。")]})
    if kinds:
        unknown = set(kinds) - set(Activity.Kind.values)
        if unknown:
            message = _("不明な種類: %(kinds)s") % {"kinds": ", ".join(sorted(unknown))}
            raise ValidationFailed(field_errors={"kind": [message]})
    filters = sources.Filters(person=person, company=company, kinds=tuple(kinds), by_user=by_user, since=since,
                              until=until)  # fmt: skip
    qs = _activities(user, filters)
    qs = qs.select_related("recorded_by", "heard_from").prefetch_related(
        "people", "companies", "our_participants", "links"
    )
    return paginate(qs, sort="-occurred_at", cursor=cursor, limit=limit)


def insights(user, *, person=None, company=None, with_people: bool = False):
    """Insights about a person or a company; `with_people` adds those about the company's current people
    (the people the reader can see)."""
    qs = Insight.objects.visible_to(user).select_related("recorded_by", "confirmed_by", "heard_from", "person")
    if person is not None:
        qs = qs.filter(person=person)
    if company is not None:
        about = Q(company=company)
        if with_people:
            about |= Q(person__in=company.current_people.visible_to(user).values("pk"))
        qs = qs.filter(about)
    return qs.prefetch_related("evidence").order_by("-confirmed_at", "-id")


def open_follow_ups(user, *, assignee=None):
    qs = FollowUp.objects.visible_to(user).filter(done_at__isnull=True)
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    return qs.select_related("person", "company", "assignee").order_by("due_date", "id")


def my_follow_ups(user) -> dict:
    """My open follow-ups split the way people plan their day."""
    today = timezone.localdate()
    groups = {"overdue": [], "today": [], "upcoming": [], "someday": []}
    for item in open_follow_ups(user, assignee=user)[:500]:
        if item.due_date is None:
            groups["someday"].append(item)
        elif item.due_date < today:
            groups["overdue"].append(item)
        elif item.due_date == today:
            groups["today"].append(item)
        else:
            groups["upcoming"].append(item)
    return groups


def quiet_accounts(user, *, days: int = 30, limit: int = 50):
    """My companies with no activity for `days` days (or none at all), the longest silence first."""
    cutoff = timezone.now() - timedelta(days=days)
    qs = Company.objects.visible_to(user).filter(owner=user)
    qs = qs.annotate(last_contact=Max("activities__occurred_at", filter=Q(activities__deleted_at__isnull=True)))
    qs = qs.filter(Q(last_contact__lt=cutoff) | Q(last_contact__isnull=True))
    return list(qs.order_by("last_contact", "id")[:limit])


TEMPERATURE_LABELS = [
    (3.0, "hot", _l("熱い")),
    (1.0, "warm", _l("温かい")),
    (0.01, "cool", _l("ぬるい")),
    (0, "cold", _l("冷えている")),
]


def temperature(user, person, *, now=None) -> dict:
    """How warm our user's relationship with a person is: contacts decay with a 60-day time constant."""
    now = now or timezone.now()
    since = now - timedelta(days=365)
    times = Activity.objects.alive().filter(people=person, our_participants=user, occurred_at__gte=since)
    score = sum(math.exp(-max((now - t).days, 0) / 60) for t in times.values_list("occurred_at", flat=True))
    for threshold, code, label in TEMPERATURE_LABELS:
        if score >= threshold:
            return {"score": round(score, 2), "code": code, "label": str(label)}  # in the reader's language
    return {"score": 0.0, "code": "cold", "label": str(TEMPERATURE_LABELS[-1][2])}


def _linked(obj) -> tuple[set[int], set[int]]:
    """Ids of the people and companies an activity, insight or follow-up names."""
    if isinstance(obj, Activity):
        people = {p.pk for p in obj.people.all()} | {obj.heard_from_id}
        return people - {None}, {c.pk for c in obj.companies.all()}
    return {obj.person_id, getattr(obj, "heard_from_id", None)} - {None}, {obj.company_id} - {None}


def seen_people(user, objs) -> set[int]:
    """Ids of the people named by `objs` that `user` may see (core.visibility): a visible activity or insight
    never shows the name of a private person it mentions."""
    ids = set().union(*(_linked(o)[0] for o in objs)) if objs else set()
    viewer = viewer_for(user)
    viewer.prime(Person, ids)
    return {pk for pk in ids if viewer.sees_id(Person, pk)}


def seen_companies(user, objs) -> set[int]:
    ids = set().union(*(_linked(o)[1] for o in objs)) if objs else set()
    viewer = viewer_for(user)
    viewer.prime(Company, ids)
    return {pk for pk in ids if viewer.sees_id(Company, pk)}


# --- the timeline's own sources (timeline.sources) -------------------------------------------------------------
def _activities(user, filters: sources.Filters):
    """The activities `user` may see that the timeline's filters select (a person's, a company's, a record's)."""
    qs = Activity.objects.visible_to(user)
    if filters.person is not None:
        qs = qs.filter(people=filters.person)
    if filters.company is not None:
        qs = qs.filter(companies=filters.company)
    if filters.linked is not None:
        qs = qs.filter(links__object_type=filters.linked.permission_type, links__object_id=filters.linked.pk)
    kinds = set(filters.kinds) & set(Activity.Kind.values)
    if kinds and "activity" not in filters.kinds:
        qs = qs.filter(kind__in=kinds)
    if filters.by_user:
        qs = qs.filter(Q(recorded_by_id=filters.by_user) | Q(our_participants=filters.by_user)).distinct()
    if filters.since:
        qs = qs.filter(occurred_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(occurred_at__date__lte=filters.until)
    return qs


def activity_entries(user, filters: sources.Filters, before, limit: int) -> list[sources.Entry]:
    qs = _activities(user, filters).filter(sources.before_q(before, "activity", "occurred_at"))
    qs = qs.select_related("recorded_by", "heard_from").prefetch_related("people", "companies", "our_participants")
    rows = qs.order_by("-occurred_at", "-pk")[:limit]
    return [sources.Entry("activity", a.pk, a.occurred_at, a.get_kind_display(), str(a), a.get_absolute_url(),
                          obj=a) for a in rows]  # fmt: skip


def task_done_entries(user, filters: sources.Filters, before, limit: int) -> list[sources.Entry]:
    """Tasks done for the person or company: what was promised and kept belongs in its story."""
    if filters.person is None and filters.company is None:
        return []
    qs = FollowUp.objects.visible_to(user).filter(done_at__isnull=False)
    qs = qs.filter(sources.before_q(before, "task_done", "done_at"))
    qs = qs.filter(person=filters.person) if filters.person is not None else qs.filter(company=filters.company)
    if filters.by_user:
        qs = qs.filter(Q(done_by_id=filters.by_user) | Q(assignee_id=filters.by_user))
    if filters.since:
        qs = qs.filter(done_at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(done_at__date__lte=filters.until)
    rows = qs.select_related("done_by").order_by("-done_at", "-pk")[:limit]
    return [sources.Entry("task_done", t.pk, t.done_at, str(_("タスク完了")), t.title,
                          meta=[str(t.done_by.display_name or t.done_by)] if t.done_by else [], obj=t)
            for t in rows]  # fmt: skip


def activities_linked_to(user, obj):
    """The activities about a record of another app (its page's timeline)."""
    return (
        Activity.objects.visible_to(user)
        .filter(links__object_type=obj.permission_type, links__object_id=obj.pk)
        .order_by("-occurred_at", "-pk")
    )


# --- the home page: what today asks of me ---------------------------------------------------------------------
def colleague_activity(user, *, days: int = 14, limit: int = 10):
    """What colleagues recorded about my accounts lately: the feed that breaks the silos."""
    since = timezone.now() - timedelta(days=days)
    mine = Q(companies__owner=user) | Q(people__owner=user)
    qs = Activity.objects.visible_to(user).filter(mine, occurred_at__gte=since).exclude(recorded_by=user)
    ids = list(qs.order_by("-occurred_at", "-pk").values_list("pk", flat=True).distinct()[: limit * 3])[:limit]
    return list(Activity.objects.filter(pk__in=ids).select_related("recorded_by")
                .prefetch_related("people", "companies").order_by("-occurred_at", "-pk"))  # fmt: skip


def insights_to_confirm(user, *, limit: int = 8):
    """Insights about my accounts that nobody has confirmed for a long time (要確認): still true?"""
    from django.conf import settings

    cutoff = timezone.now() - timedelta(days=settings.KIZUNA_INSIGHT_STALE_MONTHS * 30)
    qs = Insight.objects.visible_to(user).filter(Q(person__owner=user) | Q(company__owner=user))
    qs = qs.filter(Q(confirmed_at__lt=cutoff) | Q(confirmed_at__isnull=True, created_at__lt=cutoff))
    return list(qs.select_related("person", "company").order_by("confirmed_at", "id")[:limit])


def team_week(user) -> list[dict] | None:
    """For a manager: each member of the team with their activities of the last 7 days (None for others)."""
    from django.contrib.auth import get_user_model

    from kizuna.core.permissions import Scope, has_perm, scope_of

    if scope_of(user) != Scope.TEAM or not user.team_id:
        return None
    since = timezone.now() - timedelta(days=7)
    members = list(get_user_model().objects.filter(team_id=user.team_id, is_active=True).order_by("username"))
    counts = dict(Activity.objects.visible_to(user).filter(occurred_at__gte=since, recorded_by__in=members)
                  .values_list("recorded_by").annotate(n=Count("pk")).values_list("recorded_by", "n"))  # fmt: skip
    members = [m for m in members if has_perm(m, "activity", "create")]  # reps, not read-only colleagues
    return [{"user": m, "count": counts.get(m.pk, 0)} for m in members]
