"""Browser tests: the real server (pytest-django's live_server) driven by Debian's Chromium via playwright.

Never downloads a browser: KIZUNA_CHROMIUM (default /usr/bin/chromium) is launched through executable_path.
Screenshots are kept under var/test-artifacts/ for people to look at.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop
ARTIFACTS = Path(os.environ.get("KIZUNA_ARTIFACTS", "var/test-artifacts"))
CHROMIUM = os.environ.get("KIZUNA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # The browser tests run beside the PostgreSQL tests (scripts/test.sh): on two busy cores a page or an htmx swap
    # can take seconds, so waits are generous; a passing expectation returns as soon as it holds.
    expect.set_options(timeout=15_000)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page, username, password=PASSWORD):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def visit_signed_in(browser, base_url, username, paths, check, *, shots=None, full_page=False, **context) -> dict:
    """Open each of `paths` as `username` in a browser context of its own (`context`: viewport, touch, CSP ...);
    {path: what `check(page)` found} for the pages where it found something. `shots(path)` names the screenshot
    to keep of a page (into ARTIFACTS), or None."""
    context = browser.new_context(locale="ja-JP", **context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = base_url
    login(page, username)
    found = {}
    try:
        for path in paths:
            assert page.goto(base_url + path).status == 200, path
            if problems := check(page):
                found[path] = problems
            if shots and (name := shots(path)):
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)
    finally:
        context.close()
    return found


def run_worker(*, attempts: int = 50) -> None:
    """The real task worker, once over the queue. The browser's page keeps polling the live server (the bell, an
    import's progress); on the tests' shared in-memory SQLite a poll's open read makes the worker's exclusive
    transaction fail at once with "table is locked" (shared cache has no busy wait), so the worker tries again."""
    import io
    import time

    from django.core.management import call_command
    from django.db import OperationalError

    for attempt in range(attempts):
        try:
            call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.1)


_SEEDED_BY_MIGRATIONS = [  # rows data migrations write, which a transactional test's flush removes
    ("kizuna.sales.migrations.0002_default_pipeline", "create_default"),
    ("kizuna.sales.migrations.0005_analytics_targets", "create_kpis"),
    ("kizuna.support.migrations.0006_sla_calendars_policies_clocks", "default_calendar"),
]


@pytest.fixture(autouse=True)
def _migration_rows(request):
    """Browser tests commit for real, and the flush after each one empties every table, the default pipeline and
    the KPI definitions included: put back what migrating a database writes before the next test starts."""
    if "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    for module, function in _SEEDED_BY_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
