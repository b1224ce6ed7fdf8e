"""Timeline pages: capture preview/save/undo, panels on person and company pages, insights, tasks."""

import pytest
from django.test import Client

from kizuna.timeline import services
from kizuna.timeline.models import Activity, FollowUp, Insight
from tests import factories


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tanaka(cast):
    company = factories.company(cast.owner, "株式会社山田製作所")
    return factories.person(cast.owner, "田中", "太郎", company=company.pk)


LINE = "@田中 #山田製作所 工場見学。仕様には厳しいが納期には寛容 !12/24 見積送付"


def test_capture_preview_saves_nothing_then_save_and_undo(cast, tanaka):
    client = client_for(cast.owner)
    preview = client.post("/timeline/capture/", {"text": LINE}, headers={"HX-Request": "true"})
    html = preview.content.decode()
    assert preview.status_code == 200 and "工場見学" in html and "見積送付" in html
    assert "仕様には厳しいが納期には寛容" in html and str(tanaka) in html
    assert not Activity.objects.exists()
    saved = client.post("/timeline/capture/", {"text": LINE, "save": "1", "with_insight": "1"},
                        headers={"HX-Request": "true"})  # fmt: skip
    assert "記録しました" in saved.content.decode()
    activity = Activity.objects.get()
    assert activity.source == "capture" and activity.recorded_by == cast.owner
    assert list(activity.people.all()) == [tanaka] and activity.companies.get() == tanaka.company
    insight = Insight.objects.get()
    assert insight.person == tanaka and insight.category == "quality" and list(insight.evidence.all()) == [activity]
    follow_up = FollowUp.objects.get()
    assert follow_up.title == "見積送付" and follow_up.due_date.month == 12 and follow_up.due_date.day == 24
    client.post(f"/timeline/capture/{activity.pk}/undo/", headers={"HX-Request": "true"})
    assert not Activity.objects.alive().exists() and not FollowUp.objects.alive().exists()
    assert not Insight.objects.alive().exists()


def test_ambiguous_name_asks_once(cast, tanaka):
    factories.person(cast.owner, "田中", "花子", company=factories.company(cast.owner, "鈴木工業").pk)
    client = client_for(cast.owner)
    html = client.post("/timeline/capture/", {"text": "@田中 電話 !明日 折り返し"},
                       headers={"HX-Request": "true"}).content.decode()  # fmt: skip
    assert "どの人ですか" in html and 'name="resolve:@田中"' in html
    form = {"text": "@田中 電話 !明日 折り返し", "save": "1", "resolve:@田中": tanaka.pk}
    response = client.post("/timeline/capture/", form, headers={"HX-Request": "true"})
    assert "記録しました" in response.content.decode()
    assert list(Activity.objects.get().people.all()) == [tanaka]


def test_person_and_company_pages_show_insights_and_timeline(cast, tanaka):
    saved = services.save_capture(cast.owner, LINE)
    for url in (f"/people/{tanaka.pk}/", f"/companies/{tanaka.company_id}/"):
        html = client_for(cast.teammate).get(url).content.decode()
        assert "インサイト" in html and "仕様には厳しいが納期には寛容" in html
        assert "タイムライン" in html and saved.activity.get_absolute_url() in html
        assert "見積送付" in html


def test_private_activity_stays_out_of_other_timelines(cast, tanaka):
    services.create_activity(actor=cast.owner, data={"kind": "visit", "body": "社外秘の話", "people": [tanaka],
                                                     "visibility": "private"})  # fmt: skip
    assert "社外秘の話" in client_for(cast.owner).get(f"/companies/{tanaka.company_id}/").content.decode()
    assert "社外秘の話" not in client_for(cast.teammate).get(f"/companies/{tanaka.company_id}/").content.decode()
    entries = client_for(cast.teammate).get(f"/timeline/company/{tanaka.company_id}/entries/")
    assert "社外秘の話" not in entries.content.decode()


def test_timeline_pages_and_filters(cast, tanaka):
    for i in range(30):
        services.create_activity(actor=cast.owner, data={"kind": "call" if i % 2 else "visit", "body": f"記録{i}",
                                                         "people": [tanaka]})  # fmt: skip
    client = client_for(cast.owner)
    first = client.get(f"/timeline/person/{tanaka.pk}/entries/").content.decode()
    assert "記録29" in first and "記録0<" not in first and "もっと見る" in first
    calls = client.get(f"/timeline/person/{tanaka.pk}/entries/?kind=call").content.decode()
    assert "記録29" in calls and "記録28" not in calls
    assert client.get(f"/timeline/person/{tanaka.pk}/entries/?kind=nope").status_code == 422


def test_activity_form_records_provenance(cast, tanaka):
    response = client_for(cast.owner).post(f"/timeline/activities/new/?person={tanaka.pk}", {
        "kind": "visit", "occurred_at": "2026-11-20T10:00", "body": "工場長が決裁", "source": "visit",
        "heard_from": tanaka.pk, "confidence": "likely", "visibility": "team",
    })  # fmt: skip
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.heard_from == tanaka and activity.confidence == "likely" and activity.recorded_by == cast.owner
    assert client_for(cast.outsider).get(activity.get_absolute_url()).status_code == 404


