"""利用停止: a suspended person leaves exports (UI, CLI) with the count reported, shows a badge, and comes back
on resume; both audited and logged."""

import io

from django.core.management import call_command

from kizuna.contacts.exports import export
from kizuna.core.models import AuditEvent
from kizuna.privacy.models import PrivacyRequest

from .conftest import client_for


def test_suspended_people_are_left_out_of_exports(cast, api, world):
    response = api(cast.admin).post(f"/api/v1/people/{world.tanaka.pk}/suspend", {"reason": "本人から電話で依頼"})
    assert response.status_code == 200 and response.json()["suspended"] is True
    for fmt in ("csv", "xlsx", "vcf"):
        result = export(actor=cast.owner, kind="person", fmt=fmt)
        assert result.rows == 1 and result.left_out == 1
    csv_text = export(actor=cast.owner, kind="person").content.decode("utf-8-sig")
    assert "鈴木" in csv_text and "田中" not in csv_text
    event = AuditEvent.objects.filter(action="export").order_by("-id").first()
    assert event.changes["left_out"] == [None, {"suspended": 1}]
    page = client_for(cast.owner).get("/people/").content.decode()
    assert "利用停止中の人は書き出しに含まれません" in page
    download = client_for(cast.owner).get("/export/person/?format=csv")
    assert "田中" not in download.content.decode("utf-8-sig")


def test_cli_export_says_how_many_were_left_out(cast, world, tmp_path):
    from kizuna.privacy import services

    services.suspend(actor=cast.admin, person=world.tanaka, reason="")
    err = io.StringIO()
    call_command("export", "people", "-o", str(tmp_path / "p.csv"), "--user", "admin", stderr=err)
    assert "利用停止中の 1 件" in err.getvalue()
    assert "田中" not in (tmp_path / "p.csv").read_text(encoding="utf-8-sig")


def test_badge_on_the_person_page_and_resume(cast, api, world):
    client = client_for(cast.owner)
    assert "利用停止中" not in client.get(f"/people/{world.tanaka.pk}/").content.decode()
    admin = client_for(cast.admin)
    assert admin.post(f"/privacy/people/{world.tanaka.pk}/suspend/", {"reason": "DM 停止の依頼"}).status_code == 302
    page = client.get(f"/people/{world.tanaka.pk}/").content.decode()
    assert "利用停止中" in page and "プライバシー" in page
    again = api(cast.admin).post(f"/api/v1/people/{world.tanaka.pk}/suspend", {})
    assert again.status_code == 422 and "すでに利用停止中" in again.json()["error"]["message"]
    resumed = api(cast.admin).post(f"/api/v1/people/{world.tanaka.pk}/resume", {"reason": "本人の同意を再取得"})
    assert resumed.status_code == 200 and resumed.json()["suspended"] is False
    assert "利用停止中" not in client.get(f"/people/{world.tanaka.pk}/").content.decode()
    assert export(actor=cast.owner, kind="person").rows == 2
    actions = list(
        AuditEvent.objects.for_object(world.tanaka)
        .filter(action__in=["privacy.suspend", "privacy.resume"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["privacy.suspend", "privacy.resume"]
    kinds = list(PrivacyRequest.objects.filter(person=world.tanaka).order_by("id").values_list("kind", flat=True))
    assert kinds == ["suspension", "resumption"]


def test_only_admins_suspend(cast, api, world):
    for user in (cast.manager, cast.owner, cast.readonly):
        assert api(user).post(f"/api/v1/people/{world.tanaka.pk}/suspend", {}).status_code == 403
    assert api(cast.outsider).post(f"/api/v1/people/{world.tanaka.pk}/suspend", {}).status_code == 403  # public
    assert not AuditEvent.objects.filter(action="privacy.suspend").exists()
    assert export(actor=cast.owner, kind="person").left_out == 0
