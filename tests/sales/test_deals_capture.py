"""Deals from the capture line: `#会社 $案件 300万 !月末 ...` creates (or links) a deal and links the activity."""

from datetime import date

import pytest
from django.test import Client

from kizuna.core import events
from kizuna.sales.models import Deal
from kizuna.timeline import services as timeline
from kizuna.timeline.queries import activities_linked_to
from tests.factories import company, person

TODAY = date(2026, 12, 7)


@pytest.fixture
def acme(cast):
    return company(cast.owner, "株式会社山田製作所")


def test_line_creates_deal_with_amount_close_date_and_contact(cast, acme):
    tanaka = person(cast.owner, "田中", "太郎", company=acme.pk)
    line = "@田中 #山田製作所 $検査治具更新 300万 !月末 工場長が乗り気"
    plan = timeline.plan_capture(cast.owner, line, today=TODAY)
    assert plan.ready and plan.marks["deal"].summary[0][1].startswith("「検査治具更新」を株式会社山田製作所に作成")
    assert plan.parsed.due is None  # the !date is the deal's, not a task's
    saved = timeline.save_capture(cast.owner, line, today=TODAY)
    deal = Deal.objects.get(title="検査治具更新")
    assert deal.amount == 3_000_000 and deal.expected_close_on == date(2026, 12, 31) and deal.company == acme
    assert list(deal.contacts.values_list("person_id", "role")) == [(tanaka.pk, "contact")]
    assert saved.follow_up is None and "工場長が乗り気" in saved.activity.body
    assert list(activities_linked_to(cast.owner, deal)) == [saved.activity]
    events.dispatch_pending()  # the worker's job after the commit: the consumer moves last_activity_at
    deal.refresh_from_db()
    assert deal.last_activity_at == saved.activity.occurred_at


def test_line_links_an_open_deal_of_the_same_name_and_updates_its_amount(cast, acme):
    timeline.save_capture(cast.owner, "#山田製作所 $更新案件 100万", today=TODAY)
    saved = timeline.save_capture(cast.owner, "#山田製作所 $更新案件 120万 値引き要請あり", today=TODAY)
    deal = Deal.objects.get()
    assert deal.amount == 1_200_000 and saved.marks[0].lines[0].startswith("商談に紐づけ")
    assert activities_linked_to(cast.owner, deal).count() == 2


def test_deal_without_company_is_refused_and_nothing_is_written(cast, acme):
    plan = timeline.plan_capture(cast.owner, "$新規案件 50万 まずは打診", today=TODAY)
    assert not plan.ready and any("#会社名" in p for p in plan.problems)
    with pytest.raises(Exception, match="#会社名"):
        timeline.save_capture(cast.owner, "$新規案件 50万 まずは打診", today=TODAY)
    assert not Deal.objects.exists()


def test_readonly_cannot_create_a_deal_by_capture(cast, acme):
    plan = timeline.plan_capture(cast.readonly, "#山田製作所 $案件", today=TODAY)
    assert not plan.ready


def test_capture_preview_page_shows_the_deal_line(cast, acme):
    client = Client()
    client.force_login(cast.owner)
    body = client.post("/timeline/capture/", {"text": "#山田製作所 $治具 1.5億 !来月末"},
                       headers={"HX-Request": "true"}).content.decode()  # fmt: skip
    assert "「治具」を株式会社山田製作所に作成 ¥150,000,000" in body
