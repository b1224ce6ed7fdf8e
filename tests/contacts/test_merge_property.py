"""Property test of merging people: whatever the records hold, a merge keeps the union of their contact points and
careers without duplicates (one current 主所属, the person's company following it), and undo puts every row of every
related table back exactly as it was.

Each example builds its records inside a savepoint that is rolled back afterwards, so examples do not see each
other's rows while the cast of users (a function-scoped fixture) is shared.
"""

import datetime

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kizuna.contacts import services
from kizuna.contacts.models import ContactPoint, Employment, Merge, Person
from kizuna.contacts.services import merge as merging
from kizuna.core import japanese, sharing
from kizuna.core.models import AuditEvent, OutboxEvent, SearchDocument
from kizuna.timeline import services as timeline
from kizuna.timeline.models import Activity
from kizuna.timeline.services.attachments import add_attachment
from tests import factories

DEPARTMENTS = ["", "購買部", "購買部", "営業部"]  # the second is the first in full width: the same post
TITLES = ["", "課長", "部長"]
STARTS = [None, datetime.date(2019, 4, 1)]
ENDS = [None, datetime.date(2021, 3, 31), datetime.date(2099, 3, 31)]  # current, past, current until 2099
PHONES = ["090-1234-5678", "09012345678", "03-1111-2222", "080-9999-0000"]
EMAILS = ["ichiro@example.jp", "Ichiro@Example.JP", "takahashi@example.co.jp"]
TAGS = ["キーマン", "ゴルフ", "決裁者"]
KINDS = ["boss", "subordinate", "introducer", "former_colleague"]
BYSTANDER = 3  # index of a person who is not merged but is linked to the records


def _post(career) -> tuple:
    company, department, title, start, end, *_flags = career
    return company, japanese.search_text(department), japanese.search_text(title), start, end


CAREER = st.tuples(
    st.integers(0, 1), st.sampled_from(DEPARTMENTS), st.sampled_from(TITLES), st.sampled_from(STARTS),
    st.sampled_from(ENDS), st.booleans(), st.sampled_from([False, False, False, True]), st.booleans(),
)  # company, department, title, start, end, 主所属, deleted, at the company's 大阪営業所  # fmt: skip
RECORD = st.fixed_dictionaries(
    {
        "careers": st.lists(CAREER, max_size=3, unique_by=_post),
        "phones": st.lists(st.sampled_from(PHONES), max_size=2),
        "emails": st.lists(st.sampled_from(EMAILS), max_size=2),
        "tags": st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
        "external_id": st.booleans(),
        "birthday": st.sampled_from([None, "1975/5/5", "1980/1/2"]),
        "notes": st.sampled_from(["", "ゴルフ好き", "仕様に厳しい"]),
        "shared_with": st.lists(st.sampled_from(["teammate", "manager"]), max_size=2, unique=True),
        "shared_with_teams": st.lists(st.sampled_from(["team_a", "team_b"]), max_size=1),
        "sensitive": st.booleans(),
        "insights": st.integers(0, 2),
        "tasks": st.integers(0, 1),
        "attachment": st.booleans(),
    }
)
ACTIVITY = st.tuples(
    st.sets(st.integers(0, BYSTANDER), min_size=1, max_size=3),
    st.one_of(st.none(), st.integers(0, BYSTANDER)),
    st.booleans(),
)  # people at it, heard from, shared with a teammate
LINKS = st.fixed_dictionaries(
    {
        "activities": st.lists(ACTIVITY, max_size=3),
        "relationships": st.lists(
            st.tuples(st.integers(0, BYSTANDER), st.integers(0, BYSTANDER), st.sampled_from(KINDS)), max_size=3
        ),
        "survivor": st.integers(0, 2),
        "choices": st.dictionaries(st.sampled_from(merging.PERSON_FIELDS), st.integers(0, 2), max_size=4),
    }
)
PERSON_BOOKKEEPING = {"version", "updated_at", "updated_by_id"}  # a merge and its undo are two writes


