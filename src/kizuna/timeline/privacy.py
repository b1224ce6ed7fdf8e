"""The timeline's personal data about a person, for 開示 and 消去 (registered in core.personal_data).

Disclosed: the activities they took part in or were the source of, insights about them or heard from them, their
follow-ups, relationships and files. Erased: files, insights about them, relationships; kept anonymized so that
reports stay true: activities (the person taken off, the name scrubbed from the text) and follow-ups (without the
person)."""

from django.db import transaction
from django.db.models import Q

from kizuna.core import files
from kizuna.core.personal_data import audit_ids

from .models import Activity, Attachment, FollowUp, Insight, Relationship
from .search import index_activity


def _when(value):
    return value.isoformat() if value else None


def _user(user):
    return getattr(user, "username", None) if user else None


def _activities(ids):
    return Activity.objects.filter(Q(people__in=ids) | Q(heard_from__in=ids)).distinct()


def _activity(a: Activity, ids) -> dict:
    role = "participant" if any(p.pk in ids for p in a.people.all()) else "source"
    return {
        "id": a.pk, "kind": a.get_kind_display(), "occurred_at": _when(a.occurred_at), "subject": a.subject,
        "body": a.body, "source": a.get_source_display(), "recorded_by": _user(a.recorded_by),
        "companies": [c.name for c in a.companies.all()], "mentioned_as": role, "deleted": a.deleted_at is not None,
    }  # fmt: skip


def disclose(ids) -> dict:
    activities = (
        _activities(ids).select_related("recorded_by").prefetch_related("people", "companies")
        .order_by("occurred_at", "pk")
    )  # fmt: skip
    insights = Insight.objects.filter(Q(person__in=ids) | Q(heard_from__in=ids)).select_related("recorded_by")
    follow_ups = FollowUp.objects.filter(person__in=ids).select_related("assignee")
    relationships = Relationship.objects.filter(Q(from_person__in=ids) | Q(to_person__in=ids)).select_related(
        "from_person", "to_person"
    )
    return {
        "activities": [_activity(a, set(ids)) for a in activities],
        "insights": [
            {"id": i.pk, "category": i.get_category_display(), "statement": i.statement,
             "about_person": i.person_id in ids, "source": i.get_source_display(),
             "recorded_by": _user(i.recorded_by), "created_at": _when(i.created_at)}
            for i in insights.order_by("created_at", "pk")
        ],
        "follow_ups": [
            {"id": f.pk, "title": f.title, "due_date": _when(f.due_date), "done_at": _when(f.done_at),
             "assignee": _user(f.assignee)} for f in follow_ups.order_by("pk")
        ],
        "relationships": [
            {"from": str(r.from_person), "to": str(r.to_person), "kind": r.get_kind_display(), "label": r.label}
            for r in relationships.order_by("pk")
        ],
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": a.size, "created_at": _when(a.created_at),
             "deleted": a.deleted_at is not None} for a in Attachment.objects.filter(person__in=ids).order_by("pk")
        ],
    }  # fmt: skip


def audit(ids):
    """Own: the history of insights about the person (they go). Mentions: the activities, insights and follow-ups
    that name them, and the people on the other end of their relationships."""
    about = Insight.objects.filter(person__in=ids).values_list("pk", flat=True)
    insights = Insight.objects.filter(Q(person__in=ids) | Q(heard_from__in=ids)).values_list("pk", flat=True)
    rels = Relationship.objects.filter(Q(from_person__in=ids) | Q(to_person__in=ids))
    counterparts = {i for pair in rels.values_list("from_person_id", "to_person_id") for i in pair} - set(ids)
    mentions = (
        audit_ids("contacts.person", counterparts)
        | audit_ids("timeline.activity", _activities(ids).values_list("pk", flat=True))
        | audit_ids("timeline.insight", insights)
        | audit_ids("timeline.followup", FollowUp.objects.filter(person__in=ids).values_list("pk", flat=True))
    )
    return audit_ids("timeline.insight", about), mentions


def erase(actor, ids, scrub) -> dict:
    counts = {}
    activity_ids = list(_activities(ids).values_list("pk", flat=True))
    stored = list(Attachment.objects.filter(person_id__in=ids).values_list("path", flat=True))
    counts["attachments"] = Attachment.objects.filter(person_id__in=ids).delete()[0]
    transaction.on_commit(lambda: _remove_files(stored))
    counts["insights"] = Insight.objects.filter(person_id__in=ids).delete()[0]
    Insight.objects.filter(heard_from_id__in=ids).update(heard_from=None)
    relationships = Relationship.objects.filter(Q(from_person_id__in=ids) | Q(to_person_id__in=ids))
    counts["relationships"] = relationships.delete()[0]
    for follow_up in FollowUp.objects.filter(person_id__in=ids):
        FollowUp.objects.filter(pk=follow_up.pk).update(person=None, title=scrub(follow_up.title))
    Activity.people.through.objects.filter(person_id__in=ids).delete()
    Activity.objects.filter(heard_from_id__in=ids).update(heard_from=None)
    for activity in Activity.objects.filter(pk__in=activity_ids):
        subject, body = scrub(activity.subject), scrub(activity.body)
        if (subject, body) != (activity.subject, activity.body):
            Activity.objects.filter(pk=activity.pk).update(subject=subject, body=body)
            activity.subject, activity.body = subject, body
        index_activity(activity)
    counts["activities"] = len(activity_ids)
    return counts


def _remove_files(paths) -> None:
    for name in paths:
        files.delete(name)
