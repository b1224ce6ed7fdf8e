"""開示・消去 reach the notices about a person; the bell, the list and the calendar have query budgets."""

from datetime import date

from django.test import Client

from kizuna.contacts import services as contacts
from kizuna.core.notices import Notice, notify
from kizuna.notifications.models import Notification
from kizuna.privacy import services as privacy
from kizuna.timeline import services as timeline
from tests.factories import person


def test_disclosure_lists_and_erasure_removes_notices_about_a_person(cast):
    tanaka = person(cast.owner, visibility="public")
    contacts.update_person(actor=cast.manager, person=tanaka, data={"owner": cast.teammate.pk})
    notify([cast.teammate], Notice(kind="assignment", title="田中 太郎さんの担当になりました", obj=tanaka))
    notify([cast.manager], Notice(kind="rule", title="田中 太郎さんに連絡してください"))  # names them, no link
    data = privacy.disclose(actor=cast.admin, person=tanaka, record=False)
    assert [row["件名"] for row in data["notifications"]] == ["田中 太郎さんの担当になりました"]
    counts = privacy.erase(actor=cast.admin, person=tanaka, confirm=tanaka.pk)
    assert counts["notifications"] == 1 and not Notification.objects.filter(user=cast.teammate).exists()
    assert "田中" not in Notification.objects.get(user=cast.manager).title


def test_query_budgets(cast, django_assert_max_num_queries):
    for i in range(30):
        notify([cast.owner], Notice(kind="mention", title=f"通知{i}", actor=cast.teammate))
        timeline.create_follow_up(actor=cast.owner, data={"title": f"宿題{i}", "due_date": date(2026, 12, 1 + i % 28)})
    client = Client()
    client.force_login(cast.owner)
    from tests.conftest import ApiClient

    api = ApiClient(cast.owner)
    for path, budget in (("/notifications/bell/", 8), ("/notifications/", 10), ("/calendar/?date=2026-12-01", 12),
                         ("/calendar/?date=2026-12-01&scope=team", 12)):  # fmt: skip
        with django_assert_max_num_queries(budget):
            assert client.get(path).status_code == 200
    with django_assert_max_num_queries(12):  # the token's first use is recorded and audited (PostgreSQL: savepoints)
        assert len(api.get("/api/v1/notifications?limit=100").json()["items"]) == 30
