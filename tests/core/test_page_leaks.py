"""Regression tests for what the pages showed and the API hid: each case a reader met before core.visibility.

Cast: owner, teammate, manager and readonly in 営業1部; outsider in 営業2部. "Private" records are the owner's
(and their team-scope manager's); a teammate, the read-only user and the outsider must never read them."""

import shutil
import subprocess

import pytest
from django.test import Client

from kizuna.contacts import services as contacts
from kizuna.core import visibility
from kizuna.timeline import services as timeline
from kizuna.timeline.models import Relationship
from tests import factories

SECRET_PERSON, SECRET_COMPANY = "秘密 花子", "株式会社極秘開発"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(cast):
    o = cast.owner
    secret_co = factories.company(o, SECRET_COMPANY, visibility="private")
    public_co = factories.company(o, "株式会社公開工業", visibility="public", parent=secret_co.pk)
    secret = factories.person(
        o, "秘密", "花子", family_name_kana="ヒミツ", given_name_kana="ハナコ", visibility="private"
    )
    public = factories.person(
        o, "公開", "太郎", visibility="public", company=secret_co.pk, title="部長", birthday="1975/5/5",
        postcode="100-0005", prefecture="東京都", city="千代田区", street="丸の内9-9-9",
        phones=[{"value": "090-7777-1234", "label": "mobile"}, {"value": "03-5555-0000", "label": "office"}],
        emails=[{"value": "kakushi@home.example", "label": "personal"}],
    )  # fmt: skip
    twin = factories.person(
        o, "公開", "太郎", visibility="public", phones=[{"value": "090-7777-1234", "label": "mobile"}]
    )
    activity = timeline.create_activity(actor=o, data={
        "subject": "公開の訪問", "body": "三者で打ち合わせ", "visibility": "public", "people": [public.pk, secret.pk],
        "companies": [public_co.pk, secret_co.pk], "heard_from": secret.pk,
    })  # fmt: skip
    timeline.create_insight(actor=o, data={"person": public.pk, "statement": "極秘の見立て", "visibility": "private",
                                           "evidence": [activity.pk]})  # fmt: skip
    timeline.create_follow_up(actor=o, data={"title": "極秘の宿題", "activity": activity.pk, "visibility": "private",
                                             "person": public.pk})  # fmt: skip
    timeline.create_follow_up(actor=o, data={"title": "公開の宿題", "company": secret_co.pk, "person": secret.pk,
                                             "assignee": cast.teammate.pk})  # fmt: skip
    timeline.create_insight(actor=o, data={"company": public_co.pk, "statement": "公開の見立て",
                                           "heard_from": secret.pk, "visibility": "public"})  # fmt: skip
    return {"secret_co": secret_co, "public_co": public_co, "secret": secret, "public": public, "twin": twin,
            "activity": activity}  # fmt: skip


READERS = ("teammate", "readonly", "outsider")
MASKED_READERS = ("readonly", "outsider")  # a teammate may edit the team's person, so reads it unmasked


def _page(user, url) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("reader", MASKED_READERS)
def test_duplicate_review_masks_the_people_it_compares(cast, world, reader):
    html = _page(getattr(cast, reader), f"/duplicates/person/review/?ids={world['public'].pk},{world['twin'].pk}")
    for value in ("090-7777-1234", "77771234", "kakushi@home.example", "1975", "丸の内9-9-9", SECRET_COMPANY):
        assert value not in html, value
    assert "090-****-1234" in html and "非公開の会社" in html


@pytest.mark.parametrize("reader", READERS)
def test_activity_detail_lists_only_what_the_reader_may_see(cast, world, reader):
    html = _page(getattr(cast, reader), world["activity"].get_absolute_url())
    assert "三者で打ち合わせ" in html
    for hidden in ("極秘の見立て", "極秘の宿題", SECRET_COMPANY, SECRET_PERSON):
        assert hidden not in html, hidden
    assert "非公開の会社" in html and "非公開の人物" in html
    owner_view = _page(cast.owner, world["activity"].get_absolute_url())
    assert all(text in owner_view for text in ("極秘の見立て", "極秘の宿題", SECRET_COMPANY, SECRET_PERSON))


@pytest.mark.parametrize("reader", READERS)
def test_pages_name_hidden_records_by_their_placeholder(cast, world, reader):
    user = getattr(cast, reader)
    pages = [
        world["public"].get_absolute_url(),  # employer, careers, history
        world["public_co"].get_absolute_url(),  # parent company, insight cards (heard from), timeline
        f"/timeline/handover/company/{world['public_co'].pk}/brief/",
        "/people/",
        "/",
    ]
    if reader == "teammate":
        pages.append("/timeline/tasks/")  # the teammate's own task names a hidden person and company
    for url in pages:
        html = _page(user, url)
        assert SECRET_COMPANY not in html and SECRET_PERSON not in html, url
    assert "非公開の会社" in _page(user, world["public"].get_absolute_url())
    assert "非公開の会社" in _page(user, world["public_co"].get_absolute_url())  # 親会社
    if reader == "teammate":
        tasks = _page(user, "/timeline/tasks/")
        assert "公開の宿題" in tasks and "非公開の人物" in tasks and "非公開の会社" in tasks


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils installs with `make test`")
def test_the_brief_pdf_names_no_hidden_record(cast, world, tmp_path):
    response = client_for(cast.outsider).get(f"/timeline/handover/company/{world['public_co'].pk}/brief/?format=pdf")
    if response["Content-Type"] != "application/pdf":
        pytest.skip("WeasyPrint needs Pango on this machine")
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "株式会社公開工業" in text and SECRET_COMPANY not in text and SECRET_PERSON not in text


