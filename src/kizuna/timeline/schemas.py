"""API shapes for the timeline. Inputs forbid unknown fields: `recorded_by`, `version`, `created_by` and the
like cannot be mass-assigned. Linked people and companies the caller cannot see are left out of the output
(`api.hide_unseen` marks what the caller may see)."""

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from kizuna.core.schemas import Strict, UserRef

from .models import Source


class Ref(Schema):
    id: int
    label: str


def person_ref(obj, person) -> dict | None:
    if person is None or person.pk not in getattr(obj, "seen_people", ()):
        return None
    return {"id": person.pk, "label": person.display_name}


def company_ref(obj, company) -> dict | None:
    if company is None or company.pk not in getattr(obj, "seen_companies", ()):
        return None
    return {"id": company.pk, "label": company.name}


class Provenance(Schema):
    recorded_by: UserRef
    source: str
    heard_from: Ref | None
    confidence: str
    owner: UserRef | None
    team_id: int | None
    visibility: str
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_heard_from(obj):
        return person_ref(obj, obj.heard_from)


# --- activities ----------------------------------------------------------------------------------------
class LinkRef(Strict):
    """A record of another app that activities may link to (timeline.sources.register_linkable)."""

    type: str = Field(max_length=40)
    id: int


class ActivityIn(Strict):
    kind: str = "note"
    occurred_at: datetime | None = None
    duration_minutes: int | None = Field(None, ge=0)
    subject: str = ""
    body: str = ""
    source: str = Source.API
    heard_from: int | None = None
    confidence: str | None = None
    people: list[int] = []
    companies: list[int] = []
    our_participants: list[int] | None = Field(None, description="省略時は記録者本人")
    links: list[LinkRef] = Field([], description="他のアプリのレコード（商談など）へのリンク")
    owner: int | None = None
    visibility: str = "team"


class ActivityPatch(Strict):
    kind: str | None = None
    occurred_at: datetime | None = None
    duration_minutes: int | None = Field(None, ge=0)
    subject: str | None = None
    body: str | None = None
    source: str | None = None
    heard_from: int | None = None
    confidence: str | None = None
    people: list[int] | None = None
    companies: list[int] | None = None
    our_participants: list[int] | None = None
    links: list[LinkRef] | None = None
    owner: int | None = None
    visibility: str | None = None


class ActivityOut(Provenance):
    id: int
    kind: str
    occurred_at: datetime
    duration_minutes: int | None
    subject: str
    body: str
    people: list[Ref]
    companies: list[Ref]
    our_participants: list[UserRef]
    links: list[dict] = Field([], description="[{type, id}]: linked records of other apps")

    @staticmethod
    def resolve_links(obj):
        return [{"type": link.object_type, "id": link.object_id} for link in obj.links.all()]

    @staticmethod
    def resolve_people(obj):
        return [ref for p in obj.people.all() if (ref := person_ref(obj, p))]

    @staticmethod
    def resolve_companies(obj):
        return [ref for c in obj.companies.all() if (ref := company_ref(obj, c))]

    @staticmethod
    def resolve_our_participants(obj):
        return list(obj.our_participants.all())


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


# --- insights ------------------------------------------------------------------------------------------
class InsightIn(Strict):
    person: int | None = None
    company: int | None = None
    category: str = "other"
    statement: str
    source: str = Source.API
    heard_from: int | None = None
    confidence: str | None = None
    evidence: list[int] = []
    owner: int | None = None
    visibility: str = "team"


class InsightPatch(Strict):
    category: str | None = None
    statement: str | None = None
    source: str | None = None
    heard_from: int | None = None
    confidence: str | None = None
    evidence: list[int] | None = None
    owner: int | None = None
    visibility: str | None = None


class InsightOut(Provenance):
    id: int
    person: Ref | None
    company: Ref | None
    category: str
    statement: str
    evidence: list[int]
    confirmed_at: datetime | None
    confirmed_by: UserRef | None
    last_confirmed: datetime
    stale: bool

    @staticmethod
    def resolve_person(obj):
        return person_ref(obj, obj.person)

    @staticmethod
    def resolve_company(obj):
        return company_ref(obj, obj.company)

    @staticmethod
    def resolve_evidence(obj):
        return [a.pk for a in obj.evidence.all()]

    @staticmethod
    def resolve_stale(obj):
        return obj.is_stale()


# --- tasks (follow-ups) --------------------------------------------------------------------------------
class TaskIn(Strict):
    title: str
    due_date: date | str | None = Field(None, description="2026-12-24、12/24、来週金曜、3日後 など")
    assignee: int | None = Field(None, description="省略時は作成者本人")
    person: int | None = None
    company: int | None = None
    activity: int | None = None
    owner: int | None = None
    visibility: str = "team"


class TaskPatch(Strict):
    title: str | None = None
    due_date: date | str | None = None
    assignee: int | None = None
    person: int | None = None
    company: int | None = None
    activity: int | None = None
    owner: int | None = None
    visibility: str | None = None


class TaskDone(Strict):
    done: bool = True


class TaskOut(Schema):
    id: int
    title: str
    due_date: date | None
    assignee: UserRef | None
    person: Ref | None
    company: Ref | None
    activity_id: int | None
    done: bool
    done_at: datetime | None
    done_by: UserRef | None
    is_overdue: bool
    owner: UserRef | None
    team_id: int | None
    visibility: str
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_person(obj):
        return person_ref(obj, obj.person)

    @staticmethod
    def resolve_company(obj):
        return company_ref(obj, obj.company)

    @staticmethod
    def resolve_done(obj):
        return obj.done_at is not None


# --- relationships -------------------------------------------------------------------------------------
class RelationshipIn(Strict):
    from_person: int
    to_person: int
    kind: str = "custom"
    label: str = ""


class RelationshipOut(Schema):
    id: int
    from_person: Ref
    to_person: Ref
    kind: str
    label: str
    recorded_by: UserRef
    created_at: datetime

    @staticmethod
    def resolve_from_person(obj):
        return {"id": obj.from_person.pk, "label": obj.from_person.display_name}

    @staticmethod
    def resolve_to_person(obj):
        return {"id": obj.to_person.pk, "label": obj.to_person.display_name}


# --- capture -------------------------------------------------------------------------------------------
class CaptureIn(Strict):
    text: str = Field(..., max_length=5000)
    resolve: dict[str, int] = Field({}, description='選んだ候補: {"@田中": 12, "#山田製作所": 3}')
    preview: bool = True
    with_insight: bool = True
    captured_at: datetime | None = Field(None, description="オフラインで記録した日時（活動の日時、!明日 の基準）")


class MentionOut(Schema):
    text: str
    chosen: Ref | None
    candidates: list[Ref]


class InsightProposal(Schema):
    category: str
    statement: str


class CapturePlanOut(Schema):
    ready: bool
    kind: str
    body: str
    people: list[MentionOut]
    companies: list[MentionOut]
    due: date | None
    task: str
    insight: InsightProposal | None
    problems: list[str]
    marks: dict[str, list[list[str]]] = Field({}, description="other apps' markers ($案件 of sales): [label, text]")


class CaptureSavedOut(Schema):
    activity: ActivityOut
    insight_id: int | None
    task_id: int | None


class CaptureUndoneOut(Schema):
    kept: list[str] = Field(description="what the undo left in place, and why (a deal changed since the capture)")
