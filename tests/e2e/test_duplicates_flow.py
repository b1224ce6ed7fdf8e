"""名寄せ in a real Chromium: the warning before saving, then the review queue, side by side, merge and undo."""

import re

from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.models import Person
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_review_queue_merge_and_undo(page, shot, transactional_db):
    user = make_user("mori", "manager", display_name="森 課長")
    company = factories.company(user, "株式会社髙橋精機")
    factories.person(user, "髙橋", "一郎", company=company.pk, phones=["090-1234-5678"], title="購買部長")
    login(page, "mori")

    # Entering the same man again, typed differently: Kizuna asks first.
    page.goto(page.base_url + "/people/new/")
    page.fill("input[name=family_name]", "高橋")
    page.fill("input[name=given_name]", "一郎")
    page.fill("input[name=phone_0]", "０９０（１２３４）５６７８")
    page.fill("input[name=email_0]", "ichiro@takahashi-seiki.co.jp")
    page.click("button:has-text('保存')")
    page.wait_for_selector(".duplicates-warning")
    assert "同じ携帯電話" in page.inner_text(".duplicates-warning")
    page.click("button:has-text('それでも保存する')")
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    assert Person.objects.count() == 2

    dedup.run_scan(dedup.PERSON)
    page.click("nav.mainnav summary >> text=顧客")
    page.click("nav.mainnav >> text=重複")
    page.click("a:has-text('比べる')")
    page.wait_for_selector("table.compare")
    shot(page, "duplicate-compare")
    page.click("button:has-text('統合する')")
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    assert "統合しました" in page.content() and Person.objects.alive().count() == 1
    assert "ichiro@takahashi-seiki.co.jp" in page.inner_text("main")  # the e-mail moved to the survivor

    page.goto(page.base_url + "/duplicates/merges/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('取り消す')")
    page.wait_for_selector("text=取り消し済み")
    assert Person.objects.alive().count() == 2
