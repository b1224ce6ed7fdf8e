"""The API permission matrix: one entry per OpenAPI operation, with the expected status for every actor in every
record scenario. This table is the specification — it is written out by hand, never derived from the code's own
permission functions — and test_api_matrix.py holds the API to it.

Notation: "admin,manager,owner,teammate:200 readonly:403 outsider:404" — every actor column must be named once
(anonymous may be left out: without a token it is always 401). To add an actor column, add one line to ACTORS
(and its role to CUSTOM_ROLES if it is not built in) and name the new actor in the expectations — the patterns
below (reads, writes, links, ...) cover most rows; test_every_entry_names_every_actor lists the rows that do not.
The `auditor` column was added that way.

An entry's expectations are keyed by scenario: the record scenarios in SCENARIOS, NONE for operations on a
collection, JOB for an import job. A new operation in the OpenAPI schema fails test_every_operation_has_an_entry
until it has a row here.
"""

from collections.abc import Callable
from dataclasses import dataclass

# Actor columns: name → (role, team). Team "A" is 営業1部, the team of the scenario records' owner; "B" is 営業2部;
# "C" is 内部監査室.
ACTORS: dict[str, tuple[str | None, str | None]] = {
    "admin": ("admin", "A"),
    "manager": ("manager", "A"),  # manager of the owner's team
    "owner": ("member", "A"),  # owns the team-A scenario records
    "teammate": ("member", "A"),
    "readonly": ("readonly", "A"),
    "outsider": ("member", "B"),
    "auditor": ("auditor", "C"),  # a custom role (CUSTOM_ROLES): reads every record, changes nothing
    "anonymous": (None, None),  # no token
}
# Roles the actor columns use that are not built in: key → accounts.roles.create_role data.
_READ_ALL = {"person": ["view", "export"], "company": ["view", "export"], "activity": ["view"], "insight": ["view"],
             "task": ["view"], "relationship": ["view"]}  # fmt: skip
CUSTOM_ROLES: dict[str, dict] = {
    "auditor": {"name": "監査担当", "scope": "all", "permissions": _READ_ALL},
}

_READ_ALL["ticket"] = ["view", "export"]  # the auditor reads the support desk's tickets too

# Record scenarios: name → (owner of the record, visibility, shared with a user or "team:<team>"). `stranger` is a
# member of team B who is not an actor column: the other team's records are theirs, so the outsider is their teammate.
SCENARIOS: dict[str, tuple[str, str, str | None]] = {
    "team": ("owner", "team", None),
    "public": ("owner", "public", None),
    "private": ("owner", "private", None),
    "shared": ("owner", "private", "outsider"),  # private, shared with one person of another team
    "shared_team": ("owner", "private", "team:B"),  # private, shared with the whole other team
    "other_team": ("stranger", "team", None),
    "other_public": ("stranger", "public", None),
    "other_private": ("stranger", "private", None),
}
NONE = "-"  # operations on a collection (list, create) or on no record at all
JOB = "owners_job"  # an import job uploaded by `owner`


def parse(spec: str) -> dict[str, int]:
    """'admin,manager:200 readonly:403' → {'admin': 200, 'manager': 200, 'readonly': 403, 'anonymous': 401}."""
    out: dict[str, int] = {}
    for part in spec.split():
        names, status = part.rsplit(":", 1)
        for name in names.split(","):
            if name not in ACTORS:
                raise ValueError(f"unknown actor {name!r} in {spec!r}")
            if name in out:
                raise ValueError(f"actor {name!r} named twice in {spec!r}")
            out[name] = int(status)
    out.setdefault("anonymous", 401)
    return out


# --- the patterns most rows share, written out per scenario --------------------------------------------------
def reads(ok: int = 200) -> dict[str, str]:
    """Reading a record: whoever can see it. Hidden is 404 (BOLA), never 403."""
    return {
        "team": f"admin,manager,owner,teammate,readonly,auditor:{ok} outsider:404",
        "public": f"admin,manager,owner,teammate,readonly,outsider,auditor:{ok}",
        "private": f"admin,manager,owner,auditor:{ok} teammate,readonly,outsider:404",
        "shared": f"admin,manager,owner,outsider,auditor:{ok} teammate,readonly:404",
        "shared_team": f"admin,manager,owner,outsider,auditor:{ok} teammate,readonly:404",
        "other_team": f"admin,outsider,auditor:{ok} manager,owner,teammate,readonly:404",
        "other_public": f"admin,manager,owner,teammate,readonly,outsider,auditor:{ok}",
        "other_private": f"admin,auditor:{ok} manager,owner,teammate,readonly,outsider:404",
    }


def writes(ok: int = 200) -> dict[str, str]:
    """Changing a record: admins, and the owner's team (manager included); seen but not writable → 403."""
    return {
        "team": f"admin,manager,owner,teammate:{ok} readonly,auditor:403 outsider:404",
        "public": f"admin,manager,owner,teammate:{ok} readonly,outsider,auditor:403",
        "private": f"admin,manager,owner:{ok} teammate,readonly,outsider:404 auditor:403",
        "shared": f"admin,manager,owner:{ok} outsider,auditor:403 teammate,readonly:404",
        "shared_team": f"admin,manager,owner:{ok} outsider,auditor:403 teammate,readonly:404",
        "other_team": f"admin,outsider:{ok} manager,owner,teammate,readonly:404 auditor:403",
        "other_public": f"admin,outsider:{ok} manager,owner,teammate,readonly,auditor:403",
        "other_private": f"admin:{ok} manager,owner,teammate,readonly,outsider:404 auditor:403",
    }


def links(ok: int = 201) -> dict[str, str]:
    """Creating a record that points at the scenario's record (a body field, not the path): any record you can
    see may be linked; a hidden one is an input error (422, 'not found'), read-only users cannot create (403)."""
    return {
        "team": f"admin,manager,owner,teammate:{ok} readonly,auditor:403 outsider:422",
        "public": f"admin,manager,owner,teammate,outsider:{ok} readonly,auditor:403",
        "private": f"admin,manager,owner:{ok} readonly,auditor:403 teammate,outsider:422",
        "shared": f"admin,manager,owner,outsider:{ok} readonly,auditor:403 teammate:422",
        "shared_team": f"admin,manager,owner,outsider:{ok} readonly,auditor:403 teammate:422",
        "other_team": f"admin,outsider:{ok} readonly,auditor:403 manager,owner,teammate:422",
        "other_public": f"admin,manager,owner,teammate,outsider:{ok} readonly,auditor:403",
        "other_private": f"admin:{ok} readonly,auditor:403 manager,owner,teammate,outsider:422",
    }


def link_writes(ok: int = 201) -> dict[str, str]:
    """Like writes(), for a record named in the body: hidden → 422, seen but not writable → 403."""
    return {
        "team": f"admin,manager,owner,teammate:{ok} readonly,auditor:403 outsider:422",
        "public": f"admin,manager,owner,teammate:{ok} readonly,outsider,auditor:403",
        "private": f"admin,manager,owner:{ok} readonly,auditor:403 teammate,outsider:422",
        "shared": f"admin,manager,owner:{ok} readonly,outsider,auditor:403 teammate:422",
        "shared_team": f"admin,manager,owner:{ok} readonly,outsider,auditor:403 teammate:422",
        "other_team": f"admin,outsider:{ok} readonly,auditor:403 manager,owner,teammate:422",
        "other_public": f"admin,outsider:{ok} manager,owner,teammate,readonly,auditor:403",
        "other_private": f"admin:{ok} readonly,auditor:403 manager,owner,teammate,outsider:422",
    }


