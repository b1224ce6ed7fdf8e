"""/api/v1/activities, timelines, insights, tasks (follow-ups), relationships and one-line capture."""

from datetime import date

from django.db.models import Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kizuna.contacts.models import Company, Person
from kizuna.core.api import ErrorOut, HistoryEventOut, expected_version, history, set_etag
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.records import get_for_user
from kizuna.core.schemas import Bounded
from kizuna.core.sharing import note_view

from . import queries, services
from .models import Activity, FollowUp, Insight, Relationship
from .schemas import (
    ActivityIn,
    ActivityOut,
    ActivityPage,
    ActivityPatch,
    CaptureIn,
    CapturePlanOut,
    CaptureSavedOut,
    CaptureUndoneOut,
    InsightIn,
    InsightOut,
    InsightPatch,
    RelationshipIn,
    RelationshipOut,
    TaskDone,
    TaskIn,
    TaskOut,
    TaskPatch,
)  # fmt: skip

router = Router(tags=["timeline"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422, 428)}


class TimelineParams(Bounded):
    kind: list[str] = []
    user: str | None = None
    since: date | None = None
    until: date | None = None
    cursor: str | None = None
    limit: int = 25


class ActivityListParams(TimelineParams):
    person: int | None = None
    company: int | None = None


def _user_id(request, value: str | None, field: str) -> int | None:
    """`me` or a user id."""
    if value in (None, ""):
        return None
    if value == "me":
        return request.user.pk
    if not (value.isascii() and value.isdigit() and len(value) <= 18):  # "²" is a digit to isdigit(), not int()
        raise ValidationFailed(field_errors={field: [_("me またはユーザー ID を指定してください。")]})
    return int(value)


def _timeline(request, params: TimelineParams, *, person=None, company=None):
    kinds = [k.strip() for value in params.kind for k in value.split(",") if k.strip()]
    page = queries.timeline(
        request.user, person=person, company=company, kinds=kinds, by_user=_user_id(request, params.user, "user"),
        since=params.since, until=params.until, cursor=params.cursor, limit=params.limit,
    )  # fmt: skip
    prefetch_related_objects(page.items, "owner")
    hide_unseen(request.user, page.items)
    return page


def hide_unseen(user, objs):
    """Mark which linked people and companies the caller may see; the schemas leave out the others, so a
    visible activity never reveals the name of a private person it mentions."""
    seen_people, seen_companies = queries.seen_people(user, objs), queries.seen_companies(user, objs)
    for obj in objs:
        obj.seen_people, obj.seen_companies = seen_people, seen_companies
    return objs


def _out(request, response: HttpResponse | None, model, pk: int):
    """A record as its schema shows it: related rows loaded, unseen links hidden, ETag set."""
    related = {
        Activity: (["recorded_by", "heard_from", "owner"], ["people", "companies", "our_participants"]),
        Insight: (["recorded_by", "heard_from", "owner", "person", "company", "confirmed_by"], ["evidence"]),
        FollowUp: (["assignee", "person", "company", "owner", "done_by"], []),
    }[model]
    obj = model.objects.visible_to(request.user).select_related(*related[0]).prefetch_related(*related[1]).get(pk=pk)
    hide_unseen(request.user, [obj])
    if response is not None:
        set_etag(response, obj)
    return obj


# --- activities ----------------------------------------------------------------------------------------
@router.get("/activities", response={200: ActivityPage, **ERRORS})
def list_activities(request: HttpRequest, params: Query[ActivityListParams]):
    person = get_for_user(Person, request.user, params.person) if params.person else None
    company = get_for_user(Company, request.user, params.company) if params.company else None
    return _timeline(request, params, person=person, company=company)


@router.post("/activities", response={201: ActivityOut, **ERRORS})
def create_activity(request: HttpRequest, response: HttpResponse, payload: ActivityIn):
    activity = services.create_activity(actor=request.user, data=payload.dict(exclude_none=True))
    return Status(201, _out(request, response, Activity, activity.pk))


