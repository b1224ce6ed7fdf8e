"""Pages: access rules, create/edit with inline errors, stale edits, delete → trash → restore, paging, htmx."""

import re

import pytest
from django.test import Client

from kizuna.contacts import services
from kizuna.contacts.models import Company, Person
from tests import factories


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def person(cast):
    company = factories.company(cast.owner, "株式会社山田製作所")
    person = factories.person(cast.owner, "髙橋", "一郎", family_name_kana="タカハシ", phones=["090-1111-2222"])
    services.add_employment(actor=cast.owner, person=person, data={"company": company.pk, "department": "購買部"})
    return person


def test_anonymous_is_sent_to_login(db):
    response = Client().get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_login_form_logs_in_and_rotates_the_session(cast):
    from tests.conftest import PASSWORD

    client = Client()
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")
    response = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert "髙橋" not in client.get("/").content.decode()  # nothing yet, but the home page renders
    bad = Client().post("/accounts/login/", {"username": "owner", "password": "wrong"})
    assert "ユーザー名またはパスワードが正しくありません" in bad.content.decode()


def test_person_detail_shows_name_reading_career_and_history(cast, person):
    html = client_for(cast.owner).get(f"/people/{person.pk}/").content.decode()
    assert "髙橋 一郎" in html and "タカハシ" in html
    assert "株式会社山田製作所" in html and "購買部" in html
    assert "変更履歴" in html and "職歴を追加" in html


def test_outsider_gets_404_and_readonly_gets_403(cast, person):
    outsider, readonly = client_for(cast.outsider), client_for(cast.readonly)
    assert outsider.get(f"/people/{person.pk}/").status_code == 404
    assert outsider.get(f"/people/{person.pk}/edit/").status_code == 404
    assert readonly.get(f"/people/{person.pk}/").status_code == 200
    assert readonly.get(f"/people/{person.pk}/edit/").status_code == 403
    assert readonly.get("/people/new/").status_code == 403
    assert readonly.post(f"/people/{person.pk}/delete/").status_code == 403
    page = readonly.get(f"/people/{person.pk}/").content.decode()
    assert f"/people/{person.pk}/edit/" not in page
    assert "あなたのロール（閲覧のみ）では、この種類の記録を編集できません。" in page  # says why, not just hides it


def test_create_person_from_the_form(cast):
    response = client_for(cast.owner).post("/people/new/", {
        "family_name": "齋藤", "given_name": "花子", "family_name_kana": "サイトウ", "given_name_kana": "ハナコ",
        "email_0": "hanako@example.jp", "email_label_0": "work", "phone_0": "03-1234-5678 内線12",
        "lifecycle_stage": "lead", "visibility": "team", "tags": "キーマン、ゴルフ",
    })  # fmt: skip
    assert response.status_code == 302
    person = Person.objects.get(family_name="齋藤")
    assert sorted(t.name for t in person.tags.all()) == ["キーマン", "ゴルフ"]
    assert person.contact_points.get(kind="phone").extension == "12"


def test_bad_input_shows_inline_errors_and_keeps_input(cast):
    response = client_for(cast.owner).post("/companies/new/", {
        "name": "株式会社テスト", "corporate_number": "1234567890123", "phone": "12", "visibility": "team",
    })  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "チェックディジット" in html and "電話番号の形式" in html
    assert 'value="株式会社テスト"' in html
    assert not Company.objects.exists()


def test_stale_edit_shows_the_other_change_and_does_not_overwrite(cast, person):
    mine = client_for(cast.owner)
    form = mine.get(f"/people/{person.pk}/edit/").content.decode()
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    services.update_person(actor=cast.teammate, person=person, data={"notes": "仕様に厳しい"}, expected_version=1)
    response = mine.post(f"/people/{person.pk}/edit/", {
        "version": version, "family_name": "髙橋", "given_name": "一郎", "lifecycle_stage": "customer",
        "visibility": "team", "notes": "私のメモ",
    })  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 409
    assert "teammate さんが更新しました" in html and "仕様に厳しい" in html and "私のメモ" in html
    person.refresh_from_db()
    assert person.notes == "仕様に厳しい" and person.lifecycle_stage != "customer"
    # The form now carries the current version: submitting again overwrites on purpose.
    new_version = re.search(r'name="version" value="(\d+)"', html).group(1)
    assert new_version == str(person.version)


def test_edit_is_recorded_in_history(cast, person):
    client = client_for(cast.owner)
    client.post(f"/people/{person.pk}/edit/", {
        "version": person.version, "family_name": "高橋", "given_name": "一郎", "lifecycle_stage": "lead",
        "visibility": "team", "phone_0": "090-1111-2222",
    })  # fmt: skip
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert "姓: <del>髙橋</del> → <ins>高橋</ins>" in html


