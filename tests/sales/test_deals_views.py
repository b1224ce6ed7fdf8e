"""Deal pages: list with filters and totals, board (columns, totals, move by button and by htmx), create from a
company or person page, the deal page; query budgets that fail on an N+1."""

import pytest
from django.test import Client

from kizuna.sales.models import Deal, Stage
from kizuna.sales.services import deals as services
from tests.factories import company, person


def login(user):
    client = Client()
    client.force_login(user)
    return client


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


@pytest.fixture
def deals(cast):
    acme, beta = company(cast.owner, "株式会社山田製作所"), company(cast.owner, "ベータ工業株式会社")
    out = []
    for n, (co, st, amount) in enumerate([(acme, "リード", 100), (acme, "提案", 2_000_000), (beta, "提案", 500_000),
                                          (beta, "交渉", 9_000_000)]):  # fmt: skip
        deal = services.create_deal(actor=cast.owner, data={"title": f"案件{n}", "company": co.pk, "amount": amount})
        if st != "リード":
            services.move_deal(actor=cast.owner, deal=deal, stage=stage(st))
        out.append(deal)
    return out


def test_list_filters_and_totals_per_stage(cast, deals):
    client = login(cast.teammate)
    page = client.get("/sales/deals/").content.decode()
    assert all(d.title in page for d in deals) and "¥11,500,100" in page
    page = client.get(f"/sales/deals/?stage={stage('提案').pk}&sort=amount").content.decode()
    assert "案件1" in page and "案件2" in page and "案件3" not in page
    assert page.index("案件1") < page.index("案件2")  # 2,000,000 before 500,000
    assert "¥2,500,000" in page
    page = client.get(f"/sales/deals/?company={deals[3].company_id}").content.decode()
    assert "案件3" in page and "案件0" not in page
    bad = client.get("/sales/deals/?close_month=2026-13")
    assert bad.status_code == 200 and "YYYY-MM" in bad.content.decode()


def test_outsider_sees_no_team_deal(cast, deals):
    client = login(cast.outsider)
    assert "案件0" not in client.get("/sales/deals/").content.decode()
    assert client.get(f"/sales/deals/{deals[0].pk}/").status_code == 404
    assert "案件0" not in client.get("/sales/board/").content.decode()


def test_board_columns_totals_and_button_move(cast, deals):
    client = login(cast.owner)
    page = client.get("/sales/board/").content.decode()
    assert "ヒアリング" in page and "¥2,500,000" in page and 'draggable="true"' in page
    deal = Deal.objects.get(pk=deals[0].pk)
    response = client.post(f"/sales/board/deals/{deal.pk}/move/", {"stage": stage("ヒアリング").pk,
                                                                     "version": deal.version})  # fmt: skip
    assert response.status_code == 302 and response["Location"].startswith("/sales/board/")
    assert Deal.objects.get(pk=deal.pk).stage.name == "ヒアリング"


def test_board_move_by_htmx_answers_with_the_board(cast, deals):
    client = login(cast.owner)
    deal = Deal.objects.get(pk=deals[3].pk)
    response = client.post(f"/sales/board/deals/{deal.pk}/move/", {"stage": stage("失注").pk, "version": deal.version},
                           headers={"HX-Request": "true"})  # fmt: skip
    body = response.content.decode()
    assert 'id="deal-board"' in body and "失注理由" in body and response["X-Board-Status"] == "422"
    assert Deal.objects.get(pk=deal.pk).stage.name == "交渉"
    response = client.post(f"/sales/board/deals/{deal.pk}/move/", {"stage": stage("受注").pk, "version": deal.version},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert response["X-Board-Status"] == "200" and Deal.objects.get(pk=deal.pk).won_on is not None
    stale = client.post(f"/sales/board/deals/{deal.pk}/move/", {"stage": stage("交渉").pk, "version": deal.version},
                        headers={"HX-Request": "true"})  # fmt: skip
    assert stale["X-Board-Status"] == "409" and Deal.objects.get(pk=deal.pk).stage.name == "受注"


def test_readonly_sees_the_board_without_move_controls(cast, deals):
    page = login(cast.readonly).get("/sales/board/").content.decode()
    assert "案件0" in page and 'draggable="true"' not in page
    response = login(cast.readonly).post(f"/sales/board/deals/{deals[0].pk}/move/", {"stage": stage("提案").pk})
    assert response.status_code == 403


def test_create_from_person_page_prefills_company_and_adds_the_person(cast):
    acme = company(cast.owner, "株式会社山田製作所")
    tanaka = person(cast.owner, "田中", "太郎", company=acme.pk)
    client = login(cast.owner)
    form = client.get(f"/sales/deals/new/?person={tanaka.pk}").content.decode()
    assert f"#{acme.pk}" in form and "田中" in form
    data = {
        "title": "新ライン",
        "company": f"山田製作所 #{acme.pk}",
        "amount": "120万",
        "tax_rate": "10",
        "visibility": "team",
    }
    response = client.post(f"/sales/deals/new/?person={tanaka.pk}", data)
    deal = Deal.objects.get(title="新ライン")
    assert response.status_code == 302 and deal.amount == 1_200_000
    assert list(deal.contacts.values_list("person_id", "role")) == [(tanaka.pk, "contact")]


def test_deal_page_shows_people_lines_and_stage_history(cast, deals):
    client = login(cast.owner)
    deal = Deal.objects.get(pk=deals[1].pk)
    client.post(f"/sales/deals/{deal.pk}/lines/", {"name": "検査治具", "quantity": "2", "unit_price": "50万",
                                                   "tax_rate": "10", "version": deal.version})  # fmt: skip
    page = client.get(f"/sales/deals/{deal.pk}/").content.decode()
    assert "検査治具" in page and "¥1,000,000" in page and "リード → 提案" in page
    missing = client.post(f"/sales/deals/{deal.pk}/move/", {"stage": stage("失注").pk})
    assert missing.status_code == 302 and Deal.objects.get(pk=deal.pk).stage.name == "提案"


def _many(cast, n):
    acme = company(cast.owner, "株式会社多数")
    for i in range(n):
        services.create_deal(actor=cast.owner, data={"title": f"案件{i}", "company": acme.pk, "amount": i})


def test_board_and_list_query_budget(cast, django_assert_max_num_queries):
    _many(cast, 3)
    client = login(cast.owner)
    client.get("/sales/board/")
    with django_assert_max_num_queries(14) as few:
        client.get("/sales/board/")
    with django_assert_max_num_queries(14):
        client.get("/sales/deals/")
    _many(cast, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/sales/board/").status_code == 200
    with django_assert_max_num_queries(14):
        client.get("/sales/deals/")


def test_history_names_the_deals_own_fields(cast, deals):
    page = login(cast.owner).get(f"/sales/deals/{deals[0].pk}/").content.decode()
    history = page[page.index("変更履歴") :]
    assert "案件名" in history and "役職" not in history
