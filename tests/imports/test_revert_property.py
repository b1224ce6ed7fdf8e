"""Property test of revert: whatever the database holds and whatever the file says (new people, updates by e-mail
with new phones, posts, メモ and tags, new and known companies, probable duplicates), import then revert leaves
every table a user sees as it was: people, companies, careers, contact points, tags, the search index and the
duplicate queue. Only the audit log remembers both. Runs on SQLite and PostgreSQL like every test.

Each example works inside a savepoint that is rolled back, so examples do not see each other's rows."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Company, ContactPoint, DuplicateGroup, Employment, Person
from kizuna.core.models import SearchDocument
from kizuna.imports import services

NAMES = [("遠藤", "裕太"), ("佐藤", "花子"), ("髙橋", "一郎"), ("鈴木", "恵")]
EMAILS = ["endo@ito-tech.example.jp", "sato@example.jp", "ichiro@example.co.jp", "megumi@example.jp"]
PHONES = ["", "090-1234-5678", "03-1111-2222 内線12", "076-1112-5095", "先方確認中"]
COMPANIES = ["", "伊藤テクノロジー株式会社", "株式会社テスト工業", "㈱テスト工業"]
TITLES = ["", "課長", "部長"]
NOTES = ["", "初回訪問", "展示会で再会"]
TAGS = ["", "キーマン", "キーマン、決裁者"]
BIRTHDAYS = ["", "1980/04/01", "1981/4/1"]

EXISTING = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(PHONES), st.sampled_from(COMPANIES[:2]), st.sampled_from(TITLES),
              st.sampled_from(NOTES), st.sampled_from(BIRTHDAYS), st.sampled_from(TAGS)),
    max_size=3, unique_by=lambda r: r[0],
)  # fmt: skip
ROWS = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(PHONES), st.sampled_from(COMPANIES), st.sampled_from(TITLES),
              st.sampled_from(NOTES), st.sampled_from(BIRTHDAYS), st.sampled_from(TAGS)),
    min_size=1, max_size=5,
)  # fmt: skip


def _visible() -> dict:
    """What users see: live records and what hangs off them, by value (ids of re-created contact points aside)."""
    people = Person.objects.alive()
    return {
        "people": list(
            people.order_by("pk").values(
                "pk",
                "family_name",
                "given_name",
                "birthday",
                "notes",
                "postcode",
                "prefecture",
                "city",
                "street",
                "company_id",
                "unparsed_values",
            )
        ),
        "points": sorted(
            ContactPoint.objects.filter(person__in=people).values_list(
                "person_id",
                "kind",
                "normalized",
                "label",
                "extension",
                "value",
                "needs_review",
            )
        ),
        "careers": sorted(
            Employment.objects.alive()
            .filter(person__in=people)
            .values_list(
                "person_id",
                "company_id",
                "department",
                "title",
                "start_date",
                "end_date",
                "is_primary",
            )
        ),
        "tags": sorted((p.pk, t) for p in people for t in p.tags.values_list("name", flat=True)),
        "companies": list(Company.objects.alive().order_by("pk").values("pk", "name", "name_kana", "website")),
        "search": sorted(SearchDocument.objects.values_list("object_type", "object_id", "text")),
        "duplicates": sorted(DuplicateGroup.objects.filter(status="open").values_list("kind", "member_ids")),
    }


def _existing(actor, records) -> None:
    for who, phone, company, title, notes, birthday, tags in records:
        data = {"family_name": NAMES[who][0], "given_name": NAMES[who][1], "emails": [{"value": EMAILS[who]}],
                "notes": notes, "birthday": birthday.replace("/", "-") if birthday else None,
                "tags": [t for t in tags.split("、") if t]}  # fmt: skip
        if phone:
            data["phones"] = [{"value": phone}]
        if company:
            found = Company.objects.filter(name=company).first()
            found = found or contacts.create_company(actor=actor, data={"name": company})
            data |= {"company": found.pk, "title": title}
        contacts.create_person(actor=actor, data=data)


def _file(rows) -> bytes:
    lines = ["氏名,メールアドレス,電話番号,会社名,役職,メモ,生年月日,タグ"]
    for who, phone, company, title, notes, birthday, tags in rows:
        lines.append(",".join([" ".join(NAMES[who]), EMAILS[who], phone, company, title, notes, birthday,
                               f'"{tags}"']))  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


@hypothesis_settings(max_examples=30, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(existing=EXISTING, rows=ROWS)
def test_import_then_revert_leaves_what_users_see_as_it_was(cast, settings, tmp_path, existing, rows):
    settings.DATA_DIR = tmp_path
    with transaction.atomic():
        _existing(cast.owner, existing)
        before = _visible()
        job = services.upload(actor=cast.owner, file=SimpleUploadedFile("取引先.csv", _file(rows)),
                              filename="取引先.csv", match_on="email")  # fmt: skip
        services.run(job.pk)
        services.revert(actor=cast.owner, job=job)
        after = _visible()
        for table in before:
            assert after[table] == before[table], f"{table} differs after revert"
        transaction.set_rollback(True)
