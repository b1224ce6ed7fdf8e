"""Activities in the search index: what was said and written is findable from the header box, 1 character up,
for those who may see the activity."""

from django.db.models import Q
from django.utils.text import Truncator

from kizuna.contacts.search import Result
from kizuna.core import japanese, search

from .models import Activity

ACTIVITY = "activity"
_SNIPPET = 30  # characters of context either side of the match


def activity_fields(activity: Activity) -> list[str]:
    return [
        japanese.search_text(activity.subject),
        *(japanese.search_text(line) for line in activity.body.splitlines()),
    ]


def index_activity(activity: Activity) -> None:
    if activity.deleted_at:
        search.remove(ACTIVITY, activity.pk)
    else:
        search.index(ACTIVITY, activity.pk, activity_fields(activity), stamp=activity.updated_at)


def reindex(progress=None, *, batch: int = 2000) -> int:
    """Least recently updated first, so that the documents' order is the activities' recency order."""
    done, after = 0, None
    qs = Activity.objects.alive().order_by("updated_at", "pk")
    while chunk := list(
        (qs if after is None else qs.filter(Q(updated_at__gt=after[0]) | Q(updated_at=after[0], pk__gt=after[1])))[
            :batch
        ]
    ):
        search.index_many(ACTIVITY, [search.Document(a.pk, activity_fields(a), stamp=a.updated_at) for a in chunk])
        done, after = done + len(chunk), (chunk[-1].updated_at, chunk[-1].pk)
        if progress:
            progress(done)
    return done


def _snippet(activity: Activity, query: str) -> tuple[str, str, str]:
    """(before, match, after) around the match in the line as written."""
    q = japanese.search_text(query)
    for text in (activity.subject, *activity.body.splitlines()):
        span = search.find_span(text[:500], q) if q in japanese.search_text(text) else None
        if span:
            start, end = span
            before = text[max(0, start - _SNIPPET) : start]
            return ("…" if start > _SNIPPET else "") + before, text[start:end], Truncator(text[end:]).chars(_SNIPPET)
    return "", "", Truncator(activity.subject or activity.body).chars(_SNIPPET * 2)


def search_activities(user, query: str, limit: int = 5) -> list[Result]:
    """Most recently written or changed first, read from the index newest first (it stops after `limit`);
    visibility through Activity.objects.visible_to like every other read."""
    q = japanese.search_text(query)
    if not q:
        return []
    visible = Activity.objects.visible_to(user)
    _, _, hits = search.Search(ACTIVITY, [q], None, visible).top(limit, cap=limit)
    found = visible.in_bulk([object_id for _, _, object_id in hits])
    out = []
    for activity in (found[object_id] for _, _, object_id in hits if object_id in found):
        parts = _snippet(activity, query)
        detail = f"{activity.occurred_at:%Y/%m/%d} {activity.get_kind_display()}"
        out.append(Result(ACTIVITY, activity.pk, "", "".join(parts), detail, activity.get_absolute_url(),
                          matched="body", parts=parts))  # fmt: skip
    return out
