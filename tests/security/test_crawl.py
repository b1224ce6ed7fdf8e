"""The attacker's suite: three readers crawl every page and API route (every seeded id, hidden ones included,
every export format, the brief PDF, search, charts' JSON, history) and no response may carry what they may not
see. The owner's crawl of the same URLs finds every canary, so a canary that leaks would be caught."""

from contextlib import contextmanager

import pytest
from django.test import Client

from tests.security import crawl
from tests.security.matrix import OPERATIONS


def logged_in(user) -> Client:
    client = Client(raise_request_exception=False)  # a crash is a finding (a 500), not an aborted crawl
    client.force_login(user)
    return client


@pytest.fixture
def seeded(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.KIZUNA_SSE_SECONDS = 0  # a live stream answers one poll and ends
    return crawl.seed(cast)


def test_every_route_is_crawled(seeded):
    """Each URL pattern (pages and API) has ids to crawl it with; API writes are held to the permission matrix
    (tests/security/matrix.py) as well. A new route fails here until the crawl knows its ids."""
    routes = crawl.routes()
    unknown = [route.pattern for route in routes if crawl.fills(route, seeded) is None]
    assert not unknown, f"routes the crawl cannot fill (add them to crawl.fills): {unknown}"
    matrix_paths = {key.split(" ", 1)[1] for key in OPERATIONS}
    api = [route for route in routes if route.is_api and route.name not in ("openapi-json", "openapi-view", "api-root")]
    unmatched = [r.pattern for r in api if _openapi_path(r.pattern) not in matrix_paths]
    assert not unmatched, f"API routes without a permission-matrix row: {unmatched}"
    print(f"\nroutes covered by the visibility crawl: {len(routes) - len(unknown)}/{len(routes)} "
          f"({len(api)} API paths also in the permission matrix)")  # fmt: skip


def _openapi_path(pattern: str) -> str:
    return "/" + pattern.replace("<", "{").replace(">", "}")


@pytest.mark.parametrize("reader", crawl.READERS)
def test_no_reader_reads_what_is_hidden_from_them(cast, seeded, reader):
    look_for, client = crawl.canaries(reader), logged_in(getattr(cast, reader))  # signing in writes: before
    with _changes_nothing():
        report = crawl.crawl(client, seeded, look_for)
    assert not report.crashes, report.crashes
    assert not report.leaks, report.leaks[:20]
    assert len(report.routes) == len(crawl.routes())
    print(f"\n{reader}: {report.requests} requests, {len(report.leaks)} leaks, statuses {report.statuses}")


def test_the_owner_finds_every_canary_on_the_same_urls(cast, seeded):
    """The canaries are really on the crawled pages: what hides them from the readers is visibility alone."""
    client = logged_in(cast.owner)
    with _changes_nothing():
        report = crawl.crawl(client, seeded, crawl.SECRET + crawl.MASKED + crawl.TEAM)
    assert not report.crashes, report.crashes
    assert set(crawl.SECRET + crawl.MASKED + crawl.TEAM) == report.seen


# --- no GET changes state ------------------------------------------------------------------------------------
# What a GET may write, and why: the audit log's read events (reading personal data is itself recorded), the
# search-probe rate counters, and the import job's memo of its last dry run (a cache of what the page shows).
READ_EVENTS = {"view", "brief.view", "export", "privacy.disclosure.view", "search.throttled"}
SKIPPED_TABLES = {"django_session", "accounts_ratecounter"}
CACHE_COLUMNS = {"imports.ImportJob": {"checked"}}


def _state() -> dict:
    """Every row of every table, less what a GET may write (above)."""
    from django.apps import apps

    from kizuna.core.models import AuditEvent

    state = {}
    for model in apps.get_models():
        if model._meta.db_table in SKIPPED_TABLES:
            continue
        rows = model._base_manager.all()
        if model is AuditEvent:
            rows = rows.exclude(action__in=READ_EVENTS)
        skip = CACHE_COLUMNS.get(model._meta.label, set())
        columns = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
        state[model._meta.label] = list(rows.order_by("pk").values_list(*columns))
    return state


@contextmanager
def _changes_nothing():
    """The crawl inside leaves every table as it was. The readers' and the owner's crawls above run inside it."""
    before = _state()
    yield
    after = _state()
    changed = {table: [row for row in after[table] if row not in before[table]] for table in after
               if after[table] != before[table]}  # fmt: skip
    assert not changed, changed


def test_a_get_changes_nothing(cast, seeded):
    """A GET to every route (every seeded id, every query above) as an administrator leaves every table as it was;
    the crawls of the owner, the read-only user, the teammate and the other team above are held to the same."""
    client = logged_in(cast.admin)
    with _changes_nothing():
        requests = crawl.crawl(client, seeded, ()).requests
    print(f"\n{requests} GET requests, no table changed")