@router.get("/activities/{activity_id}", response={200: ActivityOut, **ERRORS})
def get_activity(request: HttpRequest, response: HttpResponse, activity_id: int):
    note_view(request.user, get_for_user(Activity, request.user, activity_id))
    return _out(request, response, Activity, activity_id)


@router.patch("/activities/{activity_id}", response={200: ActivityOut, **ERRORS})
def patch_activity(request: HttpRequest, response: HttpResponse, activity_id: int, payload: ActivityPatch):
    activity = get_for_user(Activity, request.user, activity_id, for_write=True)
    version = expected_version(request, activity)
    services.update_activity(
        actor=request.user, activity=activity, data=payload.dict(exclude_unset=True), expected_version=version
    )
    return _out(request, response, Activity, activity.pk)


@router.delete("/activities/{activity_id}", response={204: None, **ERRORS})
def delete_activity(request: HttpRequest, activity_id: int):
    activity = get_for_user(Activity, request.user, activity_id, for_write=True)
    services.delete_activity(
        actor=request.user, activity=activity, expected_version=expected_version(request, activity)
    )
    return Status(204, None)


@router.post("/activities/{activity_id}/restore", response={200: ActivityOut, **ERRORS})
def restore_activity(request: HttpRequest, response: HttpResponse, activity_id: int):
    activity = get_for_user(Activity, request.user, activity_id, for_write=True, deleted=True)
    services.restore_activity(actor=request.user, activity=activity)
    return _out(request, response, Activity, activity.pk)


# --- timelines -----------------------------------------------------------------------------------------
@router.get("/people/{person_id}/timeline", response={200: ActivityPage, **ERRORS})
def person_timeline(request: HttpRequest, person_id: int, params: Query[TimelineParams]):
    return _timeline(request, params, person=get_for_user(Person, request.user, person_id))


@router.get("/companies/{company_id}/timeline", response={200: ActivityPage, **ERRORS})
def company_timeline(request: HttpRequest, company_id: int, params: Query[TimelineParams]):
    return _timeline(request, params, company=get_for_user(Company, request.user, company_id))


# --- insights ------------------------------------------------------------------------------------------
@router.get("/insights", response={200: list[InsightOut], **ERRORS})
def list_insights(request: HttpRequest, person: int | None = None, company: int | None = None, limit: int = 100):
    if not 1 <= limit <= 500:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜500 で指定してください。")]})
    items = list(queries.insights(
        request.user,
        person=get_for_user(Person, request.user, person) if person else None,
        company=get_for_user(Company, request.user, company) if company else None,
    )[:limit])  # fmt: skip
    prefetch_related_objects(items, "person", "company", "owner")
    return hide_unseen(request.user, items)


@router.post("/insights", response={201: InsightOut, **ERRORS})
def create_insight(request: HttpRequest, response: HttpResponse, payload: InsightIn):
    insight = services.create_insight(actor=request.user, data=payload.dict(exclude_none=True))
    return Status(201, _out(request, response, Insight, insight.pk))


@router.get("/insights/{insight_id}", response={200: InsightOut, **ERRORS})
def get_insight(request: HttpRequest, response: HttpResponse, insight_id: int):
    get_for_user(Insight, request.user, insight_id)
    return _out(request, response, Insight, insight_id)


@router.patch("/insights/{insight_id}", response={200: InsightOut, **ERRORS})
def patch_insight(request: HttpRequest, response: HttpResponse, insight_id: int, payload: InsightPatch):
    insight = get_for_user(Insight, request.user, insight_id, for_write=True)
    version = expected_version(request, insight)
    services.update_insight(
        actor=request.user, insight=insight, data=payload.dict(exclude_unset=True), expected_version=version
    )
    return _out(request, response, Insight, insight.pk)


