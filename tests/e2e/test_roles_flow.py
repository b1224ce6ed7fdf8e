"""An administrator tunes a role in the permission matrix and a member feels it at once; an owner shares a private
person with a colleague of another team from the record's 共有 page."""

import re

from kizuna.accounts.models import Role
from kizuna.core.models import AuditEvent
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login


def test_role_matrix_and_sharing_in_the_browser(browser, live_server, shot, transactional_db):
    admin = make_user("kanri", "admin", display_name="管理 太郎")
    member = make_user("suzuki", "member", display_name="鈴木 美咲")
    other = make_user("sato", "member", display_name="佐藤 健太")
    person = factories.person(member, "黒田", "官兵衛", visibility="private")
    refused = []  # anything the Content-Security-Policy blocked (inline code would be silently dead)

    def new_page():
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.base_url = live_server.url
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    # The administrator takes "create company" away from members.
    page = new_page()
    login(page, "kanri")
    page.click("nav.mainnav summary >> text=設定")  # the 設定 menu opens its first tab
    page.click("nav.mainnav details[open] .navmenu a >> nth=0")
    page.click("nav.tabs >> text=ロールと権限")
    page.click("a:has-text('メンバー')")
    checkbox = page.locator("input[name='perm:company:create']")
    assert checkbox.is_checked()
    checkbox.uncheck()
    shot(page, "role-matrix")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/settings/roles/member/$"))
    assert "保存しました" in page.content()
    assert "create" not in Role.objects.get(key="member").permissions["company"]
    assert AuditEvent.objects.filter(action="role.update", actor=admin).exists()

    # The member no longer gets the button, nor the page.
    mine = new_page()
    login(mine, "suzuki")
    mine.goto(mine.base_url + "/companies/")
    assert "会社を登録" not in mine.content()
    response = mine.goto(mine.base_url + "/companies/new/")
    assert response.status == 403

    # The member shares the private person with a colleague of another team.
    theirs = new_page()
    login(theirs, "sato")
    assert theirs.goto(f"{theirs.base_url}/people/{person.pk}/").status == 404
    mine.goto(f"{mine.base_url}/people/{person.pk}/")
    mine.click("a:has-text('共有')")
    mine.select_option("select[name=shared_with]", [str(other.pk)])
    mine.check("input[name=sensitive]")
    shot(mine, "record-sharing")
    mine.click("button:has-text('保存')")
    mine.wait_for_url(re.compile(rf"/people/{person.pk}/$"))
    assert "機密" in mine.content()
    assert theirs.goto(f"{theirs.base_url}/people/{person.pk}/").status == 200
    assert "黒田" in theirs.content()
    assert AuditEvent.objects.filter(action="view", actor=other, object_id=str(person.pk)).exists()
    assert not refused, refused
