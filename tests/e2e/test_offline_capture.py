"""Field use without signal, in a real Chromium on a phone: the installed app's pages open offline, three visits
written offline wait on the device and are each saved exactly once when the network returns; a line whose @田中
names two people waits for the rep, who picks in the usual preview."""

from kizuna.timeline.models import Activity
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import ARTIFACTS, login

VISITS = {
    "北斗精機": "#北斗精機 訪問。ライン増設の相談",
    "青葉化成": "#青葉化成 訪問。試作品の評価は良好",
    "三河金属": "#三河金属 訪問。来期の予算が確定",
}


def shoot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_visits_captured_offline_are_saved_once_each(browser, live_server, transactional_db):
    rep = make_user("kato", "member", display_name="加藤 陽")
    companies = {name: factories.company(rep, f"株式会社{name}") for name in VISITS}
    factories.person(rep, "田中", "一郎", company=companies["北斗精機"].pk)
    second = factories.person(rep, "田中", "花子", company=companies["青葉化成"].pk)
    context = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    login(page, "kato")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["display"] == "standalone" and {i["sizes"] for i in manifest["icons"]} >= {"192x192", "512x512"}
    page.reload()  # now under the worker's control: the page is kept for the day without signal

    context.set_offline(True)
    home = page.reload()
    assert home.from_service_worker and "今日のタスク" in page.inner_text("main")
    for line in [*VISITS.values(), "@田中 電話。価格の相談"]:
        page.fill("#capture-text", line)
        page.press("#capture-text", "Enter")
        page.wait_for_selector(f"#offline-queue li:has-text('{line}')")
    assert Activity.objects.count() == 0 and page.locator("#offline-queue li").count() == 4
    shoot(page, "offline-queued-phone")

    context.set_offline(False)  # the network returns: the queue is sent without a reload
    page.wait_for_selector("#offline-queue li:has-text('候補を選んでください')")
    page.wait_for_function("document.querySelectorAll('#offline-queue li').length === 1")
    for name, line in VISITS.items():
        saved = Activity.objects.filter(body__contains=line.split(" ", 1)[1])
        assert saved.count() == 1, line
        assert list(saved.get().companies.all()) == [companies[name]]
    page.evaluate("window.dispatchEvent(new Event('online'))")  # a second sync sends nothing again
    page.wait_for_timeout(300)
    assert Activity.objects.count() == 3

    page.click("#offline-queue button:has-text('選んで保存')")  # the same preview as the capture bar's
    page.check(f"input[name='resolve:@田中'][value='{second.pk}']")
    page.click("#capture-result button:has-text('保存')")
    page.wait_for_selector("#capture-result .capture-saved")
    page.wait_for_function("document.querySelectorAll('#offline-queue li').length === 0")
    call = Activity.objects.get(body__contains="価格の相談")
    assert list(call.people.all()) == [second] and Activity.objects.count() == 4

    page.goto(live_server.url + companies["北斗精機"].get_absolute_url())
    assert page.inner_text("#timeline").count("ライン増設の相談") == 1
    shoot(page, "offline-synced-phone")
    page.click(".capture-toggle")  # on a phone the capture bar folds away, and "n" brings it back
    assert not page.is_visible("#capture-text")
    page.keyboard.press("n")
    assert page.is_visible("#capture-text") and page.evaluate("document.activeElement.id") == "capture-text"
    page.set_viewport_size({"width": 1366, "height": 900})
    shoot(page, "offline-synced-desktop")
    context.close()
