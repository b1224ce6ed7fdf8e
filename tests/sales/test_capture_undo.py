"""Undoing a capture line that created a deal (`#会社 $案件 300万`) removes the deal too, unless it changed since."""

from datetime import date

import pytest
from django.test import Client

from kizuna.core.models import AuditEvent
from kizuna.sales.models import Deal
from kizuna.sales.services import deals as services
from kizuna.timeline import services as timeline
from tests.factories import company

TODAY = date(2026, 12, 7)
API = "/api/v1"


@pytest.fixture
def acme(cast):
    return company(cast.owner, "株式会社山田製作所")


def _capture(user, line="#山田製作所 $検査治具更新 300万 工場長が乗り気"):
    saved = timeline.save_capture(user, line, today=TODAY)
    return saved.activity, Deal.objects.get(pk=saved.marks[0].links[0]["id"])


def test_undo_deletes_the_deal_the_line_created_with_an_audit_row(cast, api, acme):
    activity, deal = _capture(cast.owner)
    response = api(cast.owner).post(f"{API}/capture/{activity.pk}/undo")
    assert response.status_code == 204
    deal.refresh_from_db()
    assert deal.deleted_at is not None and deal.deleted_by == cast.owner
    row = AuditEvent.objects.filter(object_type="sales.deal", object_id=str(deal.pk)).latest("id")
    assert row.action == "delete" and row.actor_name == "owner"
    services.restore_deal(actor=cast.owner, deal=deal)  # a deleted deal can still be brought back
    assert Deal.objects.visible_to(cast.owner).filter(pk=deal.pk).exists()


def test_a_deal_changed_since_stays_and_the_user_is_told(cast, api, acme):
    activity, deal = _capture(cast.owner)
    services.update_deal(actor=cast.owner, deal=deal, data={"next_step": "見積送付"})
    response = api(cast.owner).post(f"{API}/capture/{activity.pk}/undo")
    assert response.status_code == 200
    [notice] = response.json()["kept"]
    assert "検査治具更新" in notice and "残しました" in notice
    deal.refresh_from_db()
    assert deal.deleted_at is None
    activity.refresh_from_db()
    assert activity.deleted_at is not None  # the note itself is undone


def test_a_deal_another_note_was_linked_to_stays(cast, acme):
    first, deal = _capture(cast.owner)
    timeline.save_capture(cast.owner, "#山田製作所 $検査治具更新 仕様の再確認", today=TODAY)
    client = Client()
    client.force_login(cast.owner)
    body = client.post(f"/timeline/capture/{first.pk}/undo/", headers={"HX-Request": "true"}).content.decode()
    assert "取り消しました" in body and "flash-warning" in body and "検査治具更新" in body
    assert Deal.objects.filter(pk=deal.pk, deleted_at__isnull=True).exists()


def test_undoing_a_line_that_only_linked_an_existing_deal_leaves_the_deal(cast, api, acme):
    _first, deal = _capture(cast.owner)
    second, linked = _capture(cast.owner, "#山田製作所 $検査治具更新 値引き要請あり")
    assert linked == deal
    assert api(cast.owner).post(f"{API}/capture/{second.pk}/undo").status_code == 204
    assert Deal.objects.filter(pk=deal.pk, deleted_at__isnull=True).exists()
