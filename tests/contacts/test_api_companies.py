"""/api/v1/companies: CRUD, ETag/If-Match, cursor pages, filters, and the negative set for every endpoint."""

import pytest

from tests import factories

URL = "/api/v1/companies"


@pytest.fixture
def company(cast):
    return factories.company(cast.owner, "株式会社山田製作所", prefecture="愛知県", tags=["重点"])


def test_create_returns_201_with_etag_and_normalized_fields(cast, api):
    client = api(cast.owner)
    response = client.post(URL, {"name": "㈱髙橋精機", "corporate_number": "７０００−０１２０５−０００２"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "㈱髙橋精機"
    assert body["legal_form"] == "株式会社"
    assert body["corporate_number"] == "7000012050002"
    assert body["owner"]["username"] == "owner"
    assert response["ETag"] == f'"{body["id"]}-1"'


def test_get_patch_with_if_match_and_stale_etag(cast, api, company):
    client = api(cast.owner)
    response = client.get(f"{URL}/{company.pk}")
    etag = response["ETag"]
    ok = client.patch(f"{URL}/{company.pk}", {"industry": "製造業"}, headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(f"{URL}/{company.pk}", {"industry": "卸売業"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "stale_version"
    missing = client.patch(f"{URL}/{company.pk}", {"industry": "卸売業"})
    assert missing.status_code == 428
    assert client.get(f"{URL}/{company.pk}").json()["industry"] == "製造業"


def test_validation_errors_are_field_level_422(cast, api):
    response = api(cast.owner).post(URL, {"name": "", "corporate_number": "1234567890123", "postcode": "abc"})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert {"name", "corporate_number", "postcode"} <= set(fields)


def test_unknown_fields_cannot_be_mass_assigned(cast, api, company):
    client = api(cast.owner)
    response = client.post(URL, {"name": "株式会社X", "version": 99, "created_by": cast.admin.pk})
    assert response.status_code == 422
    etag = client.get(f"{URL}/{company.pk}")["ETag"]
    response = client.patch(f"{URL}/{company.pk}", {"version": 99}, headers={"If-Match": etag})
    assert response.status_code == 422


def test_soft_delete_and_restore(cast, api, company):
    client = api(cast.owner)
    etag = client.get(f"{URL}/{company.pk}")["ETag"]
    assert client.delete(f"{URL}/{company.pk}", headers={"If-Match": etag}).status_code == 204
    assert client.get(f"{URL}/{company.pk}").status_code == 404
    restored = client.post(f"{URL}/{company.pk}/restore")
    assert restored.status_code == 200
    assert client.get(f"{URL}/{company.pk}").status_code == 200


def test_cursor_pagination_walks_every_row_once_even_with_inserts(cast, api):
    for i in range(7):
        factories.company(cast.owner, f"株式会社テスト{i}")
    client = api(cast.owner)
    seen, cursor = [], None
    while True:
        query = "?limit=3&sort=name" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(URL + query).json()
        seen += [c["name"] for c in page["items"]]
        if len(seen) == 3:
            factories.company(cast.owner, "株式会社アアア")  # sorts before the cursor: must not shift the pages
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7


def test_tampered_cursor_is_rejected(cast, api):
    response = api(cast.owner).get(URL + "?cursor=eyJ0YW1wZXJlZCI6dHJ1ZX0")
    assert response.status_code == 422
    assert "cursor" in response.json()["error"]["fields"]


def test_filters(cast, api, company):
    factories.company(cast.owner, "大阪商事株式会社", prefecture="大阪府")
    client = api(cast.owner)
    names = lambda q: [c["name"] for c in client.get(URL + q).json()["items"]]  # noqa: E731
    assert names("?prefecture=愛知") == ["株式会社山田製作所"]
    assert names("?tag=重点") == ["株式会社山田製作所"]
    assert names("?q=(株)山田") == ["株式会社山田製作所"]


# --- the negative set ----------------------------------------------------------------------------------
def test_anonymous_gets_401(cast, api, company):
    client = api(None)
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{company.pk}").status_code == 401
    assert client.post(URL, {"name": "x"}).status_code == 401


def test_outsider_gets_404_for_team_records(cast, api, company):
    client = api(cast.outsider)
    assert client.get(f"{URL}/{company.pk}").status_code == 404
    assert client.patch(f"{URL}/{company.pk}", {"industry": "x"}, headers={"If-Match": "*"}).status_code == 404
    assert client.delete(f"{URL}/{company.pk}", headers={"If-Match": "*"}).status_code == 404
    assert company.pk not in [c["id"] for c in client.get(URL).json()["items"]]


def test_read_only_gets_403_on_writes(cast, api, company):
    client = api(cast.readonly)
    assert client.get(f"{URL}/{company.pk}").status_code == 200
    assert client.post(URL, {"name": "株式会社X"}).status_code == 403
    assert client.patch(f"{URL}/{company.pk}", {"industry": "x"}, headers={"If-Match": "*"}).status_code == 403
    assert client.delete(f"{URL}/{company.pk}", headers={"If-Match": "*"}).status_code == 403


def test_wrong_method_gets_405(cast, api, company):
    assert api(cast.owner).request("put", f"{URL}/{company.pk}", {"name": "x"}).status_code == 405


def test_read_scope_token_cannot_write(cast, api):
    client = api(cast.owner, scopes=("read",))
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"name": "株式会社X"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_session_auth_requires_csrf(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.owner)
    assert client.get(URL).status_code == 200
    response = client.post(URL, data={"name": "株式会社X"}, content_type="application/json")
    assert response.status_code == 403


def test_list_query_count_does_not_grow_with_rows(cast, api, django_assert_max_num_queries):
    for i in range(30):
        factories.company(cast.owner, f"株式会社会社{i}", tags=["a", "b"])
    client = api(cast.owner)
    client.get(URL + "?limit=1")  # a token's first use writes last_used_at and its audit row (once per 5 minutes)
    with django_assert_max_num_queries(5):  # token, role, companies, tags
        response = client.get(URL + "?limit=25")
    assert len(response.json()["items"]) == 25


def test_sites_belong_to_the_company(cast, api, company):
    client = api(cast.owner)
    created = client.post(
        f"{URL}/{company.pk}/sites", {"name": "大阪営業所", "kind": "sales_office", "prefecture": "大阪"}
    )
    assert created.status_code == 201, created.content
    site = created.json()
    assert site["prefecture"] == "大阪府" and site["company_id"] == company.pk
    url = f"{URL}/{company.pk}/sites/{site['id']}"
    assert client.patch(url, {"kind": "castle"}, headers={"If-Match": created["ETag"]}).status_code == 422
    renamed = client.patch(url, {"name": "大阪支店"}, headers={"If-Match": created["ETag"]})
    assert renamed.status_code == 200
    assert [s["name"] for s in client.get(f"{URL}/{company.pk}/sites").json()] == ["大阪支店"]
    assert api(cast.outsider).get(f"{URL}/{company.pk}/sites").status_code == 404
    assert api(cast.readonly).post(f"{URL}/{company.pk}/sites", {"name": "x"}).status_code == 403
    assert client.delete(url, headers={"If-Match": "*"}).status_code == 428  # "any version" skips the check
    assert client.delete(url, headers={"If-Match": renamed["ETag"]}).status_code == 204
    assert client.get(f"{URL}/{company.pk}/sites").json() == []


def test_if_match_star_is_no_version(cast, api):
    """`If-Match: *` would let a write overwrite whatever someone saved in between: 428, nothing written."""
    company = factories.company(cast.owner, "株式会社星")
    client = api(cast.owner)
    for response in (client.patch(f"{URL}/{company.pk}", {"industry": "製造"}, headers={"If-Match": "*"}),
                     client.delete(f"{URL}/{company.pk}", headers={"If-Match": "*"})):  # fmt: skip
        assert response.status_code == 428 and "ETag" in response.json()["error"]["message"]
    company.refresh_from_db()
    assert company.industry == "" and company.deleted_at is None and company.version == 1