def merge_writes(ok: int) -> dict[str, str]:
    """Merging names its records in the body but looks them up like a path id: hidden → 404."""
    return writes(ok)


EVERYONE = {NONE: "admin,manager,owner,teammate,readonly,outsider,auditor:200"}
CREATORS = {NONE: "admin,manager,owner,teammate,outsider:201 readonly,auditor:403"}
SCANNERS = {NONE: "admin,manager:202 owner,teammate,readonly,outsider,auditor:403"}
SCAN_READERS = {NONE: "admin,manager:200 owner,teammate,readonly,outsider,auditor:403"}


def admins(ok: int) -> dict[str, str]:
    """Roles and users: administrators only (with a token carrying the admin scope); no record reach involved."""
    return {NONE: f"admin:{ok} manager,owner,teammate,readonly,outsider,auditor:403"}


def privacy_records(ok: int) -> dict[str, str]:
    """Purpose of use, consent and third-party provision records: admins, and team-scope roles (managers) that
    may edit the person; anyone else who sees the person: 403."""
    return {
        "team": f"admin,manager:{ok} owner,teammate,readonly,auditor:403 outsider:404",
        "public": f"admin,manager:{ok} owner,teammate,readonly,outsider,auditor:403",
        "private": f"admin,manager:{ok} owner,auditor:403 teammate,readonly,outsider:404",
        "shared": f"admin,manager:{ok} owner,outsider,auditor:403 teammate,readonly:404",
        "shared_team": f"admin,manager:{ok} owner,outsider,auditor:403 teammate,readonly:404",
        "other_team": f"admin:{ok} outsider,auditor:403 manager,owner,teammate,readonly:404",
        "other_public": f"admin:{ok} manager,owner,teammate,readonly,outsider,auditor:403",
        "other_private": f"admin:{ok} auditor:403 manager,owner,teammate,readonly,outsider:404",
    }


def privacy_admin(ok: int) -> dict[str, str]:
    """Disclosure, correction, suspension, erasure: administrators only; hidden people stay 404 for the rest."""
    return {
        "team": f"admin:{ok} manager,owner,teammate,readonly,auditor:403 outsider:404",
        "public": f"admin:{ok} manager,owner,teammate,readonly,outsider,auditor:403",
        "private": f"admin:{ok} manager,owner,auditor:403 teammate,readonly,outsider:404",
        "shared": f"admin:{ok} manager,owner,outsider,auditor:403 teammate,readonly:404",
        "shared_team": f"admin:{ok} manager,owner,outsider,auditor:403 teammate,readonly:404",
        "other_team": f"admin:{ok} outsider,auditor:403 manager,owner,teammate,readonly:404",
        "other_public": f"admin:{ok} manager,owner,teammate,readonly,outsider,auditor:403",
        "other_private": f"admin:{ok} auditor:403 manager,owner,teammate,readonly,outsider:404",
    }


def job(ok: int) -> dict[str, str]:
    """An import holds the whole file: its uploader and admins only; for anyone else it does not exist."""
    return {JOB: f"admin,owner:{ok} manager,teammate,readonly,outsider,auditor:404"}


# --- the table ------------------------------------------------------------------------------------------------
@dataclass
class Op:
    """How to build the target of one operation, and what each actor gets.

    target(world, scenario) → world.Target. `lists`: the record kind a 2xx list body must show exactly as the
    `reads()` table allows (every visible scenario record, no hidden one); `subset`: only that nothing hidden
    shows. `returns_target`: a 2xx body carries the target's id."""

    target: Callable
    expect: dict[str, str]
    lists: str | None = None
    subset: bool = False
    returns_target: bool = False
    ids: Callable | None = None  # body → ids of listed records (default: items/list of {"id"})
    content_type: str | None = None  # a 2xx that is a file (a PDF), not JSON


def _t(**kw):
    from .world import Target  # world imports this module; import lazily

    return Target(**kw)


def record(kind: str, *, deleted=False, body=None, child=None):
    """The scenario's record of `kind` (deleted first for restore), optionally a child row of it."""

    def build(world, scenario):
        obj = getattr(world, kind)(scenario)
        params = {f"{kind}_id": obj.pk}
        target_obj, expect_id = obj, obj.pk
        if child == "employment":
            target_obj = world.employment(obj)
            params["employment_id"] = expect_id = target_obj.pk
        elif child == "site":
            target_obj = world.site(obj)
            params["site_id"] = expect_id = target_obj.pk
        if deleted:
            delete = {"company": "delete_company", "person": "delete_person"}.get(kind)
            if delete:
                from kizuna.contacts import services as contacts

                getattr(contacts, delete)(actor=world.admin, **{kind: obj})
            else:
                from kizuna.timeline import services as timeline

                timeline.delete_activity(actor=world.admin, activity=obj)
        return _t(params=params, body=body(world, scenario) if callable(body) else body, obj=target_obj,
                  expect_id=expect_id)  # fmt: skip

    return build


def timeline_record(kind: str, param: str, body=None):
    def build(world, scenario):
        obj = getattr(world, kind)(scenario)
        return _t(params={param: obj.pk}, body=body, obj=obj, expect_id=obj.pk)

    return build


def collection(kind: str | None = None, body=None, query=None, files=None):
    """No target record; the world holds one record of `kind` per scenario for the list check."""

    def build(world, scenario):
        background = {s: getattr(world, kind)(s).pk for s in SCENARIOS} if kind else {}
        return _t(body=body(world) if callable(body) else body, query=query, files=files, background=background)

    return build


def linking(field_name: str, body: dict, *, kind="person", many=False):
    """A create whose body points at the scenario's record."""

    def build(world, scenario):
        obj = getattr(world, kind)(scenario)
        return _t(body={**body, field_name: [obj.pk] if many else obj.pk})

    return build


def two_people(kind: str):
    def build(world, scenario):
        a, b = world.person(scenario), world.person(scenario, given="次郎")
        if kind == "merge":
            return _t(body={"type": "person", "survivor": a.pk, "others": [b.pk]})
        return _t(body={"type": "person", "ids": [a.pk, b.pk]})

    return build


def merge_done(world, scenario):
    merge = world.merge(scenario)
    return _t(params={"merge_id": merge.pk}, expect_id=merge.pk)


def relationship_of(world, scenario):
    rel = world.relationship(scenario)
    return _t(params={"relationship_id": rel.pk})


def relationship_new(world, scenario):
    person = world.person(scenario)
    return _t(body={"from_person": person.pk, "to_person": world.anchor.pk, "kind": "custom", "label": "元同僚"})


def captured(world, scenario):
    activity = world.captured(scenario)
    return _t(params={"activity_id": activity.pk})


def activity_history(world, scenario):
    activity = world.activity(scenario)
    return _t(params={"kind": "activities", "record_id": activity.pk})


def access_of(body=None):
    def build(world, scenario):
        person = world.person(scenario)
        data = body(world) if callable(body) else body
        return _t(params={"kind": "people", "record_id": person.pk}, body=data, obj=person)

    return build


