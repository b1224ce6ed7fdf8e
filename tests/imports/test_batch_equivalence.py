"""The batch path of a run gives the same results as sending every row through the contacts services one at a
time: the same people, companies, careers, contact points, tags, unparsed values, duplicate queue, search index
and JSON summary, for a file with variants of its own rows, updates of existing people, rows repeated in the
file, errors and masked cells; and a revert of either leaves the same database."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from kizuna.contacts.models import Company, ContactPoint, DuplicateGroup, Employment, Person
from kizuna.core import audit
from kizuna.core.models import AuditEvent, SearchDocument
from kizuna.imports import services
from kizuna.imports.models import ImportRow
from tests import factories

HEADER = "顧客ID,氏名,フリガナ,会社名,部署,役職,電話番号,携帯電話,メールアドレス,郵便番号,住所,タグ,備考\r\n"
NAMES = [
    ("高橋", "一郎", "タカハシ", "イチロウ"), ("山崎", "花子", "ヤマザキ", "ハナコ"),
    ("斉藤", "健", "サイトウ", "ケン"), ("渡辺", "美咲", "ワタナベ", "ミサキ"),
    ("佐藤", "次郎", "サトウ", "ジロウ"), ("鈴木", "誠", "スズキ", "マコト"),
]  # fmt: skip
COMPANIES = ["株式会社山田製作所", "鈴木工業株式会社", "有限会社高島精機", "合同会社広瀬化成"]


def _rows() -> list[str]:
    rows = []
    for i in range(36):
        family, given, fk, gk = NAMES[i % len(NAMES)]
        given = f"{given}{'一二三四五六'[i // len(NAMES)]}"
        company = COMPANIES[i % len(COMPANIES)]
        tags = "展示会、重要顧客" if i % 7 == 0 else ""
        rows.append(f"C-{i:03d},{family} {given},{fk} {gk},{company},購買部,課長,03-{3000 + i}-1111,"
                    f"090-{4000 + i}-2222,p{i}@example.jp,100-0001,東京都千代田区千代田1-{i},{tags},\r\n")  # fmt: skip
    variants = [  # the same people again under another id, as another system writes them
        "V-001,髙橋 一郎一,ﾀｶﾊｼ ｲﾁﾛｳ,㈱山田製作所,購買部,課長,０３３０００１１１１,090 4000 2222,,,,,\r\n",
        "V-002,山﨑 花子一,やまざき はなこ,鈴木工業(株),,,(03)3001-1111,,p1@example.jp,,,,\r\n",
        "V-003,齋藤　健一,サイトウ ケン,有限会社高嶋精機,,,,０９０－４００２－２２２２,,100-0001,,,\r\n",
        "V-004,渡邊 美咲一,ワタナベ ミサキ,広瀬化成合同会社,,,03-3003-1111,,,,,,\r\n",
    ]
    updates = [  # the file's own earlier rows again (same id), and people already in the database
        "C-002,斉藤 健一,サイトウ ケン,有限会社高島精機,品質保証部,部長,,080-1234-5678,,,,展示会,展示会で再会\r\n",
        "C-030,渡辺 美咲六,ワタナベ ミサキ,合同会社広瀬化成,購買部,課長,,,p30@example.jp,,,,二回目\r\n",
        "E-001,既存 太郎,キソン タロウ,株式会社山田製作所,資材部,部長,,090-9999-0001,kison@example.jp,,,,\r\n",
        "E-002,既存 花子,キソン ハナコ,新興産業株式会社,,,,,hanako@example.jp,,,重要顧客,転職\r\n",
    ]
    odd = [
        "X-001,,ナマエナシ,株式会社山田製作所,,,,,,,,,\r\n",  # no name: an error, skipped
        "X-002,郵便 誤り,,,,,,,x2@example.jp,12-34,,,\r\n",  # a bad postcode: kept in the notes
        "X-003,宛先 不明,,,,,abc,,u@@example,,,,\r\n",  # no number, no address: kept as entered (要確認)
        "X-004,伏字 太郎,,,,,,090-****-1234,x4@example.jp,,,,\r\n",  # a masked cell of an export: no data
        "X-005,新規 太郎,シンキ タロウ,株式会社新規,,,,,x5@example.jp,,,,\r\n",
        "X-005,新規 太郎,シンキ タロウ,株式会社新規,営業部,,,,x5@example.jp,,,,同じバッチで二回目\r\n",
    ]
    return rows[:20] + variants[:2] + updates[:2] + rows[20:] + odd + variants[2:] + updates[2:]


def _snapshot() -> dict:
    key = {p.pk: p.external_id or f"{p.family_name}{p.given_name}" for p in Person.objects.all()}
    companies = {c.pk: f"{c.name}#{c.deleted_at is None}" for c in Company.objects.all()}
    people = {}
    for p in Person.objects.prefetch_related("tags", "contact_points", "employments"):
        people[key[p.pk]] = {
            "values": [getattr(p, f) for f in ("family_name", "given_name", "family_name_kana", "given_name_kana",
                                                "name_search", "kana_search", "birthday", "postcode", "prefecture",
                                                "city", "street", "notes", "lifecycle_stage", "visibility",
                                                "owner_id", "team_id", "created_by_id", "updated_by_id")],
            "alive": p.deleted_at is None,
            "company": companies.get(p.company_id),
            "unparsed": p.unparsed_values,
            "tags": sorted(t.name for t in p.tags.all()),
            "points": sorted((c.kind, c.label, c.value, c.normalized, c.e164, c.extension, c.needs_review,
                              c.review_reason, c.punycode, c.position) for c in p.contact_points.all()),
            "careers": sorted((companies[e.company_id], e.department, e.title, e.is_primary, str(e.start_date),
                               str(e.end_date), e.deleted_at is None) for e in p.employments.all()),
        }  # fmt: skip
    company_rows = sorted(
        (c.name, c.name_key, c.legal_form, c.name_kana, c.corporate_number, c.website, c.visibility, c.owner_id,
         c.deleted_at is None)
        for c in Company.objects.all()
    )  # fmt: skip
    groups = sorted((sorted(key[i] for i in g.member_ids), g.score, sorted(g.reasons), g.status)
                    for g in DuplicateGroup.objects.all())  # fmt: skip
    names = {"person": key, "person.sensitive": key, "company": companies}
    index = sorted((d.object_type, names[d.object_type][d.object_id], d.text, " ".join(sorted(d.tokens.split())))
                   for d in SearchDocument.objects.all())  # fmt: skip
    history = sorted(  # what each record's history page reads (ids of related rows aside)
        (e.action, e.object_type, (key if e.object_type == "contacts.person" else companies).get(int(e.object_id or 0)),
         re.sub(r"#\d+", "#", json.dumps(e.changes, ensure_ascii=False, sort_keys=True)), e.actor_id, e.object_label)
        for e in AuditEvent.objects.filter(object_type__in=["contacts.person", "contacts.company"])
    )  # fmt: skip
    return {"people": people, "companies": company_rows, "groups": groups, "index": index, "history": history,
            "employments": Employment.objects.count(), "points": ContactPoint.objects.count()}  # fmt: skip


def _outcome(cast, bulk: bool) -> tuple[dict, dict, list, dict]:
    """Import the file by one path inside a savepoint, take what it left, revert, take that too, roll back."""
    point = transaction.savepoint_create()
    factories.person(cast.owner, "既存", "太郎", external_id="E-001", family_name_kana="キソン",
                     given_name_kana="タロウ", notes="元のメモ", phones=["03-5555-0001"])  # fmt: skip
    factories.person(cast.owner, "既存", "花子", external_id="E-002", family_name_kana="キソン",
                     given_name_kana="ハナコ", company=factories.company(cast.owner, "株式会社既存商事").pk,
                     title="主任")  # fmt: skip
    factories.person(cast.owner, "高橋", "一郎二", phones=["090-4000-2222"])  # an existing duplicate of a row
    data = (HEADER + "".join(_rows())).encode("cp932")
    job = services.upload(actor=cast.owner, file=SimpleUploadedFile("比較.csv", data), filename="比較.csv")
    summary = services.run(job.pk, bulk=bulk)
    assert audit.verify_chain() == []  # rows written many at a time keep the chain
    result = summary.as_json() | {"duplicates": summary.duplicates}
    after = _snapshot()
    rows = sorted((r.row_number, r.action, r.record_kind, sorted(r.before)) for r in ImportRow.objects.all())
    job.refresh_from_db()
    services.revert(actor=cast.owner, job=job)
    reverted = _snapshot()
    transaction.savepoint_rollback(point)
    return result, after, rows, reverted


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(services.common, "BATCH", 10)  # rows repeat and vary across batches and within one


def test_the_batch_path_and_the_row_by_row_path_give_the_same_import(cast, small_batches):
    one_by_one = _outcome(cast, bulk=False)
    batched = _outcome(cast, bulk=True)
    summary, after, rows, reverted = one_by_one
    assert summary["created"] > 30 and summary["updated"] >= 4 and summary["errors"] and summary["duplicates"] >= 3
    assert summary["notices"]  # the masked column
    assert after["groups"] and any(p["unparsed"] for p in after["people"].values())
    assert batched[0] == summary
    for name in ("people", "companies", "groups", "index", "history", "employments", "points"):
        assert batched[1][name] == after[name], name
    assert batched[2] == rows
    assert batched[3] == reverted
