"""Shared fixtures: a fixed cast of users, API clients, and fast password hashing for tests."""

import json
import os
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import override_settings
from pytest_django.plugin import validate_django_db

from kizuna.accounts import services as account_services
from kizuna.accounts.models import Team, User
from kizuna.core.permissions import Role

PASSWORD = "correct-horse-battery"


_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e/ is a browser test (`-m e2e` / `-m "not e2e"`).

    On the PostgreSQL run, tests that never open a database (parsers, normalization, the translation scan) are left
    out: the SQLite run has already run them, and they would run the very same code. A test that drives PostgreSQL
    some other way (its own processes) says so with `@pytest.mark.every_database`.
    """
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
        names = getattr(item, "fixturenames", [])
        if "_shared_cast" in names and "_django_db_marker" in names:
            # before the django_db marker's database fixture (a plugin's autouse fixture comes first otherwise), so
            # the test's transaction opens inside the shared cast's
            names.remove("_shared_cast")
            names.insert(names.index("_django_db_marker"), "_shared_cast")
    _longest_first(items)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or os.environ.get("KIZUNA_TEST_ALL_ON_PG"):
        return
    kept, left = [], []
    for item in items:
        uses_db = _DB_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("django_db")
        (kept if uses_db or item.get_closest_marker("every_database") else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


# Modules whose tests take the longest (a crawl of every route, real processes started and killed), in the order they
# start. Run first, they leave the short tests for the end, so that the two workers finish together.
LONGEST = ("security/test_bad_input_crawl.py", "security/test_crawl.py", "ops/test_crash_postgres.py",
           "cli/test_commands.py", "ops/test_crash_servers.py", "ops/test_backup.py", "ops/test_crash.py",
           "security/test_api_matrix.py", "fuzz/test_api_schemathesis.py", "ops/")  # fmt: skip


def _longest_first(items) -> None:
    def rank(item):
        path = str(item.path)
        return next((i for i, name in enumerate(LONGEST) if f"/tests/{name}" in path), len(LONGEST))

    items.sort(key=rank)  # stable: a module's tests stay together and in order


FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHING
    # One event dispatch per transaction, so a test can run the worker right after its commit.
    settings.KIZUNA_EVENTS_DISPATCH_DELAY = 0


def make_user(username, role, team=None, **extra):
    return account_services.create_user(
        actor=None, username=username, password=PASSWORD, role=role, team=team, check_password=False, **extra
    )


@pytest.fixture
def cast(request, db):
    """owner and teammate: members of 営業1部; manager and readonly in 営業1部; outsider in 営業2部; admin.

    Consecutive tests of a module share one cast (see `_shared_cast`); each test gets its own instances, read from the
    database, and what it changes is rolled back at its end. A test that commits for real gets a cast of its own."""
    shared = request.node.stash.get(_SHARED, None)
    return shared.copy() if shared is not None else make_cast()


class SharedCast:
    """The cast made once in a transaction that stays open while consecutive tests of one module use it and is then
    rolled back; each test runs in a savepoint inside it (pytest-django's `db`), as with Django's setUpTestData."""

    def __init__(self, module, blocker):
        self.module, self.blocker = module, blocker
        self.atomic = transaction.atomic()
        with blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHING, KIZUNA_EVENTS_DISPATCH_DELAY=0):
            self.atomic.__enter__()
            made = make_cast()
        self.teams = {name: value.pk for name, value in vars(made).items() if isinstance(value, Team)}
        self.users = {name: value.pk for name, value in vars(made).items() if isinstance(value, User)}

    def copy(self) -> SimpleNamespace:
        teams = Team.objects.in_bulk(self.teams.values())
        users = User.objects.in_bulk(self.users.values())
        for user in users.values():
            if user.team_id is not None:
                user.team = teams[user.team_id]  # as make_cast's users hold their team
        return SimpleNamespace(**{name: teams[pk] for name, pk in self.teams.items()},
                               **{name: users[pk] for name, pk in self.users.items()})  # fmt: skip

    def close(self):
        if connection.atomic_blocks[-1:] != [self.atomic]:
            raise RuntimeError("the shared cast's transaction is not the innermost one: a fixture opened a transaction "
                               "after it and is still open")  # fmt: skip
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)


_SHARED = pytest.StashKey[SharedCast]()
_NEXT = pytest.StashKey[object]()
_COMMITTING = {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}
_open: list[SharedCast] = []  # at most one: the transaction on this process's connection


def _wants_shared_cast(item) -> bool:
    """The test uses this file's `cast` and does not commit for real (a transaction around it would hold its commits
    back)."""
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.get("cast") if info is not None else None
    if not defs or defs[-1].func.__module__ != cast.__module__ or defs[-1].func.__name__ != "cast":
        return False
    marker = item.get_closest_marker("django_db")
    if marker is not None and any(validate_django_db(marker)[:2]):  # transaction=True or reset_sequences=True
        return False
    return not _COMMITTING & set(item.fixturenames)


def _continues(nextitem) -> bool:
    """Whether the next test uses the open shared cast."""
    return (
        nextitem is not None and getattr(nextitem, "module", None) is _open[0].module and _wants_shared_cast(nextitem)
    )


def _close_shared_cast():
    if _open:
        _open.pop().close()


@pytest.fixture(autouse=True)
def _shared_cast(request):
    """Autouse, so it runs before `db` opens the test's own transaction. Tests that do not use the cast never see it:
    the shared transaction is closed before them."""
    item = request.node
    wanted = _wants_shared_cast(item)
    if _open and (not wanted or _open[0].module is not item.module):
        _close_shared_cast()
    if wanted:
        if not _open:
            request.getfixturevalue("django_db_setup")
            _open.append(SharedCast(item.module, request.getfixturevalue("django_db_blocker")))
        item.stash[_SHARED] = _open[0]
    yield
    if _open and not _continues(item.stash.get(_NEXT, None)):
        _close_shared_cast()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    item.stash[_NEXT] = nextitem
    if _open and _SHARED not in item.stash and not _continues(nextitem):
        _close_shared_cast()  # a skipped test: its fixtures never ran
    yield


@contextmanager
def made_once(django_db_blocker):
    """For a module-scoped fixture: the data it makes lives in a transaction rolled back at the module's end, and each
    test runs in a savepoint inside it (Django's setUpTestData), so parametrized tests share one setup."""
    settings = override_settings(PASSWORD_HASHERS=FAST_HASHING, KIZUNA_EVENTS_DISPATCH_DELAY=0)
    with django_db_blocker.unblock(), settings, transaction.atomic():
        yield
        transaction.set_rollback(True)


def fresh(value):
    """`value` with every model instance in it re-read, so a test never sees what an earlier test changed in memory
    (its database changes were rolled back)."""
    if isinstance(value, models.Model):
        value.refresh_from_db()
    elif isinstance(value, dict):
        for item in value.values():
            fresh(item)
    elif isinstance(value, list | tuple):
        for item in value:
            fresh(item)
    elif isinstance(value, SimpleNamespace):
        fresh(vars(value))
    return value


def make_cast() -> SimpleNamespace:
    team_a = account_services.get_or_create_team(actor=None, name="営業1部")
    team_b = account_services.get_or_create_team(actor=None, name="営業2部")
    return SimpleNamespace(
        team_a=team_a,
        team_b=team_b,
        admin=make_user("admin", Role.ADMIN, team_a),
        manager=make_user("manager", Role.MANAGER, team_a),
        owner=make_user("owner", Role.MEMBER, team_a, display_name="田中 一郎"),
        teammate=make_user("teammate", Role.MEMBER, team_a),
        readonly=make_user("readonly", Role.READ_ONLY, team_a),
        outsider=make_user("outsider", Role.MEMBER, team_b),
    )


class ApiClient:
    """Django's test Client (so middleware, auth and CSRF really run) speaking JSON with a bearer token."""

    def __init__(self, user=None, scopes=("read", "write")):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _, raw = account_services.create_token(actor=None, user=user, name="test", scopes=scopes)
            self.headers["Authorization"] = f"Bearer {raw}"

    def request(self, method, path, data=None, headers=None):
        kwargs = {"headers": {**self.headers, **(headers or {})}}
        if data is not None:
            kwargs["data"] = json.dumps(data)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(path, **kwargs)

    def get(self, path, **kw):
        return self.request("get", path, **kw)

    def post(self, path, data=None, **kw):
        return self.request("post", path, data if data is not None else {}, **kw)

    def patch(self, path, data=None, **kw):
        return self.request("patch", path, data if data is not None else {}, **kw)

    def delete(self, path, **kw):
        return self.request("delete", path, **kw)


@pytest.fixture
def api(cast):
    """api(user) → a JSON client authenticated as that user; api(None) → anonymous."""
    return ApiClient


@pytest.fixture(autouse=True, scope="session")
def _stored_files_outside_the_work_tree(tmp_path_factory):
    """Files the services store (kizuna.core.files: attachments, import files, ...) go to a temporary folder."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("uploads")):
        yield
