"""Finding duplicates in the database, the warning before saving, merge, undo and 'not a duplicate'."""

import io
import json

import pytest
from django.core.management import call_command

from kizuna.contacts import services
from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.dedup.linkage import reason_label
from kizuna.contacts.models import ContactPoint, DuplicateGroup, Employment, Merge, Person
from kizuna.contacts.services import merge as merging
from kizuna.core.exceptions import Conflict, PermissionDenied
from kizuna.core.models import AuditEvent
from kizuna.core.search import matching_ids
from tests import factories


@pytest.fixture
def yamada(cast):
    return factories.company(cast.owner, "株式会社山田製作所", phone="03-1234-5678")


@pytest.fixture
def twins(cast, yamada):
    """The same 髙橋 entered twice: once from a card, once by phone; plus a namesake at another company."""
    a = factories.person(cast.owner, "髙橋", "一郎", family_name_kana="タカハシ", given_name_kana="イチロウ",
                         company=yamada.pk, department="購買部", phones=["090-1234-5678"],
                         tags=["キーマン"])  # fmt: skip
    b = factories.person(cast.owner, "高橋", "一郎", family_name_kana="ﾀｶﾊｼ", given_name_kana="ｲﾁﾛｳ",
                         emails=["ichiro.takahashi@example.jp"], phones=["09012345678"], tags=["ゴルフ"],
                         external_id="CRM-0042", birthday="1975/5/5")  # fmt: skip
    other = factories.company(cast.owner, "鈴木工業株式会社")
    namesake = factories.person(cast.owner, "高橋", "一郎", company=other.pk, phones=["080-9999-0000"])
    return a, b, namesake


def test_scan_finds_the_pair_and_not_the_namesake(twins):
    a, b, _namesake = twins
    clusters, _ = dedup.run_scan(dedup.PERSON)
    assert [[m.id for m in c.members] for c in clusters] == [[a.pk, b.pk]]
    assert "同じ携帯電話" in map(reason_label, clusters[0].reasons)
    group = DuplicateGroup.objects.get()
    assert group.member_ids == [a.pk, b.pk] and group.status == "open"


def test_dedup_command_prints_the_contract_json(twins):
    a, b, _ = twins
    out = io.StringIO()
    call_command("dedup", "--type", "person", "--json", "--min-score", "0.9", stdout=out)
    payload = json.loads(out.getvalue())
    (cluster,) = payload["clusters"]
    assert set(cluster) == {"score", "reasons", "evidence", "members"}  # evidence: each reason with its weight
    assert [m["id"] for m in cluster["members"]] == [a.pk, b.pk]
    assert cluster["members"][1] == {"id": b.pk, "external_id": "CRM-0042", "label": "高橋 一郎"}


