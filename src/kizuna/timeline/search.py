"""Activities in the search index: what was said and written is findable from the header box, 1 character up,
for those who may see the activity."""

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
        search.index(ACTIVITY, activity.pk, activity_fields(activity))


def reindex(progress=None, *, batch: int = 2000) -> int:
    done, last = 0, 0
    while chunk := list(Activity.objects.alive().filter(pk__gt=last).order_by("pk")[:batch]):
        search.index_many(ACTIVITY, [(a.pk, activity_fields(a)) for a in chunk])
        done, last = done + len(chunk), chunk[-1].pk
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
    """Newest first; visibility through Activity.objects.visible_to like every other read."""
    ids = search.matching_ids(ACTIVITY, query)
    rows = Activity.objects.visible_to(user).filter(pk__in=ids).order_by("-occurred_at", "-pk")[:limit]
    out = []
    for activity in rows:
        parts = _snippet(activity, query)
        detail = f"{activity.occurred_at:%Y/%m/%d} {activity.get_kind_display()}"
        out.append(Result(ACTIVITY, activity.pk, "", "".join(parts), detail, activity.get_absolute_url(),
                          matched="body", parts=parts))  # fmt: skip
    return out