def share_with_teammate(world):
    return {"shared_with": [world.users["teammate"].pk]}


def role(key: str | None, body=None):
    """A built-in role by key, or (key None) a fresh custom role nobody has, which may be deleted."""

    def build(world, scenario):
        from kizuna.accounts import roles
        from kizuna.accounts.models import Role

        obj = Role.objects.get(key=key) if key else roles.create_role(actor=None, data={"key": "temp", "name": "仮"})
        return _t(params={"key": obj.key}, body=body, obj=obj)

    return build


def custom_field(body=None, *, removed=False):
    """A custom field of people (removed, for a purge), written directly: the builder is no administrator."""

    def build(world, scenario):
        from django.utils import timezone

        from kizuna.customfields.models import CustomField

        field = CustomField.objects.create(object_type="person", key="probe", type="text", label_ja="検証",
                                           removed_at=timezone.now() if removed else None)  # fmt: skip
        return _t(params={"field_id": field.pk}, body=body)

    return build


def privacy_of(body=None, *, suspended=False, confirm=False):
    """The scenario's person for a privacy operation (no If-Match: the privacy record has its own, optional)."""

    def build(world, scenario):
        person = world.person(scenario)
        if suspended:
            from kizuna.privacy import services as privacy

            privacy.suspend(actor=world.admin, person=person, reason="本人の申し出")
        data = {"confirm": str(person.pk)} if confirm else body
        return _t(params={"person_id": person.pk}, body=data)

    return build


def automation_rule(body=None):
    """owners_team_rule: a manager's rule over team A's records; owners_global_rule: an administrator's rule over
    every record. Only administrators and the team's manager may touch rules; anyone else gets 403."""

    def build(world, scenario):
        from kizuna.automation import services as automation

        actor = world.users["manager"] if scenario == RULE_TEAM else world.admin
        rule = automation.create_rule(actor=actor, data={
            "name": "顧客化", "trigger": "person.updated", "actions": [{"action": "record.add_tag",
                                                                      "params": {"tag": "VIP"}}]})  # fmt: skip
        data = body(world) if callable(body) else body
        return _t(params={"rule_id": rule.pk}, body=data, obj=rule, expect_id=rule.pk)

    return build


RULE_TEAM, RULE_ALL = "owners_team_rule", "owners_global_rule"
RULE_MANAGERS = {NONE: "admin,manager:200 owner,teammate,readonly,outsider,auditor:403"}
RULE_CREATORS = {NONE: "admin,manager:201 owner,teammate,readonly,outsider,auditor:403"}


def rule_managers(ok: int) -> dict[str, str]:
    return {
        RULE_TEAM: f"admin,manager:{ok} owner,teammate,readonly,outsider,auditor:403",
        RULE_ALL: f"admin:{ok} manager:404 owner,teammate,readonly,outsider,auditor:403",
    }


def dry_run_body(world):
    return {"object_type": "person", "object_id": world.anchor.pk}


RULE_BODY = {"name": "顧客化", "trigger": "person.updated",
             "actions": [{"action": "record.add_tag", "params": {"tag": "VIP"}}]}  # fmt: skip


PROVISION = {"provided_on": "2024-06-01", "recipient_name": "株式会社配送センター", "items": ["氏名", "住所"]}


def stranger_access(world, scenario):
    return _t(params={"user_id": world.users["stranger"].pk}, body={"role": "readonly"})


def scan_task(world, scenario):
    return _t(params={"task_id": str(world.scan().id)})


def import_job(body=None):
    def build(world, scenario):
        job_ = world.import_job("owner")
        return _t(params={"job_id": job_.pk}, body=body, expect_id=job_.pk)

    return build


def upload_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .world import CSV

    return {"file": SimpleUploadedFile("list.csv", CSV), "kind": "person"}


def _public_company(world):
    from kizuna.contacts import services as contacts

    return {"company": contacts.create_company(actor=world.admin, data={"name": "公開商事", "visibility": "public"}).pk}


def employment_body(world, scenario):
    return _public_company(world)


def search_ids(body):
    return [r["id"] for r in body["results"] if r["type"] == "person"]


def duplicate_ids(body):
    return [d["id"] for d in body["duplicates"]]


def owners_notice(world, scenario):
    """A notice in the owner's bell: theirs alone (no role reads another user's notices)."""
    from kizuna.core.notices import Notice, notify

    [row] = notify([world.users["owner"]], Notice(kind="mention", title="確認してください"))
    return _t(params={"notification_id": row.pk}, expect_id=row.pk)


def webhook(body=None, *, delivery=False):
    """A subscription (an IP-literal public URL: nothing is resolved or sent), optionally with one delivery."""

    def build(world, scenario):
        from kizuna.core import events
        from kizuna.core.models import OutboxEvent
        from kizuna.webhooks import services as webhooks

        sub, _ = webhooks.create_subscription(actor=world.admin, data={
            "name": "基幹連携", "url": "https://93.184.215.14/hook", "event_types": ["person.created"]})  # fmt: skip
        params = {"subscription_id": sub.pk}
        if delivery:
            world.person("public")
            events.relay()
            webhooks.handle_event(OutboxEvent.objects.filter(type="person.created").last())
            params["delivery_id"] = sub.deliveries.get().pk
        return _t(params=params, body=body, obj=sub, expect_id=sub.pk if not delivery else None)

    return build


WEBHOOK_BODY = {"name": "連携", "url": "https://93.184.215.14/hook", "event_types": ["person.created"]}
PERSON_BODY = {"family_name": "田中", "given_name": "太郎", "family_name_kana": "タナカ", "given_name_kana": "タロウ"}


# --- SLA: calendars and policies (administrators change them, everyone reads them) and a ticket's SLA ---------
def sla_calendar(body=None, *, day=False):
    """A business calendar written directly (the builder is no administrator), optionally with a closed day."""

    def build(world, scenario):
        from kizuna.support.models import BusinessCalendar, CalendarDay

        calendar = BusinessCalendar.objects.create(name=f"検証カレンダー{BusinessCalendar.objects.count()}")
        params = {"calendar_id": calendar.pk}
        if day:
            params["day_id"] = CalendarDay.objects.create(calendar=calendar, date="2027-08-13", kind="closed").pk
        return _t(params=params, body=body, expect_id=calendar.pk)

    return build


# --- 日報 (sales) -------------------------------------------------------------------------------------------------
def daily_report(body=None, *, by_date=False):
    """A submitted report of the scenario's owner (its own day per call), with the scenario's visibility."""

    def build(world, scenario):
        from datetime import timedelta

        from django.utils import timezone

        from kizuna.sales.services import daily_reports

        owner, visibility, _shared = SCENARIOS[scenario]
        world.report_days = getattr(world, "report_days", 0) + 1
        day = timezone.localdate() - timedelta(days=world.report_days)
        report = daily_reports.save_report(actor=world.users[owner], day=day, submit=True,
                                           data={"impressions": "所感", "visibility": visibility})  # fmt: skip
        if by_date:
            return _t(query={"date": day.isoformat(), "user": report.author_id}, obj=report, expect_id=report.pk)
        return _t(params={"report_id": report.pk}, body=body, obj=report, expect_id=report.pk)

    return build


