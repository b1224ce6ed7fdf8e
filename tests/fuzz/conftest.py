"""Fixtures for the fuzz tests: a small seeded CRM so generated path ids sometimes hit real rows.

The CRM is seeded once per test module inside a transaction that is rolled back at the module's end; each test runs
in a savepoint inside it (as Django's TestCase.setUpTestData does), so the hundreds of fuzzed operations share one
seeding instead of paying for it each.
"""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from kizuna.accounts.models import Role
from tests.conftest import ApiClient, made_once, make_cast

API = "/api/v1"
PEOPLE = [("田中", "一郎", "ichiro"), ("髙橋", "花子", "hanako"), ("佐藤", "次郎", "jiro")]


@pytest.fixture(scope="module")
def _seeded_module(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")  # uploaded import files and attachments stay in the module's folder
    files = override_settings(DATA_DIR=folder, MEDIA_ROOT=folder / "uploads")
    with made_once(django_db_blocker), files, pytest.MonkeyPatch.context() as monkeypatch:
        yield _seed(make_cast(), monkeypatch)


@pytest.fixture
def seeded(_seeded_module, db):
    """A member's and an admin's token plus the ids of a few companies, people, activities, insights, tasks, an
    import job, roles and users; what a test writes is rolled back to this after it."""
    return _seeded_module


def _seed(cast, monkeypatch) -> SimpleNamespace:
    client = ApiClient(cast.owner)

    def post(path, data) -> dict:
        response = client.post(f"{API}/{path}", data)
        assert response.status_code in (200, 201), response.content
        return response.json()

    companies = [
        post("companies", {"name": name, "phone": "03-1234-5678", "postcode": "100-0001"})["id"]
        for name in ("株式会社山田製作所", "㈱髙橋商事", "ﾔﾏﾀﾞ工業有限会社")
    ]
    people = []
    for (family, given, mail), company in zip(PEOPLE, companies, strict=True):
        data = {"family_name": family, "given_name": given, "company": company,
                "phones": [{"value": "090-1111-2222"}], "emails": [{"value": f"{mail}@example.jp"}]}  # fmt: skip
        people.append(post("people", data)["id"])
    captured = post("capture", {"text": "@田中 #山田製作所 納期より仕様に厳しい。来週見積 !来週金曜", "preview": False})
    visit = post("activities", {"kind": "visit", "body": "工場見学", "people": people[:2]})
    insight = post("insights", {"statement": "現場は工場長が決める", "person": people[0]})
    task = post("tasks", {"title": "見積を送る", "person": people[1]})
    employment = post(f"people/{people[2]}/employments", {"company": companies[0], "title": "課長"})
    site = post(f"companies/{companies[0]}/sites", {"name": "大阪営業所"})
    relationship = post("relationships", {"from_person": people[0], "to_person": people[1], "kind": "boss"})
    upload = SimpleUploadedFile("list.csv", "氏名,携帯\r\n髙橋 一郎,090-1111-2222\r\n".encode("cp932"))
    response = client.client.post(f"{API}/imports", {"file": upload, "kind": "person"}, headers=client.headers)
    assert response.status_code == 201, response.content
    admin = ApiClient(cast.admin, scopes=("read", "write", "admin"))
    rule = admin.post(f"{API}/automation/rules", {"name": "顧客化", "trigger": "person.updated", "actions": [
        {"action": "record.add_tag", "params": {"tag": "VIP"}}]}).json()  # fmt: skip
    hook, delivery = _webhook(cast, monkeypatch)
    field = admin.post(
        f"{API}/custom-fields",
        {
            "object_type": "person",
            "key": "rank",
            "type": "choice",
            "label_ja": "ランク",
            "choices": ["A", "B"],
            "filterable": True,
        },
    )
    assert field.status_code == 201, field.content
    return SimpleNamespace(
        token=client.headers["Authorization"],
        admin_token=admin.headers["Authorization"],
        ids={
            "company_id": companies,
            "person_id": people,
            "activity_id": [captured["activity"]["id"], visit["id"]],
            "insight_id": [captured["insight_id"], insight["id"]],
            "task_id": [captured["task_id"], task["id"]],
            "employment_id": [employment["id"]],
            "site_id": [site["id"]],
            "relationship_id": [relationship["id"]],
            "record_id": people + companies,
            "job_id": [response.json()["id"]],
            "kind": ["people", "companies", "activities", "insights", "tasks"],
            "key": list(Role.objects.values_list("key", flat=True)),
            "user_id": [cast.teammate.pk, cast.readonly.pk, cast.outsider.pk],
            "rule_id": [rule["id"]],
            "subscription_id": [hook.pk],
            "delivery_id": [delivery.pk],
            "field_id": [field.json()["id"]],
        },
    )


def _webhook(cast, monkeypatch):
    """A subscription with one delivery; fuzzed URLs are never looked up in DNS (nor sent: no worker runs)."""
    from kizuna.core import events
    from kizuna.core.models import OutboxEvent
    from kizuna.webhooks import services as webhooks
    from kizuna.webhooks import ssrf

    def no_dns(host, port):
        raise OSError("no DNS lookups in the fuzz")

    monkeypatch.setattr(ssrf, "resolve", no_dns)
    hook, _ = webhooks.create_subscription(actor=cast.admin, data={
        "name": "連携", "url": "https://93.184.215.14/hook", "event_types": ["person.created"]})  # fmt: skip
    events.relay()
    webhooks.handle_event(OutboxEvent.objects.filter(type="person.created").first())
    return hook, hook.deliveries.get()
