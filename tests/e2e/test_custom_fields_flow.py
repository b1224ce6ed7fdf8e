"""An administrator adds a choice field to people; a member fills it on a person's form; it shows on the person's
page and filters the people list."""

import re

from kizuna.contacts.models import Person
from kizuna.core.models import AuditEvent
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_admin_adds_a_choice_field_and_a_member_uses_it(browser, live_server, shot, transactional_db):
    admin = make_user("kanri", "admin", display_name="管理 太郎")
    owner = make_user("sato", "member", display_name="佐藤 健太")
    person = factories.person(owner, "黒田", "官兵衛", visibility="public")
    factories.person(owner, "竹中", "半兵衛", visibility="public")
    refused = []

    def new_page():
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.base_url = live_server.url
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    page = new_page()
    login(page, "kanri")
    page.click("nav.mainnav summary >> text=設定")  # the 設定 menu opens its first tab
    page.click("nav.mainnav details[open] .navmenu a >> nth=0")
    page.click("nav.tabs >> text=カスタム項目")
    page.click("a:has-text('項目を追加')")
    page.fill("input[name=key]", "rank")
    page.select_option("select[name=type]", "choice")
    page.fill("input[name=label_ja]", "顧客ランク")
    page.fill("input[name=label_en]", "Customer rank")
    page.fill("textarea[name=choices]", "A\nB\nC")
    page.check("input[name=filterable]")
    shot(page, "custom-field-new")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/settings/custom-fields/\?object_type=person$"))
    assert "顧客ランク" in page.content()
    assert AuditEvent.objects.filter(action="customfield.create", actor=admin).exists()

    member = new_page()
    login(member, "sato")  # a member, owner of the people
    member.goto(f"{member.base_url}/people/{person.pk}/edit/")
    member.select_option("select[name='custom.rank']", "A")
    shot(member, "custom-field-person-form")
    member.click("button:has-text('保存')")
    member.wait_for_url(re.compile(rf"/people/{person.pk}/$"))
    assert member.locator("dd[data-custom=rank]").inner_text().strip() == "A"
    assert Person.objects.get(pk=person.pk).custom == {"rank": "A"}
    shot(member, "custom-field-person-detail")

    member.goto(member.base_url + "/people/")
    member.select_option("select[name='custom.rank']", "A")  # the filter form submits on change (htmx)
    member.wait_for_function("() => !document.querySelector('#list-body').innerText.includes('竹中')")
    body = member.locator("#list-body").inner_text()
    assert "黒田" in body and "竹中" not in body
    assert "custom.rank=A" in member.url
    shot(member, "custom-field-list-filter")
    assert refused == []