def sla_policy(body=None):
    def build(world, scenario):
        from kizuna.support.models import BusinessCalendar, SlaPolicy

        policy = SlaPolicy.objects.create(name="検証", calendar=BusinessCalendar.objects.get(is_default=True),
                                          first_response_minutes=60)  # fmt: skip
        return _t(params={"policy_id": policy.pk}, body=body, expect_id=policy.pk)

    return build


def sla_policy_body(world):
    from kizuna.support.models import BusinessCalendar

    return {"name": "標準", "calendar": BusinessCalendar.objects.get(is_default=True).pk, "first_response_minutes": 60}


def sla_ticket(world, scenario):
    """The scenario's ticket (owned and shared like the scenario's other records), written directly."""
    from kizuna.support.models import Ticket

    owner, visibility, _shared = SCENARIOS[scenario]
    user = world.users[owner]
    number = (Ticket.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    ticket = Ticket.objects.create(number=number, subject="納期の問い合わせ", owner=user, team=user.team,
                                   visibility=visibility)  # fmt: skip
    world.share(ticket, scenario)
    return _t(params={"ticket_id": ticket.pk}, obj=ticket)


CALENDAR_BODY = {"name": "コールセンター", "hours": {"0": ["9:00-12:00", "13:00-18:00"], "5": "10:00-15:00"}}


def _yesterday() -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.localdate() - timedelta(days=1)).isoformat()


# Reports are the author's and their team's (private: the author and the team's managers); the auditor's role has
# no daily_report permission, so it sees none.
REPORT_READS = {
    "team": "admin,manager,owner,teammate,readonly:200 outsider,auditor:404",
    "private": "admin,manager,owner:200 teammate,readonly,outsider,auditor:404",
    "other_team": "admin,outsider:200 manager,owner,teammate,readonly,auditor:404",
}
REPORT_AUTHOR = {  # correcting a report: its author only
    "team": "owner:200 admin,manager,teammate,readonly:403 outsider,auditor:404",
    "private": "owner:200 admin,manager:403 teammate,readonly,outsider,auditor:404",
    "other_team": "admin,outsider:403 manager,owner,teammate,readonly,auditor:404",
}
REPORT_COMMENTERS = {  # the author and the reviewers (the author's team's managers, administrators)
    "team": "admin,manager,owner:201 teammate,readonly:403 outsider,auditor:404",
    "private": "admin,manager,owner:201 teammate,readonly,outsider,auditor:404",
    "other_team": "admin:201 outsider:403 manager,owner,teammate,readonly,auditor:404",
}
REPORT_REVIEWERS = {
    "team": "admin,manager:200 owner,teammate,readonly:403 outsider,auditor:404",
    "private": "admin,manager:200 owner:403 teammate,readonly,outsider,auditor:404",
    "other_team": "admin:200 outsider:403 manager,owner,teammate,readonly,auditor:404",
}
REPORT_WRITERS = {NONE: "admin,manager,owner,teammate,outsider:200 readonly,auditor:403"}

A = "/api/v1"

