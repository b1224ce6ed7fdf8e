"""Attacks on the API: other users' ids (BOLA), fields nobody may write (BOPLA, mass assignment), tampered cursors,
stale or missing versions, and tokens that are read-only, revoked or expired."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from kizuna.accounts import services as accounts
from kizuna.accounts.models import ApiToken
from kizuna.contacts.models import Company, Person
from kizuna.core.models import AuditEvent
from kizuna.timeline.models import Activity, FollowUp, Insight

from .matrix import SCENARIOS, parse, reads

NOT_FOUND = {"error": {"code": "not_found", "message": "見つかりません。", "fields": {}}}
HIDDEN = [  # (actor, scenario) pairs where reads() says 404: every way a record can be hidden from someone
    (actor, scenario) for scenario in SCENARIOS for actor, status in parse(reads()[scenario]).items() if status == 404
]


def _status(response, expected, what=""):
    assert response.status_code == expected, f"{what} expected {expected}, got {response.status_code}: " + (
        response.content[:400].decode(errors="replace")
    )


# Hidden ids in paths (every object endpoint × every way a record can be hidden) are in the matrix: its 404s must
# carry exactly the body of an unknown id and no ETag, and each operation is also called with unknown ids.


def test_hidden_records_named_in_query_filters_are_404(world):
    """Every (actor, scenario) pair the matrix hides: naming the record in a list filter is a 404 too."""
    problems = []
    for scenario in SCENARIOS:
        person, company = world.person(scenario), world.company(scenario)
        for actor, hidden_in in HIDDEN:
            if hidden_in != scenario or actor == "anonymous":
                continue
            for url in (f"/api/v1/activities?person={person.pk}", f"/api/v1/activities?company={company.pk}",
                        f"/api/v1/insights?person={person.pk}", f"/api/v1/insights?company={company.pk}",
                        f"/api/v1/people/{person.pk}/timeline"):  # fmt: skip
                response = world.req(actor, "GET", url)
                if response.status_code != 404 or response.json() != NOT_FOUND:
                    problems.append(f"[{scenario}] {actor} {url}: {response.status_code} {response.content[:100]!r}")
    assert not problems, "\n".join(problems)


def test_filters_by_a_hidden_company_or_owner_list_nothing_of_it(world):
    company = world.company("other_private")
    hidden = world.person("other_private", company=company.pk)
    for url in (f"/api/v1/people?company={company.pk}", f"/api/v1/people?owner={world.users['stranger'].pk}"):
        response = world.req("teammate", "GET", url)
        _status(response, 200, url)
        assert hidden.pk not in [p["id"] for p in response.json()["items"]]


@pytest.mark.parametrize(
    ("url", "field", "body"),
    [
        ("/api/v1/activities", "people", {"body": "x", "people": ["{person}"]}),
        ("/api/v1/activities", "companies", {"body": "x", "companies": ["{company}"]}),
        ("/api/v1/activities", "heard_from", {"body": "x", "heard_from": "{person}"}),
        ("/api/v1/insights", "person", {"statement": "x", "person": "{person}"}),
        ("/api/v1/insights", "company", {"statement": "x", "company": "{company}"}),
        ("/api/v1/insights", "heard_from", {"statement": "x", "person": "{anchor}", "heard_from": "{person}"}),
        ("/api/v1/insights", "evidence", {"statement": "x", "person": "{anchor}", "evidence": ["{activity}"]}),
        ("/api/v1/tasks", "person", {"title": "x", "person": "{person}"}),
        ("/api/v1/tasks", "company", {"title": "x", "company": "{company}"}),
        ("/api/v1/tasks", "activity", {"title": "x", "activity": "{activity}"}),
        ("/api/v1/relationships", "to_person", {"from_person": "{anchor}", "to_person": "{person}", "kind": "boss"}),
        ("/api/v1/people", "company", {"family_name": "田中", "company": "{company}"}),
        ("/api/v1/companies", "parent", {"name": "子会社", "parent": "{company}"}),
    ],
)
def test_hidden_records_named_in_a_body_are_an_input_error_and_nothing_is_saved(world, url, field, body):
    hidden = {"person": world.person("other_private"), "company": world.company("other_private"),
              "activity": world.activity("other_private"), "anchor": world.anchor}  # fmt: skip
    body = _fill(body, {k: v.pk for k, v in hidden.items()})
    counts = _counts()
    events = _audit_count()
    response = world.req("teammate", "POST", url, body)
    _status(response, 422, url)
    assert field in response.json()["error"]["fields"], response.json()
    assert "株式会社山田製作所" not in response.content.decode() and "田中 太郎" not in response.content.decode()
    assert _counts() == counts and _audit_count() == events


def _fill(value, ids):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("{"):
        return ids[value.strip("{}")]
    return value


def _counts():
    return [m.objects.count() for m in (Person, Company, Activity, Insight, FollowUp)]


def test_linking_a_hidden_record_in_a_patch_changes_nothing(world):
    activity, task = world.activity("team"), world.task("team")
    hidden = world.person("other_private")
    for url, obj, body in ((f"/api/v1/activities/{activity.pk}", activity, {"people": [hidden.pk]}),
                           (f"/api/v1/tasks/{task.pk}", task, {"person": hidden.pk})):  # fmt: skip
        before = obj.version
        _status(world.req("teammate", "PATCH", url, body, etag_of=obj), 422, url)
        obj.refresh_from_db()
        assert obj.version == before
    assert not activity.people.exists() and task.person_id is None


def test_an_employment_at_a_hidden_company_or_site_is_refused(world):
    person = world.person("team")
    hidden_company = world.company("other_private")
    hidden_site = world.site(hidden_company)
    url = f"/api/v1/people/{person.pk}/employments"
    _status(world.req("owner", "POST", url, {"company": hidden_company.pk}), 422, "hidden company")
    visible = world.company("public")
    _status(world.req("owner", "POST", url, {"company": visible.pk, "site": hidden_site.pk}), 422, "hidden site")
    assert not person.employments.exists()


def test_a_relationship_to_a_hidden_person_is_left_out_of_the_list(world):
    from kizuna.timeline import services as timeline

    hidden = world.person("other_private", family="秘密")
    timeline.create_relationship(actor=world.admin, data={"from_person": world.anchor.pk, "to_person": hidden.pk,
                                                          "kind": "custom", "label": "旧知"})  # fmt: skip
    response = world.req("teammate", "GET", f"/api/v1/people/{world.anchor.pk}/relationships")
    _status(response, 200)
    assert response.json() == [] and "秘密" not in response.content.decode()
    assert world.req("admin", "GET", f"/api/v1/people/{world.anchor.pk}/relationships").json()


def test_a_visible_activity_does_not_reveal_a_hidden_person_it_mentions(world):
    hidden = world.person("other_private", family="秘密")
    activity = world.activity("public", people=[hidden.pk, world.anchor.pk])
    response = world.req("teammate", "GET", f"/api/v1/activities/{activity.pk}")
    _status(response, 200)
    assert [p["id"] for p in response.json()["people"]] == [world.anchor.pk]
    assert "秘密" not in response.content.decode()
    timeline = world.req("teammate", "GET", f"/api/v1/people/{world.anchor.pk}/timeline").json()
    assert "秘密" not in str(timeline)


# --- BOPLA and mass assignment ---------------------------------------------------------------------------------
SERVER_FIELDS = {  # fields the server sets: never accepted from a client
    "id": 999,
    "version": 99,
    "created_by": "{outsider}",
    "updated_by": "{outsider}",
    "recorded_by": "{outsider}",
    "created_at": "2001-01-01T00:00:00Z",
    "updated_at": "2001-01-01T00:00:00Z",
    "deleted_at": "2001-01-01T00:00:00Z",
    "deleted_by": "{outsider}",
    "team": "{team_b}",
    "team_id": "{team_b}",
    "shared_with": ["{outsider}"],
    "owner_id": "{outsider}",
    "confirmed_by": "{outsider}",
    "done_by": "{outsider}",
    "legal_form": "株式会社",
}
PATCHABLE = {  # kind → (url, the record's world builder, a valid body)
    "company": ("/api/v1/companies/{id}", "company", {"notes": "x"}),
    "person": ("/api/v1/people/{id}", "person", {"notes": "x"}),
    "activity": ("/api/v1/activities/{id}", "activity", {"body": "x"}),
    "insight": ("/api/v1/insights/{id}", "insight", {"statement": "x"}),
    "task": ("/api/v1/tasks/{id}", "task", {"title": "x"}),
}
CREATABLE = {
    "company": ("/api/v1/companies", {"name": "株式会社新規"}),
    "person": ("/api/v1/people", {"family_name": "新規"}),
    "activity": ("/api/v1/activities", {"body": "新規"}),
    "insight": ("/api/v1/insights", {"statement": "新規", "person": "{anchor}"}),
    "task": ("/api/v1/tasks", {"title": "新規"}),
    "relationship": ("/api/v1/relationships", {"from_person": "{anchor}", "to_person": "{anchor2}", "kind": "boss"}),
    "capture": ("/api/v1/capture", {"text": "来週見積", "preview": False}),
    "merge": ("/api/v1/merges", {"type": "person", "survivor": "{anchor}", "others": ["{anchor2}"]}),
}


def _ids(world):
    from kizuna.contacts import services as contacts

    anchor2 = contacts.create_person(actor=world.admin, data={"family_name": "公開", "visibility": "public"})
    return {"outsider": world.users["outsider"].pk, "team_b": world.teams["B"].pk, "anchor": world.anchor.pk,
            "anchor2": anchor2.pk}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(PATCHABLE))
def test_server_owned_fields_cannot_be_patched(world, kind):
    url, builder, body = PATCHABLE[kind]
    obj = getattr(world, builder)("team")
    ids = _ids(world)
    url = url.format(id=obj.pk)
    problems = []
    for name, value in SERVER_FIELDS.items():
        before = _row(obj)
        response = world.req("owner", "PATCH", url, {**body, name: _fill(value, ids)}, etag_of=obj)
        if response.status_code != 422 or name not in response.json()["error"]["fields"]:
            problems.append(f"{name}: {response.status_code} {response.content[:200]!r}")
        if _row(obj) != before:
            problems.append(f"{name}: the record changed")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", sorted(CREATABLE))
def test_server_owned_fields_cannot_be_posted(world, kind):
    url, body = CREATABLE[kind]
    ids = _ids(world)
    body = _fill(body, ids)
    problems = []
    for name, value in SERVER_FIELDS.items():
        if name in body or (kind, name) == ("merge", "version"):  # a merge names the survivor version it saw
            continue
        counts, events = _counts(), _audit_count()
        response = world.req("owner", "POST", url, {**body, name: _fill(value, ids)})
        if response.status_code != 422 or name not in response.json()["error"]["fields"]:
            problems.append(f"{name}: {response.status_code} {response.content[:200]!r}")
        if _counts() != counts or _audit_count() != events:
            problems.append(f"{name}: something was saved")
    assert not problems, "\n".join(problems)


def _row(obj):
    row = type(obj).objects.filter(pk=obj.pk).values().first()
    shared = list(obj.shared_with.values_list("pk", flat=True)) if hasattr(obj, "shared_with") else []
    return row, shared


@pytest.mark.parametrize("kind", sorted(PATCHABLE))
def test_a_member_cannot_hand_a_record_to_another_team(world, kind):
    """Owner (and with it the team) may be set to yourself, to the current owner, or — by a manager — to someone
    of their own team; giving a record to another team's member is refused and changes nothing."""
    url, builder, _ = PATCHABLE[kind]
    obj = getattr(world, builder)("team")
    url = url.format(id=obj.pk)
    for actor, new_owner in (("owner", "outsider"), ("teammate", "outsider"), ("owner", "teammate"),
                             ("manager", "outsider"), ("manager", "stranger")):  # fmt: skip
        before = _row(obj)
        response = world.req(actor, "PATCH", url, {"owner": world.users[new_owner].pk}, etag_of=obj)
        _status(response, 422, f"{actor} → {new_owner}")
        assert "owner" in response.json()["error"]["fields"]
        assert _row(obj) == before
    response = world.req("manager", "PATCH", url, {"owner": world.users["teammate"].pk}, etag_of=obj)
    _status(response, 200, "manager → own team")
    obj.refresh_from_db()
    assert (obj.owner_id, obj.team_id) == (world.users["teammate"].pk, world.teams["A"].pk)