def test_insight_confirm_and_stale_marking(cast, tanaka, settings):
    insight = services.create_insight(actor=cast.owner, data={"person": tanaka.pk, "statement": "ゴルフ好き",
                                                              "category": "personal"})  # fmt: skip
    Insight.objects.filter(pk=insight.pk).update(confirmed_at=insight.created_at.replace(year=2020))
    assert "要確認" in client_for(cast.owner).get(f"/people/{tanaka.pk}/").content.decode()
    client_for(cast.teammate).post(f"/timeline/insights/{insight.pk}/confirm/")
    insight.refresh_from_db()
    assert insight.confirmed_by == cast.teammate and not insight.is_stale()
    assert client_for(cast.readonly).post(f"/timeline/insights/{insight.pk}/confirm/").status_code == 403


def test_my_tasks_and_quiet_accounts(cast, tanaka):
    services.create_follow_up(actor=cast.owner, data={"title": "見積送付", "due_date": "2020/1/1"})
    services.create_follow_up(actor=cast.owner, data={"title": "資料準備", "due_date": "今日"})
    html = client_for(cast.owner).get("/timeline/tasks/").content.decode()
    assert "期限切れ (1)" in html and "今日 (1)" in html and "株式会社山田製作所" in html  # no contact yet
    task = FollowUp.objects.get(title="資料準備")
    client_for(cast.owner).post(f"/timeline/tasks/{task.pk}/complete/")
    task.refresh_from_db()
    assert task.done_by == cast.owner
    assert "今日 (0)" in client_for(cast.owner).get("/timeline/tasks/").content.decode()


def test_relationships_and_org_chart(cast, tanaka):
    boss = factories.person(cast.owner, "鈴木", "部長", company=tanaka.company_id, title="工場長", department="製造部")
    client = client_for(cast.owner)
    client.post(f"/timeline/people/{tanaka.pk}/relationships/new/", {"to_person": boss.pk, "kind": "boss"})
    html = client.get(f"/people/{tanaka.pk}/").content.decode()
    assert "田中 太郎</a> → <a" in html and "上司" in html
    company_page = client.get(f"/companies/{tanaka.company_id}/").content.decode()
    assert "組織図" in company_page and "製造部" in company_page
    assert client_for(cast.readonly).post(f"/timeline/people/{tanaka.pk}/relationships/new/",
                                          {"to_person": boss.pk, "kind": "boss"}).status_code == 403  # fmt: skip


def test_timeline_filters_by_user_and_dates(cast, tanaka):
    services.create_activity(actor=cast.owner, data={"body": "古い訪問", "people": [tanaka],
                                                     "occurred_at": "2025-01-10T10:00:00"})  # fmt: skip
    services.create_activity(actor=cast.teammate, data={"body": "同僚の電話", "people": [tanaka],
                                                        "our_participants": [cast.teammate.pk]})  # fmt: skip
    client = client_for(cast.owner)
    url = f"/timeline/person/{tanaka.pk}/entries/"
    mine = client.get(url, {"user": cast.teammate.pk}).content.decode()
    assert "同僚の電話" in mine and "古い訪問" not in mine
    old = client.get(url, {"since": "2025-01-01", "until": "2025-12-31"}).content.decode()
    assert "古い訪問" in old and "同僚の電話" not in old


def test_a_visible_activity_never_names_a_private_person(cast, tanaka):
    secret = factories.person(cast.owner, "秘密", "太郎", visibility="private")
    activity = services.create_activity(actor=cast.owner, data={"body": "三者で打ち合わせ", "people": [tanaka, secret],
                                                                "heard_from": secret.pk})  # fmt: skip
    for url in (f"/timeline/person/{tanaka.pk}/entries/", activity.get_absolute_url()):
        html = client_for(cast.teammate).get(url).content.decode()
        assert "三者で打ち合わせ" in html and "秘密" not in html
    assert "秘密 太郎" in client_for(cast.owner).get(activity.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", " //evil.example/", "javascript:alert(1)", ""],
)
def test_task_completion_never_redirects_off_site(cast, tanaka, target):
    task = services.create_follow_up(actor=cast.owner, data={"title": "確認", "person": tanaka.pk})
    response = client_for(cast.owner).post(f"/timeline/tasks/{task.pk}/complete/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/timeline/tasks/"
    again = client_for(cast.owner).post(f"/timeline/tasks/{task.pk}/complete/", {"next": tanaka.get_absolute_url()})
    assert again["Location"] == tanaka.get_absolute_url()


def test_stale_activity_edit_lists_only_what_the_other_person_changed(cast, tanaka):
    import re

    activity = services.create_activity(actor=cast.owner, data={"body": "工場見学", "people": [tanaka],
                                                                 "heard_from": tanaka.pk})  # fmt: skip
    mine = client_for(cast.owner)
    html = mine.get(f"/timeline/activities/{activity.pk}/edit/").content.decode()
    posted = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    posted |= {
        name: value
        for name, value in re.findall(r'(?s)<select name="(\w+)".*?<option value="([^"]*)"[^>]*selected', html)
    }
    services.update_activity(actor=cast.teammate, activity=activity, data={"body": "工場見学と商談"})
    response = mine.post(f"/timeline/activities/{activity.pk}/edit/", posted | {"body": "工場見学", "subject": "見学"})
    assert response.status_code == 409
    table = response.content.decode().split('class="card conflict"')[1].split("</section>")[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert rows == [("件名", "—", "見学"), ("内容", "工場見学と商談", "工場見学")]