OPERATIONS: dict[str, Op] = {
    # --- duplicates and merges -------------------------------------------------------------------------------
    f"POST {A}/people/duplicates": Op(collection("person", body=PERSON_BODY), EVERYONE, lists="person",
                                      subset=True, ids=duplicate_ids),
    f"POST {A}/companies/duplicates": Op(collection("company", body={"name": "株式会社山田製作所"}), EVERYONE,
                                         lists="company", subset=True, ids=duplicate_ids),
    f"GET {A}/duplicates": Op(collection(), EVERYONE),
    f"POST {A}/duplicates/scan": Op(collection(body={"type": "person"}), SCANNERS),
    f"GET {A}/duplicates/scan/{{task_id}}": Op(scan_task, SCAN_READERS),
    f"POST {A}/duplicates/dismiss": Op(two_people("dismiss"), merge_writes(200)),
    f"POST {A}/merges": Op(two_people("merge"), merge_writes(201)),
    f"GET {A}/merges/{{merge_id}}": Op(merge_done, reads(200), returns_target=True),
    f"POST {A}/merges/{{merge_id}}/undo": Op(merge_done, writes(200), returns_target=True),
    # --- companies -------------------------------------------------------------------------------------------
    f"GET {A}/companies": Op(collection("company"), EVERYONE, lists="company"),
    f"POST {A}/companies": Op(collection(body={"name": "株式会社新規"}), CREATORS),
    f"GET {A}/companies/{{company_id}}": Op(record("company"), reads(200), returns_target=True),
    f"PATCH {A}/companies/{{company_id}}": Op(record("company", body={"notes": "更新"}), writes(200),
                                             returns_target=True),
    f"DELETE {A}/companies/{{company_id}}": Op(record("company"), writes(204)),
    f"POST {A}/companies/{{company_id}}/restore": Op(record("company", deleted=True), writes(200),
                                                    returns_target=True),
    f"GET {A}/companies/{{company_id}}/sites": Op(record("company"), reads(200)),
    f"POST {A}/companies/{{company_id}}/sites": Op(record("company", body={"name": "名古屋工場"}), writes(201)),
    f"PATCH {A}/companies/{{company_id}}/sites/{{site_id}}": Op(record("company", child="site", body={"name": "本社"}),
                                                              writes(200), returns_target=True),
    f"DELETE {A}/companies/{{company_id}}/sites/{{site_id}}": Op(record("company", child="site"), writes(204)),
    f"GET {A}/companies/{{company_id}}/history": Op(record("company"), reads(200)),
    f"GET {A}/companies/{{company_id}}/timeline": Op(record("company"), reads(200)),
    # --- people ----------------------------------------------------------------------------------------------
    f"GET {A}/people": Op(collection("person"), EVERYONE, lists="person"),
    f"POST {A}/people": Op(collection(body=PERSON_BODY), CREATORS),
    f"GET {A}/people/{{person_id}}": Op(record("person"), reads(200), returns_target=True),
    f"PATCH {A}/people/{{person_id}}": Op(record("person", body={"notes": "更新"}), writes(200), returns_target=True),
    f"DELETE {A}/people/{{person_id}}": Op(record("person"), writes(204)),
    f"POST {A}/people/{{person_id}}/restore": Op(record("person", deleted=True), writes(200), returns_target=True),
    f"GET {A}/people/{{person_id}}/employments": Op(record("person"), reads(200)),
    f"POST {A}/people/{{person_id}}/employments": Op(record("person", body=employment_body), writes(201)),
    f"GET {A}/people/{{person_id}}/employments/{{employment_id}}": Op(record("person", child="employment"), reads(200),
                                                                    returns_target=True),
    f"PATCH {A}/people/{{person_id}}/employments/{{employment_id}}": Op(
        record("person", child="employment", body={"title": "課長"}), writes(200), returns_target=True),
    f"DELETE {A}/people/{{person_id}}/employments/{{employment_id}}": Op(record("person", child="employment"),
                                                                       writes(204)),
    f"GET {A}/people/{{person_id}}/history": Op(record("person"), reads(200)),
    f"GET {A}/people/{{person_id}}/timeline": Op(record("person"), reads(200)),
    f"GET {A}/people/{{person_id}}/relationships": Op(record("person"), reads(200)),
    f"GET {A}/search": Op(collection("person", query={"q": "田中"}), EVERYONE, lists="person", ids=search_ids),
    # --- activities ------------------------------------------------------------------------------------------
    f"GET {A}/activities": Op(collection("activity"), EVERYONE, lists="activity"),
    f"POST {A}/activities": Op(linking("people", {"body": "電話で確認"}, many=True), links(201)),
    f"GET {A}/activities/{{activity_id}}": Op(timeline_record("activity", "activity_id"), reads(200),
                                             returns_target=True),
    f"PATCH {A}/activities/{{activity_id}}": Op(timeline_record("activity", "activity_id", body={"body": "更新"}),
                                               writes(200), returns_target=True),
    f"DELETE {A}/activities/{{activity_id}}": Op(timeline_record("activity", "activity_id"), writes(204)),
    f"POST {A}/activities/{{activity_id}}/restore": Op(
        record("activity", deleted=True), writes(200), returns_target=True),
    f"GET {A}/{{kind}}/{{record_id}}/history": Op(activity_history, reads(200)),
    # --- insights --------------------------------------------------------------------------------------------
    f"GET {A}/insights": Op(collection("insight"), EVERYONE, lists="insight"),
    f"POST {A}/insights": Op(linking("person", {"statement": "決裁は工場長"}), links(201)),
    f"GET {A}/insights/{{insight_id}}": Op(timeline_record("insight", "insight_id"), reads(200), returns_target=True),
    f"PATCH {A}/insights/{{insight_id}}": Op(timeline_record("insight", "insight_id", body={"statement": "更新"}),
                                            writes(200), returns_target=True),
    f"DELETE {A}/insights/{{insight_id}}": Op(timeline_record("insight", "insight_id"), writes(204)),
    f"POST {A}/insights/{{insight_id}}/confirm": Op(timeline_record("insight", "insight_id"), writes(200),
                                                   returns_target=True),
    # --- tasks -----------------------------------------------------------------------------------------------
    f"GET {A}/tasks": Op(collection("task"), EVERYONE, lists="task"),
    f"POST {A}/tasks": Op(linking("person", {"title": "見積送付"}), links(201)),
    f"GET {A}/tasks/{{task_id}}": Op(timeline_record("task", "task_id"), reads(200), returns_target=True),
    f"PATCH {A}/tasks/{{task_id}}": Op(timeline_record("task", "task_id", body={"title": "更新"}), writes(200),
                                      returns_target=True),
    f"DELETE {A}/tasks/{{task_id}}": Op(timeline_record("task", "task_id"), writes(204)),
    f"POST {A}/tasks/{{task_id}}/complete": Op(timeline_record("task", "task_id", body={"done": True}), writes(200),
                                              returns_target=True),
    # --- relationships and capture ---------------------------------------------------------------------------
    f"POST {A}/relationships": Op(relationship_new, link_writes(201)),
    f"DELETE {A}/relationships/{{relationship_id}}": Op(relationship_of, writes(204)),
    f"POST {A}/capture": Op(collection(body={"text": "来週見積を送る", "preview": False}), CREATORS),
    f"POST {A}/capture/{{activity_id}}/undo": Op(captured, writes(204)),
    # --- sharing -------------------------------------------------------------------------------------------
    f"GET {A}/{{kind}}/{{record_id}}/access": Op(access_of(), reads(200)),
    f"PUT {A}/{{kind}}/{{record_id}}/access": Op(access_of(share_with_teammate), writes(200)),
    # --- privacy (APPI) ----------------------------------------------------------------------------------------
    f"GET {A}/people/{{person_id}}/privacy": Op(privacy_of(), reads(200)),
    f"PUT {A}/people/{{person_id}}/privacy": Op(privacy_of({"purposes": ["sales"]}), privacy_records(200)),
    f"GET {A}/people/{{person_id}}/provisions": Op(privacy_of(), reads(200)),
    f"POST {A}/people/{{person_id}}/provisions": Op(privacy_of(PROVISION), privacy_records(201)),
    f"GET {A}/people/{{person_id}}/disclosure": Op(privacy_of(), privacy_admin(200)),
    f"GET {A}/people/{{person_id}}/disclosure.pdf": Op(privacy_of(), privacy_admin(200),
                                                           content_type="application/pdf"),
    f"POST {A}/people/{{person_id}}/disclosure": Op(privacy_of({}), privacy_admin(200)),
    f"POST {A}/people/{{person_id}}/disclosure.pdf": Op(privacy_of({}), privacy_admin(200),
                                                            content_type="application/pdf"),
    f"POST {A}/people/{{person_id}}/suspend": Op(privacy_of({"reason": "本人の申し出"}), privacy_admin(200)),
    f"POST {A}/people/{{person_id}}/resume": Op(privacy_of({}, suspended=True), privacy_admin(200)),
    f"POST {A}/people/{{person_id}}/correction": Op(privacy_of({"changes": {"notes": "訂正"}}), privacy_admin(200)),
    f"POST {A}/people/{{person_id}}/erase": Op(privacy_of(confirm=True), privacy_admin(200)),
    # --- roles and users ---------------------------------------------------------------------------------------
    f"GET {A}/me": Op(collection(), EVERYONE),
    f"GET {A}/roles": Op(collection(), admins(200)),
    f"POST {A}/roles": Op(collection(body={"key": "tester", "name": "検証担当"}), admins(201)),
    f"GET {A}/roles/{{key}}": Op(role("member"), admins(200)),
    f"PATCH {A}/roles/{{key}}": Op(role("auditor", body={"description": "内部監査用"}), admins(200)),
    f"DELETE {A}/roles/{{key}}": Op(role(None), admins(204)),
    f"GET {A}/users": Op(collection(), admins(200)),
    f"PATCH {A}/users/{{user_id}}": Op(stranger_access, admins(200)),
    # --- webhooks (administrators with the admin scope) --------------------------------------------------------
    f"GET {A}/webhooks": Op(collection(), admins(200)),
    f"POST {A}/webhooks": Op(collection(body=WEBHOOK_BODY), admins(201)),
    f"GET {A}/webhooks/event-types": Op(collection(), admins(200)),
    f"GET {A}/webhooks/{{subscription_id}}": Op(webhook(), admins(200), returns_target=True),
    f"PATCH {A}/webhooks/{{subscription_id}}": Op(webhook({"name": "改名"}), admins(200), returns_target=True),
    f"DELETE {A}/webhooks/{{subscription_id}}": Op(webhook(), admins(204)),
    f"POST {A}/webhooks/{{subscription_id}}/rotate-secret": Op(webhook({}), admins(200), returns_target=True),
    f"GET {A}/webhooks/{{subscription_id}}/deliveries": Op(webhook(), admins(200)),
    f"POST {A}/webhooks/{{subscription_id}}/deliveries/{{delivery_id}}/redeliver": Op(webhook({}, delivery=True),
                                                                                      admins(202)),
    # --- custom fields ---------------------------------------------------------------------------------------
    f"GET {A}/custom-fields": Op(collection(query={"object_type": "person"}), EVERYONE),
    f"POST {A}/custom-fields": Op(collection(body={"object_type": "person", "key": "rank", "type": "text",
                                                   "label_ja": "ランク"}), admins(201)),
    f"PATCH {A}/custom-fields/{{field_id}}": Op(custom_field(body={"label_en": "Probe"}), admins(200)),
    f"DELETE {A}/custom-fields/{{field_id}}": Op(custom_field(), admins(204)),
    f"POST {A}/custom-fields/{{field_id}}/restore": Op(custom_field(removed=True), admins(200)),
    f"POST {A}/custom-fields/{{field_id}}/purge": Op(custom_field(removed=True), admins(202)),
    # --- imports ---------------------------------------------------------------------------------------------
    f"POST {A}/imports": Op(collection(files=upload_file), CREATORS),
    f"GET {A}/imports/{{job_id}}": Op(import_job(), job(200), returns_target=True),
    f"PATCH {A}/imports/{{job_id}}": Op(import_job(body={"match_on": "external_id"}), job(200), returns_target=True),
    f"POST {A}/imports/{{job_id}}/dry-run": Op(import_job(), job(200)),
    f"POST {A}/imports/{{job_id}}/start": Op(import_job(), job(202), returns_target=True),
    f"POST {A}/imports/{{job_id}}/revert": Op(import_job(), job(200), returns_target=True),
    # --- notifications: each user's own bell and preferences -------------------------------------------------
    f"GET {A}/notifications": Op(collection(), EVERYONE),
    f"GET {A}/notifications/unread-count": Op(collection(), EVERYONE),
    f"POST {A}/notifications/read-all": Op(collection(), EVERYONE),
    f"POST {A}/notifications/{{notification_id}}/read": Op(
        owners_notice, {NONE: "owner:200 admin,manager,teammate,readonly,outsider,auditor:404"}, returns_target=True),
    f"GET {A}/notifications/preferences": Op(collection(), EVERYONE),
    f"PUT {A}/notifications/preferences": Op(collection(body={"digest": True, "email_kinds": ["mention"]}), EVERYONE),
    # --- automation rules --------------------------------------------------------------------------------------
    f"GET {A}/automation/catalog": Op(collection(), RULE_MANAGERS),
    f"GET {A}/automation/rules": Op(collection(), RULE_MANAGERS),
    f"POST {A}/automation/rules": Op(collection(body=RULE_BODY), RULE_CREATORS),
    f"GET {A}/automation/rules/{{rule_id}}": Op(automation_rule(), rule_managers(200), returns_target=True),
    f"PATCH {A}/automation/rules/{{rule_id}}": Op(automation_rule({"enabled": False}), rule_managers(200),
                                                 returns_target=True),
    f"DELETE {A}/automation/rules/{{rule_id}}": Op(automation_rule(), rule_managers(204)),
    f"POST {A}/automation/rules/{{rule_id}}/move": Op(automation_rule({"direction": "up"}), rule_managers(200),
                                                     returns_target=True),
    f"GET {A}/automation/rules/{{rule_id}}/runs": Op(automation_rule(), rule_managers(200)),
    f"POST {A}/automation/rules/{{rule_id}}/dry-run": Op(automation_rule(dry_run_body), rule_managers(200)),
    # --- support: tickets and call reasons ---------------------------------------------------------------------
    f"GET {A}/tickets": Op(collection("ticket"), EVERYONE, lists="ticket"),
    f"POST {A}/tickets": Op(collection(body={"subject": "納期の確認", "body_text": "いつ届きますか"}), CREATORS),
    f"GET {A}/tickets/{{ticket_id}}": Op(record("ticket"), reads(), returns_target=True),
    f"PATCH {A}/tickets/{{ticket_id}}": Op(record("ticket", body={"priority": "high", "tags": ["納期"]}), writes(),
                                          returns_target=True),
    f"GET {A}/tickets/{{ticket_id}}/messages": Op(record("ticket"), reads()),
    f"POST {A}/tickets/{{ticket_id}}/messages": Op(record("ticket", body={"kind": "note", "body_text": "社内メモ"}),
                                                  writes(201)),
    f"POST {A}/tickets/{{ticket_id}}/assign": Op(record("ticket", body={"owner": None}), writes(),
                                                returns_target=True),
    f"POST {A}/tickets/{{ticket_id}}/status": Op(record("ticket", body={"status": "waiting"}), writes(),
                                                returns_target=True),
    f"GET {A}/call-reasons": Op(collection(), EVERYONE),
    f"POST {A}/call-reasons": Op(collection(body={"name": "請求・支払い"}), admins(201)),
    # --- SLA: business calendars, policies, a ticket's SLA ------------------------------------------------------
    f"GET {A}/calendars": Op(collection(), EVERYONE),
    f"POST {A}/calendars": Op(collection(body=CALENDAR_BODY), admins(201)),
    f"GET {A}/calendars/{{calendar_id}}": Op(sla_calendar(), EVERYONE, returns_target=True),
    f"PATCH {A}/calendars/{{calendar_id}}": Op(sla_calendar({"year_end_closed": False}), admins(200),
                                               returns_target=True),
    f"DELETE {A}/calendars/{{calendar_id}}": Op(sla_calendar(), admins(204)),
    f"POST {A}/calendars/{{calendar_id}}/days": Op(sla_calendar({"date": "2027-08-14", "kind": "closed"}),
                                                   admins(201)),
    f"DELETE {A}/calendars/{{calendar_id}}/days/{{day_id}}": Op(sla_calendar(day=True), admins(204)),
    f"GET {A}/sla-policies": Op(collection(), EVERYONE),
    f"POST {A}/sla-policies": Op(collection(body=sla_policy_body), admins(201)),
    f"GET {A}/sla-policies/{{policy_id}}": Op(sla_policy(), EVERYONE, returns_target=True),
    f"PATCH {A}/sla-policies/{{policy_id}}": Op(sla_policy({"warn_before_minutes": 15}), admins(200),
                                                returns_target=True),
    f"DELETE {A}/sla-policies/{{policy_id}}": Op(sla_policy(), admins(204)),
    f"POST {A}/sla-policies/{{policy_id}}/move": Op(sla_policy({"direction": "up"}), admins(200),
                                                    returns_target=True),
    f"GET {A}/tickets/{{ticket_id}}/sla": Op(sla_ticket, reads()),
    # --- 日報 (daily reports) --------------------------------------------------------------------------------------
    f"GET {A}/reports/daily": Op(collection(), EVERYONE),
    f"GET {A}/reports/daily/draft": Op(collection(), REPORT_WRITERS),
    f"PUT {A}/reports/daily/draft": Op(collection(body=lambda world: {"date": _yesterday(), "impressions": "所感"}),
                                      REPORT_WRITERS),
    f"POST {A}/reports/daily/submit": Op(collection(body=lambda world: {"date": _yesterday()}),
                                        {NONE: "admin,manager,owner,teammate,outsider:201 readonly,auditor:403"}),
    f"GET {A}/reports/daily/by-date": Op(daily_report(by_date=True), REPORT_READS, returns_target=True),
    f"GET {A}/reports/daily/{{report_id}}": Op(daily_report(), REPORT_READS, returns_target=True),
    f"PATCH {A}/reports/daily/{{report_id}}": Op(daily_report({"plan": "見積作成"}), REPORT_AUTHOR,
                                                returns_target=True),
    f"POST {A}/reports/daily/{{report_id}}/comments": Op(daily_report({"body": "同行します"}), REPORT_COMMENTERS),
    f"POST {A}/reports/daily/{{report_id}}/confirm": Op(daily_report(), REPORT_REVIEWERS, returns_target=True),
    # --- sales analytics: forecast, dashboards, targets, monthly reviews (numbers follow deal visibility) -----------
    f"GET {A}/forecast": Op(collection(query={"period": "2026"}), EVERYONE),
    f"GET {A}/dashboards/me": Op(collection(), EVERYONE),
    f"GET {A}/dashboards/team": Op(collection(),
                                   {NONE: "admin,manager,auditor:200 owner,teammate,readonly,outsider:403"}),
    f"GET {A}/dashboards/company": Op(collection(),
                                      {NONE: "admin,auditor:200 manager,owner,teammate,readonly,outsider:403"}),
    f"GET {A}/dashboards/records": Op(collection(query={"metric": "pipeline", "period": "2026"}), EVERYONE),
    f"GET {A}/targets": Op(collection(), EVERYONE),
    f"PUT {A}/targets": Op(collection(body=lambda w: {"items": [{"user": w.users["owner"].pk, "month": "2026-04",
                                                                   "metric": "revenue", "value": 1_000_000}]}),
                           {NONE: "admin,manager:200 owner,teammate,readonly,outsider,auditor:403"}),
    f"GET {A}/kpi-definitions": Op(collection(), EVERYONE),
    f"GET {A}/reviews": Op(collection(query={"month": "2026-04"}), EVERYONE),
    f"PUT {A}/reviews": Op(collection(body={"month": "2026-04", "gaps": "案件の遅れ", "actions": "再訪問"}),
                           {NONE: "admin,manager,owner,teammate,outsider:200 readonly,auditor:403"}),
    f"GET {A}/sales-settings": Op(collection(), EVERYONE),
    f"PATCH {A}/sales-settings": Op(collection(body={"stale_days": 21}), admins(200)),
}  # fmt: skip