@pytest.mark.parametrize("kind", ["company", "person", "activity", "insight", "task"])
def test_a_member_cannot_create_a_record_for_another_team(world, kind):
    url, body = CREATABLE[kind]
    body = _fill(body, _ids(world))
    counts = _counts()
    for owner in ("outsider", "stranger", "teammate"):
        response = world.req("owner", "POST", url, {**body, "owner": world.users[owner].pk})
        _status(response, 422, owner)
        assert "owner" in response.json()["error"]["fields"]
    response = world.req("owner", "POST", url, {**body, "visibility": "everyone"})
    _status(response, 422, "unknown visibility")
    assert "visibility" in response.json()["error"]["fields"]
    assert _counts() == counts


def test_outsider_cannot_widen_a_shared_private_record(world):
    """A record shared with you is readable, not yours: you cannot make it public or take it."""
    person = world.person("shared")
    version = person.version
    for body in ({"visibility": "public"}, {"owner": world.users["outsider"].pk}, {"notes": "x"}):
        _status(world.req("outsider", "PATCH", f"/api/v1/people/{person.pk}", body, etag_of=person), 403, str(body))
    person.refresh_from_db()
    assert (person.visibility, person.owner_id, person.version) == ("private", world.users["owner"].pk, version)


# --- cursors ---------------------------------------------------------------------------------------------------
LISTS = ["/api/v1/companies", "/api/v1/people", "/api/v1/activities", "/api/v1/search?q=田中"]


