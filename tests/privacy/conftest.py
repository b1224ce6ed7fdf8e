"""A person with everything a CRM holds about someone: contact points, a career, tags, an activity that mentions
them, an insight, a follow-up, a relationship, an attachment, a purpose/consent and a third-party provision."""

from datetime import date, datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kizuna.privacy import services as privacy
from kizuna.timeline import services as timeline
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def at(year, month, day):
    return timezone.make_aware(datetime(year, month, day, 10, 0))


@pytest.fixture
def world(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    company = factories.company(cast.owner, "株式会社山田製作所", visibility="public")
    other_company = factories.company(cast.owner, "株式会社佐藤商事", visibility="public")
    tanaka = factories.person(
        cast.owner,
        "田中",
        "太郎",
        company=company.pk,
        department="購買部",
        title="課長",
        visibility="public",
        emails=[{"value": "taro.tanaka@example.jp", "label": "work"}],
        phones=[{"value": "090-1234-5678", "label": "mobile"}],
        birthday="1980/4/1",
        postcode="100-0001",
        prefecture="東京都",
        city="千代田区",
        street="千代田1-1",
        notes="ゴルフ好き。娘さんが受験生。",
        tags=["キーマン"],
        external_id="CRM-000123",
    )
    suzuki = factories.person(
        cast.owner,
        "鈴木",
        "花子",
        family_name_kana="スズキ",
        given_name_kana="ハナコ",
        company=company.pk,
        visibility="public",
    )
    visit = timeline.create_activity(
        actor=cast.owner,
        data={
            "kind": "visit",
            "subject": "田中 太郎 様と打ち合わせ",
            "body": "田中太郎さんは納期より仕様に厳しい。鈴木さんも同席。",
            "people": [tanaka.pk, suzuki.pk],
            "companies": [company.pk],
            "occurred_at": at(2024, 4, 10),
            "visibility": "public",
        },
    )
    call = timeline.create_activity(
        actor=cast.owner,
        data={
            "kind": "call",
            "body": "鈴木さんに電話",
            "people": [suzuki.pk],
            "companies": [other_company.pk],
            "occurred_at": at(2024, 5, 2),
            "visibility": "public",
        },
    )
    insight = timeline.create_insight(
        actor=cast.owner,
        data={
            "person": tanaka.pk,
            "statement": "仕様には厳しいが納期には寛容",
            "category": "quality",
            "visibility": "public",
        },
    )
    follow_up = timeline.create_follow_up(
        actor=cast.owner, data={"title": "田中 太郎 様に見積を送る", "person": tanaka.pk, "visibility": "public"}
    )
    relationship = timeline.create_relationship(
        actor=cast.owner, data={"from_person": suzuki.pk, "to_person": tanaka.pk, "kind": "boss"}
    )
    attachment = timeline.add_attachment(actor=cast.owner, person=tanaka, upload=SimpleUploadedFile("名刺.png", PNG))
    privacy.set_purpose_and_consent(
        actor=cast.manager,
        person=tanaka,
        data={
            "purposes": ["sales", "support"],
            "consent_source": "card",
            "consent_date": "2024/4/1",
            "consent_note": "展示会で名刺交換、利用目的を口頭で説明",
        },
    )
    provision = privacy.add_provision(
        actor=cast.manager,
        person=tanaka,
        data={
            "provided_on": date(2024, 6, 1),
            "recipient_name": "株式会社配送センター",
            "items": ["氏名", "会社名", "電話番号"],
            "basis": "outsourcing",
            "purpose": "カタログ発送の委託",
        },
    )
    tanaka.refresh_from_db()
    return SimpleNamespace(
        company=company,
        other_company=other_company,
        tanaka=tanaka,
        suzuki=suzuki,
        visit=visit,
        call=call,
        insight=insight,
        follow_up=follow_up,
        relationship=relationship,
        attachment=attachment,
        provision=provision,
        media=tmp_path,
    )