# --- sales: deals and pipelines ------------------------------------------------------------------------------
_READ_ALL["deal"] = ["view", "export"]  # the auditor reads deals too


def deal(body=None, *, deleted=False):
    """The scenario's deal, of a public company everyone sees (the deal's own visibility decides)."""

    def build(world, scenario):
        from kizuna.sales.services import deals as sales

        company = world.company("public", name="公開商事")
        obj = sales.create_deal(actor=world.admin, data={"title": "検査治具更新", "company": company.pk,
                                                         **world.ownership(scenario)})  # fmt: skip
        obj = world.share(obj, scenario)
        if deleted:
            sales.delete_deal(actor=world.admin, deal=obj)
        data = body(world, obj) if callable(body) else body
        return _t(params={"deal_id": obj.pk}, body=data, obj=obj, expect_id=obj.pk)

    return build


def deal_move_body(world, obj):
    return {"stage": obj.pipeline.stages.get(name="提案").pk}


def deal_contacts_body(world, obj):
    return {"contacts": [{"person": world.anchor.pk, "role": "decision_maker"}]}


def pipeline(body=None):
    """A team pipeline nobody has deals in (so it may be deleted)."""

    def build(world, scenario):
        from kizuna.sales.services import pipelines

        obj = pipelines.create_pipeline(actor=world.admin, data={"name": "保守", "stages": PIPELINE_STAGES})
        return _t(params={"pipeline_id": obj.pk}, body=body, obj=obj, expect_id=obj.pk)

    return build