def _page(world, actor, url, cursor=None, limit=2):
    sep = "&" if "?" in url else "?"
    extra = f"{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
    return world.req(actor, "GET", url + extra)


def _many(world):
    for scenario in SCENARIOS:
        for _ in range(1):
            world.company(scenario)
            world.person(scenario)
            world.activity(scenario)


@pytest.mark.parametrize("url", LISTS)
def test_paging_shows_every_visible_row_once_and_no_hidden_one(world, url):
    _many(world)
    kind = {"companies": Company, "people": Person, "activities": Activity, "search?q=田中": Person}[
        url.rsplit("/")[-1]
    ]
    for actor in ("teammate", "outsider", "manager"):
        seen, cursor = [], None
        for _ in range(30):
            response = _page(world, actor, url, cursor)
            _status(response, 200, url)
            body = response.json()
            seen += [row["id"] for row in body.get("items", body.get("results", []))]
            cursor = body["next_cursor"]
            if not cursor:
                break
        visible = set(kind.objects.visible_to(world.users[actor]).values_list("pk", flat=True))
        assert sorted(seen) == sorted(set(seen)), f"{actor}: a row shown twice"
        assert set(seen) == visible, f"{actor}: {set(seen) ^ visible}"


def _tamper(cursor: str) -> list[str]:
    flipped = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
    payload = cursor.split(":")[0]
    return [
        flipped,  # one character of the signature
        payload[::-1] + cursor[len(payload) :],  # the payload
        "garbage",
        "",
        "a" * 5000,
        "%00",
        signing.dumps(["-updated_at", "2001-01-01T00:00:00", 1], salt="wrong-salt"),  # forged: not our signature
        signing.dumps(["-updated_at", 0, 1], key="not-the-secret-key", salt="kizuna.pagination"),
    ]