@router.delete("/insights/{insight_id}", response={204: None, **ERRORS})
def delete_insight(request: HttpRequest, insight_id: int):
    insight = get_for_user(Insight, request.user, insight_id, for_write=True)
    services.delete_insight(actor=request.user, insight=insight, expected_version=expected_version(request, insight))
    return Status(204, None)


@router.post("/insights/{insight_id}/confirm", response={200: InsightOut, **ERRORS})
def confirm_insight(request: HttpRequest, response: HttpResponse, insight_id: int):
    """「今も正しい」: records who confirmed it and when."""
    insight = get_for_user(Insight, request.user, insight_id, for_write=True)
    services.confirm_insight(actor=request.user, insight=insight)
    return _out(request, response, Insight, insight.pk)


# --- tasks (follow-ups) --------------------------------------------------------------------------------
@router.get("/tasks", response={200: list[TaskOut], **ERRORS})
def list_tasks(request: HttpRequest, assignee: str | None = None, open: bool | None = None, limit: int = 100):
    """Ordered by due date. `open=true`: not done yet; `open=false`: done; `assignee=me` or a user id."""
    if not 1 <= limit <= 500:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜500 で指定してください。")]})
    assignee_id = _user_id(request, assignee, "assignee")
    if open:
        qs = queries.open_follow_ups(request.user, assignee=assignee_id)
    else:
        qs = FollowUp.objects.visible_to(request.user).select_related("person", "company", "assignee")
        qs = qs.filter(assignee=assignee_id) if assignee_id else qs
        qs = qs.filter(done_at__isnull=False) if open is False else qs
        qs = qs.order_by("due_date", "id")
    items = list(qs[:limit])
    prefetch_related_objects(items, "owner", "done_by")
    return hide_unseen(request.user, items)


@router.post("/tasks", response={201: TaskOut, **ERRORS})
def create_task(request: HttpRequest, response: HttpResponse, payload: TaskIn):
    task = services.create_follow_up(actor=request.user, data=payload.dict(exclude_none=True))
    return Status(201, _out(request, response, FollowUp, task.pk))


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS})
def get_task(request: HttpRequest, response: HttpResponse, task_id: int):
    get_for_user(FollowUp, request.user, task_id)
    return _out(request, response, FollowUp, task_id)


@router.patch("/tasks/{task_id}", response={200: TaskOut, **ERRORS})
def patch_task(request: HttpRequest, response: HttpResponse, task_id: int, payload: TaskPatch):
    task = get_for_user(FollowUp, request.user, task_id, for_write=True)
    version = expected_version(request, task)
    services.update_follow_up(
        actor=request.user, follow_up=task, data=payload.dict(exclude_unset=True), expected_version=version
    )
    return _out(request, response, FollowUp, task.pk)


@router.delete("/tasks/{task_id}", response={204: None, **ERRORS})
def delete_task(request: HttpRequest, task_id: int):
    task = get_for_user(FollowUp, request.user, task_id, for_write=True)
    services.delete_follow_up(actor=request.user, follow_up=task, expected_version=expected_version(request, task))
    return Status(204, None)


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **ERRORS})
def complete_task(request: HttpRequest, response: HttpResponse, task_id: int, payload: TaskDone):
    """`{"done": true}` completes the task, `{"done": false}` reopens it."""
    task = get_for_user(FollowUp, request.user, task_id, for_write=True)
    services.complete_follow_up(actor=request.user, follow_up=task, done=payload.done)
    return _out(request, response, FollowUp, task.pk)


# --- relationships -------------------------------------------------------------------------------------
@router.get("/people/{person_id}/relationships", response={200: list[RelationshipOut], **ERRORS})
def list_relationships(request: HttpRequest, person_id: int):
    """Both directions; a relationship with someone the caller cannot see is left out."""
    person = get_for_user(Person, request.user, person_id)
    visible = Person.objects.visible_to(request.user)
    qs = Relationship.objects.alive().filter(
        Q(from_person=person, to_person__in=visible) | Q(to_person=person, from_person__in=visible)
    )
    return qs.select_related("from_person", "to_person", "recorded_by").order_by("created_at", "id")