@pytest.mark.parametrize("reader", READERS)
def test_history_names_hidden_records_by_their_placeholder(cast, world, reader):
    contacts.update_person(actor=cast.owner, person=world["public"], data={"notes": "更新"})
    api = client_for(getattr(cast, reader)).get(f"/api/v1/people/{world['public'].pk}/history").json()
    page = _page(getattr(cast, reader), world["public"].get_absolute_url())
    assert SECRET_COMPANY not in str(api) and SECRET_COMPANY not in page
    assert "非公開の会社" in str(api)


def test_api_nulls_a_hidden_employer(cast, world):
    body = client_for(cast.outsider).get(f"/api/v1/people/{world['public'].pk}").json()
    assert body["company"] is None
    jobs = client_for(cast.outsider).get(f"/api/v1/people/{world['public'].pk}/employments").json()
    assert [job["company"] for job in jobs] == [None]
    assert (
        client_for(cast.owner).get(f"/api/v1/people/{world['public'].pk}").json()["company"]["name"] == SECRET_COMPANY
    )


def test_html_relationship_delete_checks_both_people_like_the_api(cast, world):
    """The teammate may edit the public person but cannot see the private one: the relationship does not exist."""
    rel = timeline.create_relationship(actor=cast.owner, data={
        "from_person": world["public"].pk, "to_person": world["secret"].pk, "kind": "boss"})  # fmt: skip
    assert client_for(cast.teammate).post(f"/timeline/relationships/{rel.pk}/delete/").status_code == 404
    assert client_for(cast.readonly).post(f"/timeline/relationships/{rel.pk}/delete/").status_code == 404
    assert Relationship.objects.alive().filter(pk=rel.pk).exists()
    assert client_for(cast.owner).post(f"/timeline/relationships/{rel.pk}/delete/").status_code == 302
    assert not Relationship.objects.alive().filter(pk=rel.pk).exists()


def test_the_viewer_answers_hidden_masked_visible(cast, world):
    for user, expected in (
        (cast.outsider, {"secret": "hidden", "public": "masked", "public_co": "visible"}),
        (cast.teammate, {"secret": "hidden", "public": "visible", "public_co": "visible"}),
        (cast.owner, {"secret": "visible", "public": "visible", "public_co": "visible"}),
        (cast.admin, {"secret": "visible", "public": "visible", "public_co": "visible"}),
    ):
        viewer = visibility.Viewer(user)
        assert {key: viewer.sight(world[key]) for key in expected} == expected, user
    viewer = visibility.Viewer(cast.outsider)
    assert viewer.name(world["secret_co"]) == "非公開の会社" and viewer.ref(world["secret"]) is None
    assert viewer.name(world["public_co"]) == "株式会社公開工業"


def test_naming_a_page_of_related_records_costs_one_query_per_model(cast, world, django_assert_num_queries):
    people = list(
        type(world["public"]).objects.select_related("company").filter(pk__in=[world["public"].pk, world["twin"].pk])
    )
    viewer = visibility.Viewer(cast.outsider)
    with django_assert_num_queries(2):  # the role row, then the companies' visibility
        viewer.prime_related(people, "company")
    with django_assert_num_queries(0):
        assert [viewer.name(p.company) for p in people if p.company_id] == ["非公開の会社"]


def _form_as_shown(html: str) -> dict:
    """The fields of the page's form with the values the page put in them (inputs, selected options, textareas)."""
    import re
    from html import unescape

    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = unescape(value)
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body.strip())
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_an_edit_form_names_a_hidden_parent_by_its_placeholder_and_saving_keeps_it(cast, world):
    company = world["public_co"]
    url = f"/companies/{company.pk}/edit/"
    html = _page(cast.teammate, url)
    assert SECRET_COMPANY not in html and f"非公開の会社 #{world['secret_co'].pk}" in html
    data = _form_as_shown(html) | {"notes": "編集しました"}
    assert client_for(cast.teammate).post(url, data).status_code == 302
    company.refresh_from_db()
    assert company.parent_id == world["secret_co"].pk and company.notes == "編集しました"
    # typing the placeholder with another hidden id links nothing new either
    other = factories.company(cast.owner, "株式会社別の秘密", visibility="private")
    data = _form_as_shown(_page(cast.teammate, url)) | {"parent": f"非公開の会社 #{other.pk}"}
    assert client_for(cast.teammate).post(url, data).status_code == 302
    company.refresh_from_db()
    assert company.parent_id == world["secret_co"].pk


def test_an_activity_edit_keeps_a_hidden_source_it_does_not_name(cast, world):
    activity = world["activity"]
    url = f"/timeline/activities/{activity.pk}/edit/"
    html = _page(cast.teammate, url)
    assert SECRET_PERSON not in html and "非公開の人物" in html
    data = _form_as_shown(html) | {"body": "追記しました"}
    assert client_for(cast.teammate).post(url, data).status_code == 302
    activity.refresh_from_db()
    assert activity.heard_from_id == world["secret"].pk and activity.body == "追記しました"