@pytest.mark.parametrize("url", LISTS)
def test_tampered_and_forged_cursors_are_a_clear_422(world, url):
    _many(world)
    cursor = _page(world, "teammate", url).json()["next_cursor"]
    assert cursor
    for bad in _tamper(cursor):
        response = _page(world, "teammate", url, bad)
        if bad == "":  # an empty cursor is the first page
            _status(response, 200, "empty cursor")
            continue
        _status(response, 422, f"cursor {bad[:40]!r}")
        error = response.json()["error"]
        assert error["code"] == "validation_error" and "cursor" in error["fields"], error


def test_a_cursor_of_another_list_is_refused(world):
    """A people cursor on the companies list (or a list sorted another way) is refused, not reinterpreted."""
    _many(world)
    people = _page(world, "teammate", "/api/v1/people").json()["next_cursor"]
    companies = _page(world, "teammate", "/api/v1/companies").json()["next_cursor"]
    by_name = _page(world, "teammate", "/api/v1/people?sort=name").json()["next_cursor"]
    for url, cursor in (("/api/v1/companies", people), ("/api/v1/people", companies), ("/api/v1/people", by_name),
                        ("/api/v1/activities", people)):  # fmt: skip
        response = _page(world, "teammate", url, cursor)
        _status(response, 422, url)
        assert "cursor" in response.json()["error"]["fields"]