@router.post("/relationships", response={201: RelationshipOut, **ERRORS})
def create_relationship(request: HttpRequest, payload: RelationshipIn):
    return Status(201, services.create_relationship(actor=request.user, data=payload.dict()))


@router.delete("/relationships/{relationship_id}", response={204: None, **ERRORS})
def delete_relationship(request: HttpRequest, relationship_id: int):
    relationship = services.get_relationship_for_user(request.user, relationship_id, for_write=True)
    services.delete_relationship(actor=request.user, relationship=relationship)
    return Status(204, None)


# --- one-line capture ----------------------------------------------------------------------------------
def _ref(obj) -> dict:
    return {"id": obj.pk, "label": obj.display_name if isinstance(obj, Person) else obj.name}


def _mention(mention) -> dict:
    """Candidates come from the records the caller can see (the service filters them)."""
    chosen = _ref(mention.chosen) if mention.chosen else None
    return {"text": mention.text, "chosen": chosen, "candidates": [_ref(c) for c in mention.candidates]}


@router.post("/capture", response={200: CapturePlanOut, 201: CaptureSavedOut, **ERRORS})
def capture(request: HttpRequest, response: HttpResponse, payload: CaptureIn):
    """`@田中 #山田製作所 工場見学。仕様には厳しい !来週金曜 見積送付`: `preview` (the default) shows what the
    line would create; `preview: false` saves the activity, the insight and the task."""
    if payload.preview:
        today = services.capture_day(payload.captured_at)
        plan = services.plan_capture(request.user, payload.text, resolve=payload.resolve, today=today)
        parsed = plan.parsed
        return {
            "ready": plan.ready, "kind": parsed.kind, "body": parsed.body,
            "people": [_mention(m) for m in plan.people], "companies": [_mention(m) for m in plan.companies],
            "due": parsed.due, "task": parsed.task, "problems": plan.problems,
            "marks": {key: [list(line) for line in m.summary] for key, m in plan.marks.items()},
            "insight": dict(zip(("category", "statement"), parsed.insight, strict=True)) if parsed.insight else None,
        }  # fmt: skip
    saved = services.save_capture(
        request.user, payload.text, resolve=payload.resolve, with_insight=payload.with_insight,
        captured_at=payload.captured_at,
    )  # fmt: skip
    return Status(201, {
        "activity": _out(request, response, Activity, saved.activity.pk),
        "insight_id": saved.insight.pk if saved.insight else None,
        "task_id": saved.follow_up.pk if saved.follow_up else None,
    })  # fmt: skip


@router.post("/capture/{activity_id}/undo", response={200: CaptureUndoneOut, 204: None, **ERRORS})
def undo_capture(request: HttpRequest, activity_id: int):
    """Remove what one capture created: its activity, its task, the insight it alone supports and a deal it made.
    204 when all of it is gone; 200 with `kept` when something stays (a deal changed since), saying why."""
    activity = get_for_user(Activity, request.user, activity_id, for_write=True)
    notices = services.undo_capture(actor=request.user, activity=activity)
    return Status(200, {"kept": notices}) if notices else Status(204, None)


# --- history -----------------------------------------------------------------------------------------
_HISTORY = {"activities": Activity, "insights": Insight, "tasks": FollowUp}


@router.get("/{kind}/{record_id}/history", response={200: list[HistoryEventOut], **ERRORS})
def record_history(request: HttpRequest, kind: str, record_id: int):
    """The change history of an activity, insight or task (kind: activities, insights, tasks), newest first."""
    model = _HISTORY.get(kind)
    if model is None:
        raise NotFound()
    obj = get_for_user(model, request.user, record_id)
    return history(request.user, obj, [obj.pk])
