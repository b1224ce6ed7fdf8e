"""開示: the JSON and the PDF hold everything we keep about the person; logged, audited, admins only."""

import json
import shutil
import subprocess

import pytest
from django.test import Client

from kizuna.core.models import AuditEvent
from kizuna.privacy.models import PrivacyRequest

from .conftest import client_for


def test_disclosure_json_holds_everything_we_keep(cast, api, world):
    response = api(cast.admin).post(f"/api/v1/people/{world.tanaka.pk}/disclosure")
    assert response.status_code == 200
    data = response.json()
    assert data["person"]["family_name"] == "田中" and data["person"]["birthday"] == "1980-04-01"
    assert data["person"]["notes"] == "ゴルフ好き。娘さんが受験生。" and data["person"]["street"] == "千代田1-1"
    assert {c["value"] for c in data["contact_points"]} == {"taro.tanaka@example.jp", "090-1234-5678"}
    assert data["careers"][0]["company"] == "株式会社山田製作所" and data["careers"][0]["title"] == "課長"
    assert data["tags"] == ["キーマン"]
    visit = next(a for a in data["activities"] if a["id"] == world.visit.pk)
    assert "仕様に厳しい" in visit["body"] and visit["companies"] == ["株式会社山田製作所"]
    assert world.call.pk not in [a["id"] for a in data["activities"]]  # about 鈴木 only
    assert data["insights"][0]["statement"] == "仕様には厳しいが納期には寛容"
    assert data["follow_ups"][0]["title"] == "田中 太郎 様に見積を送る"
    assert data["relationships"][0]["kind"] == "上司"
    assert data["attachments"][0]["name"] == "名刺.png"
    assert data["privacy"]["purposes"] == ["営業活動", "サポート"] and data["privacy"]["consent_source"] == "名刺交換"
    provision = data["third_party_provisions"][0]
    assert provision["recipient_name"] == "株式会社配送センター" and provision["items"] == [
        "氏名",
        "会社名",
        "電話番号",
    ]
    assert provision["provided_on"] == "2024-06-01" and provision["basis"] == "委託"
    assert any(e["action"] == "create" for e in data["history"])
    assert any(e["action"] == "privacy.provision" for e in data["history"])
    # logged as a request and audited
    assert PrivacyRequest.objects.filter(person=world.tanaka, kind="disclosure", handled_by=cast.admin).exists()
    event = AuditEvent.objects.for_object(world.tanaka).filter(action="privacy.disclose").get()
    assert event.changes["format"] == [None, "json"] and event.actor == cast.admin


def test_disclosure_download_from_the_page_is_json(cast, world):
    response = client_for(cast.admin).post(f"/privacy/people/{world.tanaka.pk}/disclosure/", {"format": "json"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["person"]["given_name"] == "太郎"
    assert PrivacyRequest.objects.filter(person=world.tanaka, kind="disclosure").count() == 1


def test_a_get_never_logs_a_disclosure(cast, api, world):
    """A link or an image tag cannot forge an APPI disclosure: the page answers GET with 405, and the API's GET is
    a look at what a disclosure holds (audited as a read) that logs no request."""
    page = client_for(cast.admin)
    assert page.get(f"/privacy/people/{world.tanaka.pk}/disclosure/?format=json").status_code == 405
    assert page.get(f"/privacy/people/{world.tanaka.pk}/disclosure/?format=pdf").status_code == 405
    looked = api(cast.admin).get(f"/api/v1/people/{world.tanaka.pk}/disclosure")
    assert looked.status_code == 200 and looked.json()["person"]["family_name"] == "田中"
    assert not PrivacyRequest.objects.filter(person=world.tanaka, kind="disclosure").exists()
    assert not AuditEvent.objects.filter(action="privacy.disclose").exists()
    assert AuditEvent.objects.for_object(world.tanaka).filter(action="privacy.disclosure.view").count() == 1
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(cast.admin)
    assert csrf.post(f"/privacy/people/{world.tanaka.pk}/disclosure/", {"format": "json"}).status_code == 403


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils installs with `make test`")
def test_disclosure_pdf_is_readable_and_complete(cast, world, tmp_path):
    response = client_for(cast.admin).post(f"/privacy/people/{world.tanaka.pk}/disclosure/", {"format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "disclosure.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in (
        "保有個人データの開示",
        "田中 太郎",
        "090-1234-5678",
        "taro.tanaka@example.jp",
        "株式会社山田製作所",
        "仕様に厳しい",
        "株式会社配送センター",
        "カタログ発送の委託",
        "名刺.png",
        "キーマン",
    ):
        assert expected in text, expected
    assert (
        AuditEvent.objects.for_object(world.tanaka)
        .filter(action="privacy.disclose", changes__format=[None, "pdf"])
        .exists()
    )
    api_pdf = client_for(cast.admin).post(f"/api/v1/people/{world.tanaka.pk}/disclosure.pdf")
    assert api_pdf.status_code == 200 and api_pdf.content.startswith(b"%PDF")


def test_only_admins_disclose_and_hidden_people_are_unknown(cast, api, world):
    private = world.suzuki
    from kizuna.contacts import services

    services.update_person(actor=cast.owner, person=private, data={"visibility": "private"})
    assert api(cast.manager).get(f"/api/v1/people/{world.tanaka.pk}/disclosure").status_code == 403
    assert api(cast.owner).get(f"/api/v1/people/{world.tanaka.pk}/disclosure").status_code == 403
    assert api(cast.readonly).get(f"/api/v1/people/{world.tanaka.pk}/disclosure").status_code == 403
    assert api(cast.outsider).get(f"/api/v1/people/{private.pk}/disclosure").status_code == 404
    assert api(None).get(f"/api/v1/people/{world.tanaka.pk}/disclosure").status_code == 401
    assert api(cast.manager).post(f"/api/v1/people/{world.tanaka.pk}/disclosure").status_code == 403
    assert not AuditEvent.objects.filter(action="privacy.disclose").exists()
    assert client_for(cast.manager).post(f"/privacy/people/{world.tanaka.pk}/disclosure/").status_code == 403


def test_disclosure_lists_the_values_kept_unread(cast):
    from kizuna.privacy.services.disclosure import disclosure_data
    from tests import factories

    person = factories.person(cast.admin, "田中", "太郎", phones=[{"value": "電話は秘書経由"}])
    assert disclosure_data(person)["person"]["unparsed_values"] == ["電話は秘書経由"]