def test_a_signed_cursor_with_nonsense_values_is_422_not_500(world):
    """Even a correctly signed cursor (a leaked key, an old release) whose values make no sense is an input
    error, never a crash."""
    _many(world)
    payloads = [({"dt": "not a date"}, 1), (None, 1), ("x", "y"), ([1, 2], {"a": 1}), ({"dt": None}, 1),
                ("2026-01-01", None)]  # fmt: skip
    problems = []
    for value, pk in payloads:
        for url, model in (("/api/v1/companies", Company), ("/api/v1/people", Person)):
            for salt in ("kizuna.pagination", f"kizuna.pagination:{model._meta.label_lower}"):
                cursor = signing.dumps(["-updated_at", value, pk], salt=salt, compress=True)
                response = _page(world, "teammate", url, cursor)
                if response.status_code != 422:
                    problems.append(f"{url} {value!r}/{pk!r}: {response.status_code} {response.content[:200]!r}")
    assert not problems, "\n".join(problems)


def test_search_cursor_is_signed_and_bounded(world):
    _many(world)
    for bad in ("garbage", signing.dumps(-5, salt="kizuna.search.cursor"), signing.dumps(1, key="x" * 50)):
        response = world.req("teammate", "GET", "/api/v1/search", query={"q": "田中", "cursor": bad})
        _status(response, 422, bad)


def test_out_of_range_limits_are_422(world):
    for limit in (0, -1, 1000, "x"):
        for url in ("/api/v1/companies", "/api/v1/people", "/api/v1/insights", "/api/v1/tasks", "/api/v1/duplicates"):
            _status(world.req("teammate", "GET", url, query={"limit": limit}), 422, f"{url} limit={limit}")


