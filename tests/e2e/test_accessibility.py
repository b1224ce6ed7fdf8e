"""axe-core (the pinned release vendored in tests/e2e/vendor/; KIZUNA_AXE may name another axe.min.js) on the main
pages of a rep and an administrator: no serious or critical violation. The menus and the capture bar work by
keyboard."""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from kizuna.accounts import services as accounts
from kizuna.timeline import services as timeline
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import ARTIFACTS, login, visit_signed_in

AXE = Path(os.environ.get("KIZUNA_AXE", "tests/e2e/vendor/axe-core-4.14.1/axe.min.js"))
REP_PAGES = ["/", "/people/", "/companies/", "/timeline/tasks/", "/calendar/", "/duplicates/person/", "/imports/",
             "/timeline/cards/new/", "/sales/deals/", "/trash/", "/accounts/tokens/"]  # fmt: skip
ADMIN_PAGES = ["/settings/users/", "/settings/roles/", "/audit/"]
SERIOUS = """() => axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}`))"""


def audit(browser, base_url, username, paths) -> dict:
    def serious(page):
        page.add_script_tag(path=str(AXE))
        return page.evaluate(SERIOUS)

    # The pages' CSP allows only their own scripts: the test context injects axe past it, as a user's tool would.
    return visit_signed_in(browser, base_url, username, paths, serious, bypass_csp=True, full_page=True,
                           viewport={"width": 1280, "height": 900},
                           shots=lambda path: f"home-{username}-desktop.png" if path == "/" else None)  # fmt: skip


def test_the_main_pages_have_no_serious_accessibility_violations(browser, live_server, transactional_db):
    if not AXE.exists():
        pytest.fail(f"axe-core not found at {AXE}: run scripts/vendor_axe.sh (make test does)")
    team = accounts.get_or_create_team(actor=None, name="営業1部")
    rep = make_user("suzuki", "member", team, display_name="鈴木 美咲")
    make_user("admin", "admin")
    make_user("tanaka", "manager", team, display_name="田中 誠")
    company = factories.company(rep, "株式会社北斗精機")
    person = factories.person(rep, "長谷川", "慎之介", company=company.pk, title="課長")
    timeline.create_activity(actor=rep, data={"kind": "visit", "people": [person.pk], "body": "第2工場の設備更新"})
    timeline.create_follow_up(actor=rep, data={"title": "見積を送付", "person": person.pk, "assignee": rep.pk,
                                               "due_date": timezone.localdate()})  # fmt: skip
    timeline.create_insight(actor=rep, data={"person": person.pk, "statement": "納期より仕様に厳しい"})
    detail = [company.get_absolute_url(), person.get_absolute_url()]
    found = audit(browser, live_server.url, "suzuki", REP_PAGES + detail)
    found |= audit(browser, live_server.url, "tanaka", ["/", "/timeline/handover/"])  # the manager's home
    found |= audit(browser, live_server.url, "admin", ADMIN_PAGES)
    assert found == {}, "\n".join(f"{path}: {p}" for path, problems in found.items() for p in problems)


def test_menus_and_capture_by_keyboard(page, shot, transactional_db):
    make_user("suzuki", "member", display_name="鈴木 美咲")
    login(page, "suzuki")
    page.focus("nav.mainnav summary >> text=顧客")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == "人"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus ring
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot(page, "menu-keyboard")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    assert not page.evaluate("document.querySelector('nav.mainnav details[open]')")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the next entry (タスク) opens by keyboard like a click
    page.wait_for_url("**/timeline/tasks/")
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "capture-text"
