"""On a phone (390×844) no page scrolls sideways: a browser walks every page a rep and a manager use, with the
demo's kind of data on them, and compares the document's width with the screen's."""

from datetime import timedelta

from django.utils import timezone

from kizuna.accounts import services as accounts
from kizuna.contacts import services as contacts
from kizuna.timeline import services as timeline
from tests.conftest import make_user
from tests.e2e.conftest import visit_signed_in

PAGES = ["/", "/people/", "/companies/", "/timeline/tasks/", "/duplicates/person/", "/duplicates/company/",
         "/imports/", "/trash/", "/timeline/cards/new/", "/accounts/tokens/", "/accounts/2fa/", "/calendar/",
         "/sales/deals/", "/sales/reports/daily/", "/support/"]  # fmt: skip
MANAGER_PAGES = ["/timeline/handover/"]
ADMIN_PAGES = ["/settings/users/", "/settings/roles/", "/audit/"]


def too_wide(page) -> list[str]:
    """The elements that stick out to the right of the screen (empty when nothing scrolls sideways)."""
    return page.evaluate("""() => {
        if (document.documentElement.scrollWidth <= window.innerWidth) return [];
        const W = window.innerWidth;
        return [...document.querySelectorAll('body *')]
          .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > W + 1; })
          .slice(0, 5).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`);
    }""")  # fmt: skip


def walk(browser, base_url, username, paths, shots=()):
    def shot(path):
        return f"phone-{username}{path.replace('/', '-')}.png" if path in shots else None

    return visit_signed_in(browser, base_url, username, paths, too_wide, shots=shot, has_touch=True,
                           viewport={"width": 390, "height": 844})  # fmt: skip


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, transactional_db):
    team = accounts.get_or_create_team(actor=None, name="営業1部")
    rep = make_user("suzuki", "member", team, display_name="鈴木 美咲")
    make_user("tanaka", "manager", team, display_name="田中 誠")
    make_user("admin", "admin", team)
    company = contacts.create_company(actor=rep, data={"name": "株式会社髙橋精機工業所 第二生産技術センター"})
    person = contacts.create_person(actor=rep, data={
        "family_name": "長谷川", "given_name": "慎之介", "company": company.pk, "department": "生産技術部 設備保全課",
        "title": "課長代理", "phones": [{"value": "052-123-4567 内線2345"}],
        "emails": [{"value": "shinnosuke.hasegawa@takahashi-seiki-kogyosho.co.jp"}]})  # fmt: skip
    timeline.create_activity(
        actor=rep, data={"kind": "visit", "people": [person.pk], "body": "第2工場の設備更新。" * 8}
    )
    timeline.create_follow_up(actor=rep, data={"title": "見積を送付", "person": person.pk, "assignee": rep.pk,
                                               "due_date": timezone.localdate() - timedelta(days=1)})  # fmt: skip
    timeline.create_insight(actor=rep, data={"person": person.pk, "statement": "納期より仕様に厳しい"})
    detail = [company.get_absolute_url(), person.get_absolute_url(), f"/timeline/handover/company/{company.pk}/brief/"]
    problems = walk(browser, live_server.url, "suzuki", PAGES + detail, shots=("/", company.get_absolute_url()))
    problems |= walk(browser, live_server.url, "tanaka", ["/", *MANAGER_PAGES], shots=("/",))
    problems |= walk(browser, live_server.url, "admin", ADMIN_PAGES)
    assert problems == {}, problems
