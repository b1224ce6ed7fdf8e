"""Purpose of use and consent, third-party provisions, correction, the request log: validation that keeps the
input, permissions (outsider 404, readonly 403, manager of the team allowed), every change audited."""

import pytest

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Person
from kizuna.core.models import AuditEvent
from kizuna.privacy.models import PrivacyRecord, PrivacyRequest, ThirdPartyProvision

from .conftest import client_for


def test_purpose_and_consent_through_the_api(cast, api, world):
    url = f"/api/v1/people/{world.suzuki.pk}/privacy"
    empty = api(cast.readonly).get(url)
    assert empty.status_code == 200 and empty.json()["purposes"] == [] and empty.json()["suspended"] is False
    body = {
        "purposes": ["marketing", "sales"],
        "consent_source": "trade_show",
        "consent_date": "2024-10-01",
        "purpose_note": "新製品の案内",
    }
    response = api(cast.manager).request("put", url, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["purposes"] == ["sales", "marketing"] and data["purpose_labels"] == ["営業活動", "マーケティング"]
    assert data["consent_source"] == "trade_show" and data["consent_date"] == "2024-10-01"
    event = AuditEvent.objects.for_object(world.suzuki).filter(action="privacy.consent").get()
    assert event.changes["consent_source"] == [None, "trade_show"] and event.actor == cast.manager
    stale = api(cast.admin).request("put", url, {"purpose_note": "x"}, headers={"If-Match": '"privacy-0-1"'})
    assert stale.status_code == 412


def test_bad_consent_input_is_refused_with_every_problem(cast, api, world):
    url = f"/api/v1/people/{world.suzuki.pk}/privacy"
    response = api(cast.admin).request("put", url, {"purposes": ["spam"], "consent_source": "guess"})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert "purposes" in fields and "consent_source" in fields
    assert api(cast.admin).request("put", url, {"unknown": 1}).status_code == 422  # Strict
    assert not PrivacyRecord.objects.filter(person=world.suzuki).exclude(purposes=[]).exists()


@pytest.mark.parametrize("who,status", [("owner", 403), ("teammate", 403), ("readonly", 403), ("outsider", 403)])
def test_consent_is_recorded_by_admins_and_team_managers(cast, api, world, who, status):
    url = f"/api/v1/people/{world.suzuki.pk}/privacy"
    assert api(getattr(cast, who)).request("put", url, {"purposes": ["sales"]}).status_code == status


def test_hidden_people_are_unknown(cast, api, world):
    contacts.update_person(actor=cast.owner, person=world.suzuki, data={"visibility": "team"})
    for path in ("privacy", "provisions", "disclosure"):
        assert api(cast.outsider).get(f"/api/v1/people/{world.suzuki.pk}/{path}").status_code == 404
    assert api(cast.outsider).post(f"/api/v1/people/{world.suzuki.pk}/erase", {"confirm": "1"}).status_code == 404
    assert api(cast.admin).get("/api/v1/people/999999/privacy").status_code == 404
    assert client_for(cast.outsider).get(f"/privacy/people/{world.suzuki.pk}/").status_code == 404


def test_third_party_provisions(cast, api, world):
    url = f"/api/v1/people/{world.suzuki.pk}/provisions"
    body = {
        "provided_on": "2024-07-01",
        "recipient_name": "株式会社イベント運営",
        "items": ["氏名", "メールアドレス"],
        "basis": "consent",
        "recipient_address": "東京都港区1-1",
        "people": [world.tanaka.pk],
    }
    response = api(cast.manager).post(url, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["people"] == sorted([world.suzuki.pk, world.tanaka.pk]) and created["basis_label"] == "本人同意"
    listed = api(cast.readonly).get(url).json()
    assert [p["recipient_name"] for p in listed] == ["株式会社イベント運営"]
    assert len(api(cast.admin).get(f"/api/v1/people/{world.tanaka.pk}/provisions").json()) == 2
    for person in (world.suzuki, world.tanaka):
        assert (
            AuditEvent.objects.for_object(person)
            .filter(action="privacy.provision", changes__recipient_name=[None, "株式会社イベント運営"])
            .exists()
        )
    assert api(cast.readonly).post(url, body).status_code == 403
    assert api(cast.owner).post(url, body).status_code == 403


def test_bad_provision_input_keeps_nothing(cast, api, world):
    url = f"/api/v1/people/{world.suzuki.pk}/provisions"
    response = api(cast.admin).post(url, {"provided_on": "2999-01-01", "recipient_name": " ", "items": []})
    assert response.status_code == 422
    assert {"provided_on", "recipient_name", "items"} <= set(response.json()["error"]["fields"])
    assert not ThirdPartyProvision.objects.filter(people=world.suzuki).exists()


def test_provision_form_on_the_page_keeps_the_input_on_error(cast, world):
    client = client_for(cast.manager)
    url = f"/privacy/people/{world.suzuki.pk}/provisions/"
    bad = client.post(
        url, {"provided_on": "きのう?", "recipient_name": "株式会社イベント運営", "items": "氏名", "basis": "consent"}
    )
    assert bad.status_code == 422 and "株式会社イベント運営" in bad.content.decode()
    ok = client.post(
        url,
        {
            "provided_on": "令和6年7月1日",
            "recipient_name": "株式会社イベント運営",
            "items": "氏名、会社名",
            "basis": "consent",
        },
    )
    assert ok.status_code == 302
    provision = ThirdPartyProvision.objects.get(people=world.suzuki)
    assert provision.items == ["氏名", "会社名"] and str(provision.provided_on) == "2024-07-01"
    page = client.get(f"/privacy/people/{world.suzuki.pk}/").content.decode()
    assert "株式会社イベント運営" in page


def test_correction_goes_through_the_people_service_and_is_logged(cast, api, world):
    url = f"/api/v1/people/{world.tanaka.pk}/correction"
    response = api(cast.admin).post(
        url, {"changes": {"given_name": "太朗", "street": "丸の内2-2"}, "note": "本人より名前の漢字の誤りの指摘"}
    )
    assert response.status_code == 200 and response.json()["changed"] == ["given_name", "street"]
    person = Person.objects.get(pk=world.tanaka.pk)
    assert person.given_name == "太朗" and person.name_search  # normalized columns rewritten by the service
    assert AuditEvent.objects.for_object(person).filter(action="update", changes__given_name=["太郎", "太朗"]).exists()
    assert AuditEvent.objects.for_object(person).filter(action="privacy.correct").exists()
    request = PrivacyRequest.objects.get(person=person, kind="correction")
    assert "given_name" in request.result and "漢字" in request.note
    bad = api(cast.admin).post(url, {"changes": {"birthday": "いつか", "owner": 1}})
    assert bad.status_code == 422 and {"owner"} <= set(bad.json()["error"]["fields"])
    assert api(cast.manager).post(url, {"changes": {"given_name": "x"}}).status_code == 403


def test_correction_page(cast, world):
    client = client_for(cast.admin)
    form = client.get(f"/privacy/people/{world.tanaka.pk}/correct/").content.decode()
    assert "千代田1-1" in form
    response = client.post(
        f"/privacy/people/{world.tanaka.pk}/correct/",
        {
            "family_name": "田中",
            "given_name": "太郎",
            "family_name_kana": "タナカ",
            "given_name_kana": "タロウ",
            "postcode": "100-0001",
            "prefecture": "東京都",
            "city": "千代田区",
            "street": "千代田2-2",
            "birthday": "1980/04/01",
            "notes": "ゴルフ好き。娘さんが受験生。",
            "note": "住所変更の連絡",
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=world.tanaka.pk).street == "千代田2-2"
    assert PrivacyRequest.objects.get(kind="correction").result == "訂正しました: street"


def test_request_log_is_for_admins(cast, world):
    from kizuna.privacy import services

    services.disclose(actor=cast.admin, person=world.tanaka)
    page = client_for(cast.admin).get("/privacy/requests/?kind=disclosure").content.decode()
    assert "開示" in page and "田中 太郎" in page
    assert client_for(cast.manager).get("/privacy/requests/").status_code == 403
    panel = client_for(cast.readonly).get(f"/people/{world.tanaka.pk}/").content.decode()
    assert "プライバシー" in panel and "名刺交換" in panel


def test_a_request_answered_elsewhere_is_logged_by_hand(cast, world):
    client = client_for(cast.admin)
    url = f"/privacy/people/{world.tanaka.pk}/requests/"
    bad = client.post(url, {"kind": "provision_disclosure", "received_at": "2999/1/1", "result": "書面で送付済み"})
    assert bad.status_code == 422 and not PrivacyRequest.objects.exists()
    assert "未来の日付" in bad.content.decode() and "書面で送付済み" in bad.content.decode()  # the input is kept
    client.post(url, {"kind": "provision_disclosure", "received_at": "令和6年8月1日", "note": "書面で請求",
                      "result": "第三者提供記録を書面で送付"})  # fmt: skip
    request = PrivacyRequest.objects.get(kind="provision_disclosure")
    assert request.received_at.date().isoformat() == "2024-08-01" and request.handled_by == cast.admin
    assert AuditEvent.objects.for_object(world.tanaka).filter(action="privacy.request").exists()
    assert client_for(cast.manager).post(url, {"kind": "disclosure", "result": "x"}).status_code == 403
