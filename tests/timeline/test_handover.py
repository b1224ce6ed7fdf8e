"""Handover: preview and move accounts in one step (audited); the brief in HTML and PDF."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from kizuna.contacts.models import Company, Person
from kizuna.core.models import AuditEvent
from kizuna.timeline import services
from kizuna.timeline.models import FollowUp
from tests import factories


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def account(cast):
    company = factories.company(cast.owner, "株式会社山田製作所")
    plant_manager = factories.person(cast.owner, "田中", "太郎", company=company.pk, title="工場長")
    buyer = factories.person(cast.owner, "佐藤", "花子", company=company.pk, department="購買部")
    services.save_capture(cast.owner, "@田中 #山田製作所 工場見学。決裁は工場長 !12/24 見積送付")
    services.create_insight(actor=cast.owner, data={"company": company.pk, "statement": "仕様には厳しいが納期には寛容",
                                                    "category": "quality"})  # fmt: skip
    services.create_relationship(actor=cast.owner, data={"from_person": buyer.pk, "to_person": plant_manager.pk,
                                                         "kind": "boss"})  # fmt: skip
    return company


def test_preview_then_hand_over_everything(cast, account):
    client = client_for(cast.manager)
    preview = client.post("/timeline/handover/", {"from_user": cast.owner.pk, "to_user": cast.teammate.pk})
    assert "会社 1 社、人 2 人、タスク 1 件を移します" in preview.content.decode()
    assert Company.objects.get().owner == cast.owner  # nothing moved yet
    response = client.post("/timeline/handover/", {"from_user": cast.owner.pk, "to_user": cast.teammate.pk,
                                                   "confirm": "1"})  # fmt: skip
    assert response.status_code == 302
    assert Company.objects.get().owner == cast.teammate
    assert set(Person.objects.values_list("owner", flat=True)) == {cast.teammate.pk}
    assert FollowUp.objects.get().assignee == cast.teammate
    assert AuditEvent.objects.filter(action="handover").count() == 4
    assert AuditEvent.objects.filter(action="handover.summary", actor=cast.manager).exists()


def test_members_and_other_teams_cannot_hand_over(cast, account):
    move = {"from_user": cast.owner.pk, "to_user": cast.teammate.pk, "confirm": "1"}
    response = client_for(cast.owner).post("/timeline/handover/", move)
    assert response.status_code == 403
    response = client_for(cast.manager).post("/timeline/handover/", move | {"to_user": cast.outsider.pk})
    assert response.status_code == 403
    assert Company.objects.get().owner == cast.owner


def test_brief_html_has_what_the_next_person_needs(cast, account):
    html = client_for(cast.teammate).get(f"/timeline/handover/company/{account.pk}/brief/").content.decode()
    for text in ("引き継ぎ書", "仕様には厳しいが納期には寛容", "決裁は工場長", "田中 太郎", "工場長", "見積送付",
                 "関係マップ", "<svg"):  # fmt: skip
        assert text in html, text
    assert client_for(cast.outsider).get(f"/timeline/handover/company/{account.pk}/brief/").status_code == 404
    assert AuditEvent.objects.filter(action="brief.view", actor=cast.teammate).exists()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils installs with `make test`")
def test_brief_pdf_renders_japanese(cast, account, tmp_path):
    response = client_for(cast.owner).get(f"/timeline/handover/company/{account.pk}/brief/?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "引き継ぎ書" in text and "仕様には厳しいが納期には寛容" in text and "田中" in text
    artifacts = Path(os.environ.get("KIZUNA_ARTIFACTS", "var/test-artifacts"))
    if shutil.which("pdftoppm") and artifacts.exists():  # keep the first page for people to look at
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(artifacts / "handover-brief")],
                       check=False)  # fmt: skip


def test_brief_never_shows_a_private_activity_or_insight_to_others(cast, account):
    services.create_activity(actor=cast.owner, data={"body": "社外秘: 値引きの本音", "companies": [account],
                                                     "visibility": "private"})  # fmt: skip
    services.create_insight(actor=cast.owner, data={"company": account.pk, "statement": "非公開の見立て",
                                                    "visibility": "private"})  # fmt: skip
    mine = client_for(cast.owner).get(f"/timeline/handover/company/{account.pk}/brief/").content.decode()
    theirs = client_for(cast.teammate).get(f"/timeline/handover/company/{account.pk}/brief/").content.decode()
    assert "値引きの本音" in mine and "非公開の見立て" in mine
    assert "値引きの本音" not in theirs and "非公開の見立て" not in theirs


def test_brief_points_to_the_people_insights_when_the_company_has_none_of_its_own(cast):
    company = factories.company(cast.owner, "株式会社鈴木商会")
    person = factories.person(cast.owner, "藤原", "太一", company=company.pk)
    services.create_insight(actor=cast.owner, data={"person": person.pk, "statement": "月末締めを好む"})
    client = client_for(cast.owner)
    client.cookies["django_language"] = "en"
    html = client.get(f"/timeline/handover/company/{company.pk}/brief/").content.decode()
    assert "1 insight about its people is under “Key people” below." in html and "月末締めを好む" in html
    assert "Our company" in html and 'class="relmap-legend' in html  # the map's legend in the reader's language