def test_delete_goes_to_trash_and_restores(cast, person):
    client = client_for(cast.owner)
    assert client.post(f"/people/{person.pk}/delete/").status_code == 302
    assert client.get(f"/people/{person.pk}/").status_code == 404
    assert "髙橋 一郎" in client.get("/trash/").content.decode()
    assert "髙橋 一郎" not in client_for(cast.outsider).get("/trash/").content.decode()
    assert client.post(f"/trash/person/{person.pk}/restore/").status_code == 302
    assert client.get(f"/people/{person.pk}/").status_code == 200


def test_keyset_paging_is_stable_under_inserts(cast):
    for i in range(30):
        factories.person(cast.owner, f"姓{i:02d}", family_name_kana=f"セイ{i:02d}")
    client = client_for(cast.owner)
    first = client.get("/people/?sort=name").content.decode()
    next_link = re.search(r'href="\?([^"]*cursor=[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    factories.person(cast.owner, "割込", family_name_kana="アアア")  # sorts first: must not shift page 2
    second = client.get("/people/?" + next_link).content.decode()
    names = lambda html: re.findall(r">(姓\d\d) ", html)  # noqa: E731
    assert len(names(first)) == 25 and len(names(second)) == 5
    assert not set(names(first)) & set(names(second))


def test_list_query_budget(cast, django_assert_max_num_queries):
    company = factories.company(cast.owner)
    for i in range(30):
        person = factories.person(cast.owner, f"姓{i}", emails=[f"p{i}@example.jp"], tags=["x"])
        services.add_employment(actor=cast.owner, person=person, data={"company": company.pk})
    client = client_for(cast.owner)
    with django_assert_max_num_queries(10):
        assert client.get("/people/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/companies/").status_code == 200


def test_htmx_requests_get_the_table_only(cast, person):
    html = client_for(cast.owner).get("/people/?q=たかはし", headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<div id="list-body">') and "髙橋" in html and "<html" not in html


def test_quick_search_respects_visibility(cast, person):
    factories.person(cast.outsider, "髙橋", "秘密", visibility="private")
    html = client_for(cast.owner).get("/search/quick/?q=髙橋").content.decode()
    assert "<mark>髙橋</mark> 一郎" in html and "秘密" not in html  # the match is marked


def test_english_is_available(cast):
    client = client_for(cast.owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/people/"})
    assert "Trash" in client.get("/people/").content.decode()


def test_employment_form_links_a_company_by_name(cast):
    company = factories.company(cast.owner, "㈱佐藤精機")
    person = factories.person(cast.owner)
    response = client_for(cast.owner).post(f"/people/{person.pk}/employments/new/", {
        "company": "株式会社佐藤精機", "department": "資材部", "start_date": "令和6年4月1日", "is_primary": "on",
    })  # fmt: skip
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.company == company


def test_add_and_delete_a_site_from_the_company_page(cast):
    company = factories.company(cast.owner, "株式会社山田製作所")
    client = client_for(cast.owner)
    response = client.post(f"/companies/{company.pk}/sites/new/", {"name": "名古屋工場", "kind": "plant"})
    assert response.status_code == 302
    html = client.get(f"/companies/{company.pk}/").content.decode()
    assert "名古屋工場" in html and "工場" in html
    site = company.sites.get()
    assert client_for(cast.outsider).post(f"/companies/{company.pk}/sites/{site.pk}/delete/").status_code == 404
    client.post(f"/companies/{company.pk}/sites/{site.pk}/delete/")
    html = client.get(f"/companies/{company.pk}/").content.decode()
    assert "<li>名古屋工場" not in html and "拠点はまだありません" in html


def _as_posted(initial: dict) -> dict:
    """What a browser posts back for a form it was given with these values."""
    return {k: "" if v is None else v for k, v in initial.items() if v is not False}


def test_stale_edit_lists_only_real_differences_by_name(cast, person):
    from kizuna.contacts.forms import PersonForm
    from tests.conftest import make_user

    suzuki = make_user("suzuki", "member", cast.team_a, display_name="鈴木 美咲")
    person.refresh_from_db()
    opened = _as_posted(PersonForm.initial_for(person))  # both open the edit page at the same version
    theirs = client_for(cast.manager).post(
        f"/people/{person.pk}/edit/", opened | {"owner": suzuki.pk, "notes": "仕様に厳しい", "visibility": "public"}
    )
    assert theirs.status_code == 302, re.findall(r"class=\"error[^>]*>(.*?)<", theirs.content.decode())
    response = client_for(cast.teammate).post(f"/people/{person.pk}/edit/", opened | {"lifecycle_stage": "customer"})
    assert response.status_code == 409
    html = response.content.decode()
    table = html.split('class="card conflict"')[1].split("</section>")[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert rows == [
        ("ステージ", "リード", "顧客"), ("メモ", "仕様に厳しい", "—"), ("公開範囲", "全社公開", "チーム内"),
        ("担当者", "鈴木 美咲", "田中 一郎"),
    ]  # fmt: skip
    assert f">{suzuki.pk}<" not in table and f">{cast.owner.pk}<" not in table