def snapshot() -> dict:
    """Every row of every table of the records and what hangs off them (through tables included), but the audit
    log, the outbox of domain events and the Merge rows; the survivor's and merged records' version stamps are left
    out."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in {"contacts", "timeline", "privacy", "core"} or model in (
            AuditEvent,
            OutboxEvent,
            Merge,
        ):
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        if model is Person:
            fields = [f for f in fields if f not in PERSON_BOOKKEEPING]
        if model is SearchDocument:  # rewritten on reindex: compare what it holds, not its id or its record's
            fields.remove("id")  # updated_at (`stamp`, bookkeeping like PERSON_BOOKKEEPING)
            fields.remove("stamp")
            rows[model._meta.label] = list(model._base_manager.order_by("object_type", "object_id").values(*fields))
            continue
        rows[model._meta.label] = list(model._base_manager.order_by("pk").values(*fields))
    return rows


def _build(cast, records, links):
    companies = [factories.company(cast.owner, "株式会社山田製作所"), factories.company(cast.owner, "鈴木工業株式会社")]
    sites = [services.add_site(actor=cast.owner, company=c, data={"name": "大阪営業所"}) for c in companies]
    users = {"teammate": cast.teammate, "manager": cast.manager}
    teams = {"team_a": cast.team_a, "team_b": cast.team_b}
    people = []
    for i, spec in enumerate(records):
        data = {"phones": spec["phones"], "emails": spec["emails"], "tags": spec["tags"], "notes": spec["notes"]}
        if spec["external_id"]:
            data["external_id"] = f"CRM-{i}"
        if spec["birthday"]:
            data["birthday"] = spec["birthday"]
        person = factories.person(cast.owner, "髙橋" if i % 2 else "高橋", "一郎", **data)
        for company, department, title, start, end, primary, deleted, at_site in spec["careers"]:
            job = services.add_employment(actor=cast.owner, person=person, data={
                "company": companies[company], "department": department, "title": title, "start_date": start,
                "end_date": end, "is_primary": primary, "site": sites[company].pk if at_site else None,
            })  # fmt: skip
            if deleted:
                services.delete_employment(actor=cast.owner, employment=job)
        person.refresh_from_db()
        sharing.set_access(actor=cast.owner, obj=person, data={
            "shared_with": [users[u].pk for u in spec["shared_with"]],
            "shared_with_teams": [teams[t].pk for t in spec["shared_with_teams"]], "sensitive": spec["sensitive"],
        })  # fmt: skip
        for n in range(spec["insights"]):
            timeline.create_insight(actor=cast.owner, data={"person": person.pk, "statement": f"気づき{n}",
                                                            "heard_from": person.pk if n else None})  # fmt: skip
        for n in range(spec["tasks"]):
            timeline.create_follow_up(actor=cast.owner, data={"title": f"お礼状{n}", "person": person.pk})
        if spec["attachment"]:
            card = SimpleUploadedFile("card.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")
            add_attachment(actor=cast.owner, upload=card, person=person)
        people.append(person)
    people.append(factories.person(cast.owner, "佐藤", "花子", company=companies[0].pk))  # the bystander
    people = [Person.objects.get(pk=p.pk) for p in people]
    for members, heard_from, shared in links["activities"]:
        activity = timeline.create_activity(actor=cast.owner, data={
            "body": "打ち合わせ", "people": [people[i % len(people)] for i in sorted(members)],
            "heard_from": people[heard_from % len(people)].pk if heard_from is not None else None,
        })  # fmt: skip
        if shared:
            sharing.set_access(actor=cast.owner, obj=activity, data={"shared_with": [cast.teammate.pk]})
    for a, b, kind in links["relationships"]:
        a, b = people[a % len(people)], people[b % len(people)]
        if a.pk != b.pk:
            timeline.create_relationship(actor=cast.owner, data={"from_person": a.pk, "to_person": b.pk, "kind": kind})
    return [Person.objects.get(pk=p.pk) for p in people[:-1]]


def _alive_careers(pks):
    return list(Employment.objects.alive().filter(person_id__in=pks))


def _key(job):
    return job.company_id, japanese.search_text(job.department), japanese.search_text(job.title), job.start_date, \
        job.end_date  # fmt: skip


def _check_merged(survivor, before_careers, before_points, before_activities):
    today = timezone.localdate()
    survivor.refresh_from_db()
    careers = _alive_careers([survivor.pk])
    keys = [_key(j) for j in careers]
    assert len(keys) == len(set(keys)), "the same 職歴 twice"
    assert set(keys) == {_key(j) for j in before_careers}, "a career was lost"
    with_site = {_key(j) for j in before_careers if j.site_id}
    assert with_site <= {_key(j) for j in careers if j.site_id}, "a career's 拠点 was lost"
    current = [j for j in careers if j.end_date is None or j.end_date >= today]
    primaries = [j for j in current if j.is_primary]
    assert len(primaries) <= 1, "two current 主所属"
    had_primary = any(j.is_primary and (j.end_date is None or j.end_date >= today) for j in before_careers)
    assert len(primaries) == int(had_primary)
    if primaries:
        assert survivor.company_id == primaries[0].company_id
    elif current:
        assert survivor.company_id in {j.company_id for j in current}
    else:
        assert survivor.company_id is None
    points = list(ContactPoint.objects.filter(person=survivor).values_list("kind", "normalized"))
    survivor_before = [key for pk, key in before_points if pk == survivor.pk]
    others_keys = {key for pk, key in before_points if pk != survivor.pk} - set(survivor_before)
    assert sorted(points) == sorted(survivor_before + list(others_keys)), "a number lost or kept twice"
    mine = set(Activity.objects.filter(people=survivor).values_list("pk", flat=True))
    assert mine == before_activities


@hypothesis_settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(records=st.lists(RECORD, min_size=2, max_size=3), links=LINKS)
def test_merge_keeps_the_union_and_undo_restores_every_row(cast, settings, tmp_path, records, links):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "uploads"
    with transaction.atomic():
        people = _build(cast, records, links)
        survivor = people[links["survivor"] % len(people)]
        others = [p for p in people if p.pk != survivor.pk]
        pks = [p.pk for p in people]
        before_careers = _alive_careers(pks)
        before_points = [
            (pk, (kind, value))
            for pk, kind, value in ContactPoint.objects.filter(person_id__in=pks).values_list(
                "person_id", "kind", "normalized"
            )
        ]
        before_activities = set(Activity.objects.filter(people__in=pks).values_list("pk", flat=True))
        before = snapshot()

        choices = {field: people[i % len(people)].pk for field, i in links["choices"].items()}
        merge = merging.merge_records(actor=cast.owner, kind="person", survivor=survivor, others=others,
                                      choices=choices)  # fmt: skip
        _check_merged(survivor, before_careers, before_points, before_activities)

        merging.undo_merge(actor=cast.owner, merge=Merge.objects.get(pk=merge.pk))
        after = snapshot()
        for table in before:
            assert after[table] == before[table], f"{table} differs after undo"
        transaction.set_rollback(True)