def test_merge_moves_everything_and_undo_puts_it_back(cast, twins, yamada):
    a, b, _ = twins
    before = {
        "points": sorted(ContactPoint.objects.values_list("pk", "person_id")),
        "jobs": sorted(Employment.objects.values_list("pk", "person_id")),
    }
    merge = merging.merge_records(
        actor=cast.owner, kind="person", survivor=a, others=[b], choices={"external_id": b.pk, "birthday": b.pk}
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.deleted_at is not None
    assert a.external_id == "CRM-0042" and str(a.birthday) == "1975-05-05"
    values = sorted(a.contact_points.values_list("normalized", flat=True))
    assert values == ["09012345678", "ichiro.takahashi@example.jp"]  # the shared mobile is kept once
    assert sorted(a.tags.values_list("name", flat=True)) == ["キーマン", "ゴルフ"]
    assert a.company == yamada
    assert AuditEvent.objects.filter(action="merge", object_id=str(a.pk), actor=cast.owner).exists()
    assert b.pk not in {row["object_id"] for row in matching_ids("person", "高橋")}
    assert merging.history_ids("person", a.pk) == [a.pk, b.pk]

    merging.undo_merge(actor=cast.owner, merge=merge)
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.deleted_at is None and b.external_id == "CRM-0042" and a.external_id == ""
    assert a.birthday is None
    assert sorted(a.tags.values_list("name", flat=True)) == ["キーマン"]
    assert sorted(ContactPoint.objects.values_list("pk", "person_id")) == before["points"]
    assert sorted(Employment.objects.values_list("pk", "person_id")) == before["jobs"]
    assert Merge.objects.get().undone_by == cast.owner
    assert {row["object_id"] for row in matching_ids("person", "高橋")} >= {a.pk, b.pk}
    with pytest.raises(Conflict):
        merging.undo_merge(actor=cast.owner, merge=Merge.objects.get())


def test_undo_is_refused_after_the_survivor_changed(cast, twins):
    a, b, _ = twins
    merge = merging.merge_records(actor=cast.owner, kind="person", survivor=a, others=[b])
    a.refresh_from_db()
    services.update_person(actor=cast.owner, person=a, data={"notes": "統合後のメモ"})
    with pytest.raises(Conflict, match="取り消せません"):
        merging.undo_merge(actor=cast.owner, merge=merge)


def test_company_merge_moves_people_sites_and_careers(cast, yamada):
    twin = factories.company(cast.owner, "山田製作所(株)", phone="0312345678")
    services.add_site(actor=cast.owner, company=twin, data={"name": "大阪営業所", "kind": "sales_office"})
    person = factories.person(cast.owner, "佐藤", "花子", company=twin.pk)
    clusters, _ = dedup.scan(dedup.COMPANY)
    assert [[m.id for m in c.members] for c in clusters] == [[yamada.pk, twin.pk]]
    merge = merging.merge_records(actor=cast.owner, kind="company", survivor=yamada, others=[twin])
    person.refresh_from_db()
    assert person.company_id == yamada.pk
    assert list(yamada.sites.values_list("name", flat=True)) == ["大阪営業所"]
    merging.undo_merge(actor=cast.owner, merge=merge)
    person.refresh_from_db()
    assert person.company_id == twin.pk and twin.sites.count() == 1


def test_not_a_duplicate_is_remembered(cast, twins):
    a, b, _ = twins
    dedup.run_scan(dedup.PERSON)
    merging.dismiss(actor=cast.owner, kind="person", objects=[a, b])
    assert DuplicateGroup.objects.get().status == "dismissed"
    clusters, _ = dedup.run_scan(dedup.PERSON)
    assert clusters == []
    warning = dedup.probable_duplicates(cast.owner, "person", {"family_name": "高橋", "phones": ["090-1234-5678"]},
                                        exclude_id=a.pk)  # fmt: skip
    assert warning == []


def test_merge_needs_write_access_to_every_record(cast, twins):
    a, b, _ = twins
    with pytest.raises(PermissionDenied):
        merging.merge_records(actor=cast.readonly, kind="person", survivor=a, others=[b])
    assert Person.objects.alive().count() == 3


def test_warning_only_shows_records_the_user_can_see(cast, twins):
    data = {"family_name": "高橋", "given_name": "一郎", "phones": ["090-1234-5678"]}
    assert len(dedup.probable_duplicates(cast.owner, "person", data)) == 2
    assert dedup.probable_duplicates(cast.outsider, "person", data) == []


def test_merge_and_undo_carry_the_timeline(cast, twins, yamada):
    from kizuna.timeline import services as timeline
    from kizuna.timeline.models import Activity, FollowUp, Insight, Relationship

    a, b, namesake = twins
    both = timeline.create_activity(actor=cast.owner, data={"body": "二人とも同席", "people": [a, b]})
    only_b = timeline.create_activity(actor=cast.owner, data={"body": "Bだけ", "people": [b], "heard_from": b.pk})
    insight = timeline.create_insight(actor=cast.owner, data={"person": b.pk, "statement": "ゴルフ好き"})
    task = timeline.create_follow_up(actor=cast.owner, data={"title": "お礼状", "person": b.pk})
    rel = timeline.create_relationship(actor=cast.owner, data={"from_person": namesake.pk, "to_person": b.pk,
                                                               "kind": "former_colleague"})  # fmt: skip
    through = Activity.people.through
    before = sorted(through.objects.values_list("pk", "activity_id", "person_id"))

    merge = merging.merge_records(actor=cast.owner, kind="person", survivor=a, others=[b])
    assert set(Activity.objects.filter(people=a)) == {both, only_b}
    assert Activity.objects.get(pk=only_b.pk).heard_from_id == a.pk
    assert Insight.objects.get(pk=insight.pk).person_id == a.pk and FollowUp.objects.get(pk=task.pk).person_id == a.pk
    assert Relationship.objects.get(pk=rel.pk).to_person_id == a.pk

    merging.undo_merge(actor=cast.owner, merge=merge)
    assert sorted(through.objects.values_list("pk", "activity_id", "person_id")) == before
    assert Activity.objects.get(pk=only_b.pk).heard_from_id == b.pk
    assert Insight.objects.get(pk=insight.pk).person_id == b.pk
    assert Relationship.objects.get(pk=rel.pk).to_person_id == b.pk


def test_merge_keeps_one_career_per_post_and_one_primary(cast, twins, yamada):
    a, b, _ = twins
    other = factories.company(cast.owner, "鈴木工業株式会社")
    same = services.add_employment(actor=cast.owner, person=b, data={"company": yamada, "department": "購買部"})
    moved = services.add_employment(actor=cast.owner, person=b, data={"company": other, "title": "顧問"})
    merge = merging.merge_records(actor=cast.owner, kind="person", survivor=a, others=[b])
    a.refresh_from_db()
    jobs = list(a.employments.alive().order_by("pk").values_list("company__name", "department", "is_primary"))
    assert jobs == [("株式会社山田製作所", "購買部", True), ("鈴木工業株式会社", "", False)]
    assert a.company == yamada
    merging.undo_merge(actor=cast.owner, merge=merge)
    assert Employment.objects.get(pk=same.pk).person_id == b.pk
    assert Employment.objects.get(pk=moved.pk).is_primary and Employment.objects.get(pk=moved.pk).person_id == b.pk
