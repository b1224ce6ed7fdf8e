"""A manager builds a rule in 設定 → 自動化ルール (condition and action rows added with htmx), a member's edit makes
it run, the history shows what it did, and "試す" describes it on another record without writing."""

import re

from kizuna.automation.models import Rule
from kizuna.core import events
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_build_a_rule_in_the_browser_and_see_it_run(browser, live_server, shot, transactional_db):
    from kizuna.accounts import services as accounts

    team = accounts.get_or_create_team(actor=None, name="営業1部")
    make_user("bucho", "manager", team, display_name="部長 花子")
    member = make_user("suzuki", "member", team, display_name="鈴木 美咲")
    person = factories.person(member, "黒田", "官兵衛")
    other = factories.person(member, "竹中", "半兵衛", lifecycle_stage="customer")
    refused = []
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    login(page, "bucho")
    page.click("nav.mainnav summary >> text=設定")  # the 設定 menu opens its first tab
    page.click("nav.mainnav details[open] .navmenu a >> nth=0")
    page.wait_for_url(re.compile(r"/settings/automation/$"))
    page.click("text=ルールを作成")
    page.fill("#id_name", "顧客になったらVIP")
    page.select_option("#id_trigger", "person.updated")
    page.click("#add-condition")
    page.wait_for_selector("input[name=cond_field]")
    page.fill("input[name=cond_field]", "lifecycle_stage")
    page.select_option("select[name=cond_op]", "changed_to")
    page.fill("input[name=cond_value]", "customer")
    action = page.locator("#actions select[name$=_action]").first
    action.select_option("record.add_tag")
    page.wait_for_selector("#actions input[name$=_tag]")
    page.fill("#actions input[name$=_tag]", "VIP")
    shot(page, "automation-rule-form")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/settings/automation/$"))
    assert "顧客になったらVIP" in page.content()
    rule = Rule.objects.get()
    assert rule.conditions[0]["op"] == "changed_to" and rule.actions[0]["params"]["tag"] == "VIP"

    # The member makes the person a customer; the worker hands the event to the rule.
    from kizuna.contacts import services as contacts

    contacts.update_person(actor=member, person=person, data={"lifecycle_stage": "customer"})
    while events.dispatch_pending():
        pass
    assert list(person.tags.values_list("name", flat=True)) == ["VIP"]
    page.click("text=実行履歴")
    assert "黒田 官兵衛" in page.content() and "タグ「VIP」を付けました" in page.content()
    shot(page, "automation-runs")

    # 試す: on another record, described, nothing written.
    page.click("text=レコードで試す")
    page.fill("input[name=object_number]", str(other.pk))
    page.click("button:has-text('試す')")
    page.wait_for_selector("#dry-run-result")
    assert "タグ「VIP」を付けます" in page.content()
    assert not other.tags.exists()
    shot(page, "automation-dry-run")
    assert not refused, refused
    context.close()