PIPELINE_STAGES = [{"name": "案内", "probability": 30}, {"name": "受注", "probability": 100, "kind": "won"},
                   {"name": "失注", "probability": 0, "kind": "lost"}]  # fmt: skip
DEAL_READERS = {NONE: "admin,manager,owner,teammate,readonly,outsider,auditor:200"}
OPERATIONS |= {
    f"GET {A}/deals": Op(collection(), DEAL_READERS),
    f"POST {A}/deals": Op(linking("company", {"title": "新規案件", "amount": "300万"}, kind="company"), links(201)),
    f"GET {A}/deals/{{deal_id}}": Op(deal(), reads(200), returns_target=True),
    f"PATCH {A}/deals/{{deal_id}}": Op(deal({"next_step": "見積送付"}), writes(200), returns_target=True),
    f"DELETE {A}/deals/{{deal_id}}": Op(deal(), writes(204)),
    f"POST {A}/deals/{{deal_id}}/restore": Op(deal(deleted=True), writes(200), returns_target=True),
    f"POST {A}/deals/{{deal_id}}/move": Op(deal(deal_move_body), writes(200), returns_target=True),
    f"PUT {A}/deals/{{deal_id}}/contacts": Op(deal(deal_contacts_body), writes(200), returns_target=True),
    f"PUT {A}/deals/{{deal_id}}/lines": Op(
        deal({"lines": [{"name": "治具", "unit_price": "10万"}]}), writes(200), returns_target=True
    ),
    f"GET {A}/deals/{{deal_id}}/history": Op(deal(), reads(200)),
    f"GET {A}/pipelines": Op(collection(), DEAL_READERS),
    f"POST {A}/pipelines": Op(collection(body={"name": "新パイプライン", "stages": PIPELINE_STAGES}), admins(201)),
    f"GET {A}/pipelines/{{pipeline_id}}": Op(pipeline(), DEAL_READERS, returns_target=True),
    f"PATCH {A}/pipelines/{{pipeline_id}}": Op(pipeline({"name": "改名"}), admins(200), returns_target=True),
    f"DELETE {A}/pipelines/{{pipeline_id}}": Op(pipeline(), admins(204)),
}


# --- products and quotes (見積書) ----------------------------------------------------------------------------------
# A quote is reached through its deal: it reads like its deal (reads()) and is written by whoever may edit the deal
# (writes()). Products are a catalog without owner: the auditor role holds no "product" permission (404).
def _issuer():
    from kizuna.sales.models import QuoteIssuer

    QuoteIssuer.objects.get_or_create(pk=1, defaults={"name": "株式会社絆テック"})


def _sales_deal(world, scenario):
    from kizuna.sales.services import deals

    company = world.company("public", name="株式会社公開工業")
    deal = deals.create_deal(actor=world.admin, data={"title": "検査治具更新", "company": company.pk,
                                                      **world.ownership(scenario)})  # fmt: skip
    return world.share(deal, scenario)


_PDF: list[bytes] = []


def _sample_pdf(quote) -> bytes:
    from kizuna.sales import quote_pdf

    if not _PDF:
        _PDF.append(quote_pdf.render_pdf(quote))
    return _PDF[0]


def quote_of(body=None, *, status: str = "draft", issued: bool = False):
    """The scenario's deal and a quote on it (sent, or with its PDF issued to the deal's timeline, when asked)."""

    def build(world, scenario):
        from unittest import mock

        from kizuna.sales.services import quote_documents, quotes

        _issuer()
        deal = _sales_deal(world, scenario)
        quote = quotes.create_quote(
            actor=world.admin, deal=deal, data={"lines": [{"name": "治具", "unit_price": 1000}]}
        )
        if status == "sent":
            quotes.set_status(actor=world.admin, quote=quote, status="sent")
        if issued:  # one real rendering per run is enough for statuses and content types
            with mock.patch("kizuna.sales.quote_pdf.render_pdf", return_value=_sample_pdf(quote)):
                quote_documents.issue(actor=world.admin, quote=quote)
        quote.refresh_from_db()
        return _t(params={"quote_id": quote.pk}, body=body, obj=quote, expect_id=quote.pk)

    return build