# --- ETag / If-Match -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(PATCHABLE))
def test_stale_missing_and_foreign_etags(world, kind):
    url, builder, body = PATCHABLE[kind]
    obj, other = getattr(world, builder)("team"), getattr(world, builder)("team")
    url = url.format(id=obj.pk)
    stale = obj.etag
    _status(world.req("owner", "PATCH", url, body, etag_of=obj), 200, "fresh")
    obj.refresh_from_db()
    version = obj.version
    cases = {"stale": (stale, 412), "other record's": (other.etag, 412), "garbage": ("nonsense", 412),
             "missing": (None, 428)}  # fmt: skip
    for what, (etag, expected) in cases.items():
        headers = {"If-Match": etag} if etag else {}
        for method, data in (("PATCH", body), ("DELETE", None)):
            response = world.req("owner", method, url, data, headers=headers)
            _status(response, expected, f"{what} If-Match on {method}")
            if expected == 412:
                assert response.json()["error"]["code"] == "stale_version"
        obj.refresh_from_db()
        assert (obj.version, obj.deleted_at) == (version, None), what
    weak = world.req("owner", "PATCH", url, body, headers={"If-Match": f"W/{obj.etag}"})
    _status(weak, 200, "weak ETag of the current version")


def test_merge_with_a_stale_survivor_version_is_412(world):
    a, b = world.person("team"), world.person("team", given="次郎")
    body = {"type": "person", "survivor": a.pk, "others": [b.pk], "version": a.version + 5}
    _status(world.req("owner", "POST", "/api/v1/merges", body), 412)
    b.refresh_from_db()
    assert b.deleted_at is None


# --- tokens ----------------------------------------------------------------------------------------------------
def _token(world, user="owner", **kw):
    return accounts.create_token(actor=None, user=world.users[user], name="attack", **kw)


def test_a_read_only_token_reads_but_cannot_write(world):
    person = world.person("team")
    _, raw = _token(world, scopes=("read",))
    world.tokens["reader"] = raw
    _status(world.req("reader", "GET", f"/api/v1/people/{person.pk}"), 200, "read")
    writes = [("POST", "/api/v1/people", {"family_name": "新規"}),
              ("PATCH", f"/api/v1/people/{person.pk}", {"notes": "x"}),
              ("DELETE", f"/api/v1/people/{person.pk}", None),
              ("POST", "/api/v1/capture", {"text": "メモ", "preview": True})]  # fmt: skip
    for method, url, body in writes:
        response = world.req("reader", method, url, body, etag_of=person)
        _status(response, 403, f"{method} {url}")
        assert response.json()["error"]["code"] == "forbidden"
    person.refresh_from_db()
    assert (person.version, person.deleted_at, person.notes) == (1, None, "")