def quote_on_deal(world, scenario):
    _issuer()
    return _t(body={"deal": _sales_deal(world, scenario).pk})


def product_of(body=None):
    def build(world, scenario):
        from kizuna.sales.services import products

        product = products.create_product(actor=world.admin, data={"code": "P-100", "name": "ボルト"})
        return _t(params={"product_id": product.pk}, body=body, obj=product, expect_id=product.pk)

    return build


PRODUCT_READERS = {NONE: "admin,manager,owner,teammate,readonly,outsider:200 auditor:404"}


def product_writers(ok: int) -> dict[str, str]:
    return {NONE: f"admin,manager,owner,teammate,outsider:{ok} readonly:403 auditor:404"}


OPERATIONS.update({
    f"GET {A}/products": Op(collection(), EVERYONE),
    f"POST {A}/products": Op(collection(body={"code": "P-200", "name": "ナット", "unit_price": 30}), CREATORS),
    f"GET {A}/products/{{product_id}}": Op(product_of(), PRODUCT_READERS, returns_target=True),
    f"PATCH {A}/products/{{product_id}}": Op(product_of({"unit_price": 120}), product_writers(200),
                                             returns_target=True),
    f"DELETE {A}/products/{{product_id}}": Op(product_of(), product_writers(204)),
    f"GET {A}/quotes": Op(collection(), EVERYONE),
    f"POST {A}/quotes": Op(quote_on_deal, writes(201)),
    f"GET {A}/quotes/{{quote_id}}": Op(quote_of(), reads(), returns_target=True),
    f"PATCH {A}/quotes/{{quote_id}}": Op(quote_of({"notes": "納期ご相談"}), writes(),
                                         returns_target=True),
    f"DELETE {A}/quotes/{{quote_id}}": Op(quote_of(), writes(204)),
    f"POST {A}/quotes/{{quote_id}}/revisions": Op(quote_of({}), writes(201)),
    f"POST {A}/quotes/{{quote_id}}/status": Op(quote_of({"status": "accepted"}, status="sent"),
                                               writes(), returns_target=True),
    f"GET {A}/quotes/{{quote_id}}/pdf": Op(quote_of(issued=True), reads(),
                                           content_type="application/pdf"),
    # Issuing files the PDF for writers; a reader who sees the deal gets the PDF, nothing filed (so 200 for all).
    f"POST {A}/quotes/{{quote_id}}/pdf": Op(quote_of({}, issued=True), reads(),
                                            content_type="application/pdf"),
})  # fmt: skip


# --- support: knowledge articles (ナレッジ) and the assistant --------------------------------------------------------
_READ_ALL["article"] = ["view"]  # the auditor reads the knowledge base too


def kb_article(body=None):
    """The scenario's article, created by the scenario's owner with its visibility (and sharing)."""

    def build(world, scenario):
        from kizuna.support.services import knowledge

        owner, visibility, _shared = SCENARIOS[scenario]
        data = {"title": "電源が入らないとき", "body": "電源コードを確認してください。", "visibility": visibility}
        obj = knowledge.create_article(actor=world.users[owner], data=data)
        obj = world.share(obj, scenario)
        return _t(params={"article_id": obj.pk}, body=body, obj=obj, expect_id=obj.pk)

    return build


OPERATIONS.update({
    f"GET {A}/articles": Op(collection(), EVERYONE),
    f"GET {A}/articles/search": Op(collection(query={"q": "電源が入らないときはどうすればよいですか"}), EVERYONE),
    f"POST {A}/articles": Op(collection(body={"title": "保証期間", "body": "お買い上げから1年間です。"}), CREATORS),
    f"GET {A}/articles/{{article_id}}": Op(kb_article(), reads(), returns_target=True),
    f"PATCH {A}/articles/{{article_id}}": Op(kb_article({"body": "主電源スイッチも確認してください。"}), writes(),
                                             returns_target=True),
    f"DELETE {A}/articles/{{article_id}}": Op(kb_article(), writes(204)),
    f"GET {A}/articles/{{article_id}}/versions": Op(kb_article(), reads()),
    f"GET {A}/article-categories": Op(collection(), EVERYONE),
    f"POST {A}/article-categories": Op(collection(body={"name": "故障・修理"}), admins(201)),
    f"GET {A}/tickets/{{ticket_id}}/assist": Op(sla_ticket, reads()),
})  # fmt: skip


# --- sharing a deal through the platform's /access API: the same operations as above, on a deal ------------------
# A variant row is keyed "<operation> [<variant>]"; test_every_operation_has_an_entry reads the operation before " [".
def deal_access(body=None):
    def build(world, scenario):
        obj = _sales_deal(world, scenario)
        return _t(params={"kind": "deals", "record_id": obj.pk}, body=body(world) if callable(body) else body, obj=obj)

    return build


OPERATIONS.update({
    f"GET {A}/{{kind}}/{{record_id}}/access [deals]": Op(deal_access(), reads(200)),
    f"PUT {A}/{{kind}}/{{record_id}}/access [deals]": Op(deal_access(share_with_teammate), writes(200)),
})  # fmt: skip


# --- customer journey and segments ---------------------------------------------------------------------------------
def journey_of(body=None):
    """The scenario's company, as /journey/companies/{id} names it."""

    def build(world, scenario):
        obj = world.company(scenario)
        return _t(params={"kind": "companies", "record_id": obj.pk}, body=body, obj=obj, expect_id=obj.pk)

    return build


def segment_of(world, scenario):
    """A segment of `owner`, not shared: everyone else reads it as missing."""
    from kizuna.sales.services import segments

    segment = segments.create_segment(actor=world.users["owner"], data={"name": "大口", "object_type": "company",
                                                                        "filters": {"ltv_min": 1}})  # fmt: skip
    return _t(params={"segment_id": segment.pk}, obj=segment, expect_id=segment.pk)


SEGMENT_OWNER = {NONE: "owner:{ok} admin,manager,teammate,readonly,outsider,auditor:404"}
OPERATIONS.update({
    f"GET {A}/journey/funnel": Op(collection(), EVERYONE),
    f"GET {A}/journey/{{kind}}/{{record_id}}": Op(journey_of(), reads(200), returns_target=True),
    f"PUT {A}/journey/{{kind}}/{{record_id}}/stage": Op(journey_of({"stage": "interest"}), writes(200),
                                                       returns_target=True),
    f"GET {A}/segments": Op(collection(), EVERYONE),
    f"POST {A}/segments": Op(collection(body={"name": "関東の顧客", "object_type": "company"}),
                             {NONE: "admin,manager,owner,teammate,readonly,outsider,auditor:201"}),
    f"GET {A}/segments/{{segment_id}}": Op(segment_of, {NONE: SEGMENT_OWNER[NONE].format(ok=200)},
                                           returns_target=True),
    f"DELETE {A}/segments/{{segment_id}}": Op(segment_of, {NONE: SEGMENT_OWNER[NONE].format(ok=204)}),
})  # fmt: skip