def test_revoked_expired_unknown_and_deactivated_tokens_are_401(world):
    revoked, raw_revoked = _token(world)
    accounts.revoke_token(actor=world.users["owner"], token=revoked)
    expired, raw_expired = _token(world, days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _, raw_inactive = _token(world, user="teammate")
    world.users["teammate"].is_active = False
    world.users["teammate"].save(update_fields=["is_active"])
    raws = {"revoked": raw_revoked, "expired": raw_expired, "unknown": "kz_" + "x" * 43,
            "deactivated": raw_inactive, "not a token": "abc"}  # fmt: skip
    for what, raw in raws.items():
        world.tokens[what] = raw
        for method, url in (("GET", "/api/v1/people"), ("POST", "/api/v1/people")):
            response = world.req(what, method, url, {"family_name": "x"} if method == "POST" else None)
            _status(response, 401, f"{what} token {method}")
            assert response.json()["error"]["code"] == "unauthenticated"
    assert not Person.objects.filter(family_name="x").exists()


def _audit_count():
    """Audit rows about records (a token's first use is audited on its own and is not a change)."""
    return AuditEvent.objects.exclude(object_type="accounts.apitoken").count()


def test_administration_needs_the_admin_scope_as_well_as_the_role(world):
    _, raw = _token(world, user="admin", scopes=("read", "write"))
    world.tokens["plain admin"] = raw
    for method, url, body in (("GET", "/api/v1/roles", None), ("GET", "/api/v1/users", None),
                              ("PATCH", f"/api/v1/users/{world.users['outsider'].pk}", {"role": "admin"})):  # fmt: skip
        response = world.req("plain admin", method, url, body)
        _status(response, 403, f"{method} {url}")
    world.users["outsider"].refresh_from_db()
    assert world.users["outsider"].role == "member"


def test_users_cannot_be_given_server_owned_powers_through_the_api(world):
    outsider = world.users["outsider"]
    for field, value in (("is_superuser", True), ("is_staff", True), ("password", "x"), ("username", "root"),
                         ("id", 1)):  # fmt: skip
        response = world.req("admin", "PATCH", f"/api/v1/users/{outsider.pk}", {field: value})
        _status(response, 422, field)
    outsider.refresh_from_db()
    assert (outsider.is_superuser, outsider.is_staff, outsider.username) == (False, False, "outsider")
    _status(world.req("admin", "PATCH", f"/api/v1/users/{outsider.pk}", {"role": "no-such-role"}), 422, "role")


def test_me_describes_the_caller_only(world):
    for actor in ("owner", "outsider", "auditor"):
        body = world.req(actor, "GET", "/api/v1/me").json()
        assert body["username"] == actor
        member = ["view", "create", "edit", "delete", "export", "merge", "import"]
        assert body["permissions"]["person"] == (["view", "export"] if actor == "auditor" else member)


def test_capture_cannot_resolve_a_mention_to_a_hidden_person(world):
    hidden = world.person("other_private", family="秘密")
    counts = _counts()
    for preview in (True, False):
        body = {"text": "@秘密 来週訪問", "resolve": {"@秘密": hidden.pk}, "preview": preview}
        response = world.req("teammate", "POST", "/api/v1/capture", body)
        _status(response, 422, f"preview={preview}")
        assert "resolve" in response.json()["error"]["fields"]
    plan = world.req("teammate", "POST", "/api/v1/capture", {"text": "@秘密 来週訪問"}).json()
    assert plan["people"][0]["candidates"] == [] and plan["people"][0]["chosen"] is None
    assert _counts() == counts


def test_a_relationship_to_a_hidden_person_cannot_be_deleted_by_those_who_cannot_see_it(world):
    from kizuna.timeline import services as timeline
    from kizuna.timeline.models import Relationship

    mine, hidden = world.person("team"), world.person("other_private")
    rel = timeline.create_relationship(
        actor=world.admin, data={"from_person": mine.pk, "to_person": hidden.pk, "kind": "custom", "label": "旧知"}
    )
    response = world.req("owner", "DELETE", f"/api/v1/relationships/{rel.pk}")
    _status(response, 404)
    assert response.json() == NOT_FOUND
    assert Relationship.objects.alive().filter(pk=rel.pk).exists()


def test_review_queue_leaves_out_groups_with_a_hidden_member(world):
    from kizuna.contacts.dedup.tasks import scan_duplicates

    phone = {"phones": [{"value": "090-1234-5678"}], "emails": [{"value": "tanaka@example.jp"}]}
    world.person("other_private", **phone)
    world.person("public", **phone)
    scan_duplicates.call("person", 0.5)
    assert world.req("admin", "GET", "/api/v1/duplicates").json(), "the scan found the pair"
    for actor in ("owner", "teammate", "manager", "readonly"):
        response = world.req(actor, "GET", "/api/v1/duplicates")
        _status(response, 200, actor)
        assert response.json() == [], actor


def test_sub_records_and_import_jobs_cannot_be_moved_or_forged(world):
    person, company = world.person("team"), world.company("team")
    employment, site = world.employment(person), world.site(company)
    other_person, other_company = world.person("team", given="次郎"), world.company("team", name="株式会社別")
    job = world.import_job("owner")
    cases = [
        (f"/api/v1/people/{person.pk}/employments/{employment.pk}", employment,
         [{"person": other_person.pk}, {"version": 9}, {"id": 1}, {"created_by": world.users["outsider"].pk}]),
        (f"/api/v1/companies/{company.pk}/sites/{site.pk}", site,
         [{"company": other_company.pk}, {"version": 9}, {"deleted_at": "2001-01-01T00:00:00Z"}]),
        (f"/api/v1/imports/{job.pk}", None,
         [{"status": "done"}, {"created_by": world.users["outsider"].pk}, {"path": "/etc/passwd"}, {"counts": {}}]),
    ]  # fmt: skip
    for url, obj, bodies in cases:
        for body in bodies:
            before = _row(obj) if obj is not None else type(job).objects.filter(pk=job.pk).values().first()
            response = world.req("owner", "PATCH", url, body, etag_of=obj)
            _status(response, 422, f"{url} {body}")
            after = _row(obj) if obj is not None else type(job).objects.filter(pk=job.pk).values().first()
            assert after == before, f"{url} {body}"
    # the sub-record reached through someone else's parent is not there at all
    response = world.req("owner", "PATCH", f"/api/v1/people/{other_person.pk}/employments/{employment.pk}",
                         {"title": "x"}, etag_of=employment)  # fmt: skip
    _status(response, 404, "employment under another person")
    response = world.req("owner", "DELETE", f"/api/v1/companies/{other_company.pk}/sites/{site.pk}", etag_of=site)
    _status(response, 404, "site under another company")


HUGE = 99999999999999999999  # past a 64-bit integer: SQLite and PostgreSQL would both refuse it in a query


def test_ids_out_of_range_are_404_or_422_never_500(world):
    problems = []
    gets = ["/api/v1/people/{n}", "/api/v1/people/-1", "/api/v1/companies/{n}/sites", "/api/v1/imports/{n}",
            "/api/v1/merges/{n}", "/api/v1/activities/{n}/history", "/api/v1/people/9223372036854775808",
            "/api/v1/activities?person={n}", "/api/v1/people?company={n}", "/api/v1/people?owner={n}",
            "/api/v1/tasks?assignee={n}", "/api/v1/insights?company={n}"]  # fmt: skip
    for url in gets:
        response = world.req("teammate", "GET", url.format(n=HUGE))
        if response.status_code not in (404, 422):
            problems.append(f"GET {url}: {response.status_code}")
    posts = [("/api/v1/tasks", {"title": "x", "person": HUGE}), ("/api/v1/activities", {"body": "x", "people": [HUGE]}),
             ("/api/v1/merges", {"type": "person", "survivor": HUGE, "others": [1]}),
             ("/api/v1/tasks", {"title": "x", "assignee": HUGE}),
             ("/api/v1/people", {"family_name": "x", "owner": HUGE}),
             ("/api/v1/capture", {"text": "@田中 x", "resolve": {"@田中": HUGE}}),
             ("/api/v1/relationships", {"from_person": HUGE, "to_person": HUGE, "kind": "boss"})]  # fmt: skip
    for url, body in posts:
        response = world.req("teammate", "POST", url, body)
        if response.status_code not in (404, 422):
            problems.append(f"POST {url} {body}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_sharing_checks_the_version_and_takes_only_its_own_fields(world):
    person = world.person("team")
    url = f"/api/v1/people/{person.pk}/access"
    stale = person.etag
    share = {"shared_with": [world.users["outsider"].pk]}
    _status(world.req("owner", "PUT", url, share, headers={"If-Match": stale}), 200, "fresh")
    _status(world.req("owner", "PUT", url, {"shared_with": []}, headers={"If-Match": stale}), 412, "stale")
    _status(world.req("owner", "PUT", url, {"shared_with": []}), 428, "missing If-Match")
    for body in ({"owner": world.users["owner"].pk}, {"visibility": "public"}, {"version": 1},
                 {"shared_with": [HUGE]}, {"shared_with_teams": [HUGE]}, {"shared_with": ["x"]}):  # fmt: skip
        _status(world.req("owner", "PUT", url, body, etag_of=person), 422, str(body))
    person.refresh_from_db()
    assert list(person.shared_with.values_list("username", flat=True)) == ["outsider"]
    assert world.req("outsider", "GET", f"/api/v1/people/{person.pk}").status_code == 200
