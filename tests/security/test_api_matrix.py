"""Every API operation × every actor × every record scenario gets the status matrix.py says.

One test per operation builds its world once (fresh database), then runs each actor's request inside a savepoint
that is rolled back, so a write by one actor never changes what the next one sees. All mismatches of an operation
are reported together."""

import json

import pytest
from django.db import transaction

from kizuna.api import api
from tests.conftest import made_once

from .matrix import ACTORS, NONE, OPERATIONS, SCENARIOS, parse, reads
from .world import Target, World

NOT_FOUND = {"error": {"code": "not_found", "message": "見つかりません。", "fields": {}}}
UNKNOWN_ID = 987654


def schema_operations() -> set[str]:
    return {f"{method.upper()} {path}" for path, ops in api.get_openapi_schema()["paths"].items() for method in ops}


def test_every_operation_has_an_entry():
    """A new endpoint fails here until someone writes down who may call it; a removed one fails too."""
    in_schema, in_table = schema_operations(), {key.split(" [")[0] for key in OPERATIONS}  # "… [deals]": a variant
    missing, stale = sorted(in_schema - in_table), sorted(in_table - in_schema)
    assert not missing and not stale, (
        "tests/security/matrix.py is out of date with the OpenAPI schema: write down what every actor gets.\n"
        + "".join(f"  no entry for: {op}\n" for op in missing)
        + "".join(f"  entry for an operation that no longer exists: {op}\n" for op in stale)
    )


def test_every_entry_names_every_actor():
    """Adding an actor column means deciding what it gets everywhere: each row must name it."""
    problems = []
    for key, op in OPERATIONS.items():
        for scenario, spec in op.expect.items():
            if scenario not in (*SCENARIOS, NONE) and not scenario.startswith("owners_"):
                problems.append(f"{key} [{scenario}]: unknown scenario")
            left_out = set(ACTORS) - set(parse(spec))
            if left_out:
                problems.append(f"{key} [{scenario}]: no expectation for {', '.join(sorted(left_out))}")
    assert not problems, "\n".join(problems)


def _listed_ids(op, body) -> list[int]:
    if op.ids:
        return op.ids(body)
    rows = body["items"] if isinstance(body, dict) else body
    return [row["id"] for row in rows]


def _check_body(op, target, actor: str, status: int, response) -> str | None:
    """A sane body: 204 empty; errors in the one error shape; 2xx naming the target; lists exactly visible."""
    if status == 204:
        return None if not response.content else f"204 with a body: {response.content[:200]!r}"
    if op.content_type and status < 400:
        if not response["Content-Type"].startswith(op.content_type) or not response.content:
            return f"expected {op.content_type}, got {response['Content-Type']} ({len(response.content)} bytes)"
        return None
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return f"not JSON: {response.content[:200]!r}"
    if status >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        if not (isinstance(error, dict) and {"code", "message", "fields"} <= set(error)):
            return f"error body not in the shared shape: {body}"
        if status == 404 and (body != NOT_FOUND or response.has_header("ETag")):
            return f"a 404 that differs from an unknown id's (BOLA: existence must not leak): {body}"
        return None
    if op.returns_target and target.expect_id is not None and body.get("id") != target.expect_id:
        return f"body id {body.get('id')} is not the target {target.expect_id}"
    if op.lists:
        background = target.background
        shown = set(_listed_ids(op, body)) & set(background.values())
        visible = {background[s] for s in SCENARIOS if parse(reads()[s])[actor] == 200}
        hidden = shown - visible
        if hidden:
            names = [s for s, pk in background.items() if pk in hidden]
            return f"lists records it may not see: {names}"
        if not op.subset and shown != visible:
            names = [s for s, pk in background.items() if pk in visible - shown]
            return f"leaves out visible records: {names}"
    return None


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """The actors and their tokens, made once for all operations (each test runs in a savepoint inside)."""
    with made_once(django_db_blocker):
        yield World()


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(OPERATIONS))
def test_operation(key, shared_world):
    op = OPERATIONS[key]
    method, path = key.split(" [")[0].split(" ", 1)  # "PUT /api/v1/{kind}/{record_id}/access [deals]"
    world = shared_world.next_test()
    mismatches, checks = [], 0
    for scenario, spec in op.expect.items():
        expected = parse(spec)
        target = op.target(world, scenario)
        for actor in ACTORS:
            if actor not in expected:
                mismatches.append(f"  [{scenario}] {actor}: no expectation in matrix.py")
                continue
            with transaction.atomic():
                response = world.call(actor, method, path, target)
                transaction.set_rollback(True)
            checks += 1
            status = response.status_code
            if status != expected[actor]:
                detail = response.content[:300].decode(errors="replace")
                mismatches.append(f"  [{scenario}] {actor}: expected {expected[actor]}, got {status}: {detail}")
                continue
            problem = _check_body(op, target, actor, status, response)
            if problem:
                mismatches.append(f"  [{scenario}] {actor}: {status} but {problem}")
        if target.params and scenario == next(iter(op.expect)):  # ids that exist nowhere: the same 404
            params = {k: (v if k == "kind" else UNKNOWN_ID) for k, v in target.params.items()}
            unknown = Target(params=params, body=target.body, query=target.query, obj=target.obj)
            with transaction.atomic():
                response = world.call("admin", method, path, unknown)
                transaction.set_rollback(True)
            checks += 1
            if response.status_code != 404 or _check_body(op, unknown, "admin", 404, response):
                mismatches.append(f"  [{scenario}] unknown ids: {response.status_code} {response.content[:200]!r}")
    assert checks, "no checks ran"
    assert not mismatches, f"{key}: {len(mismatches)} of {checks} checks differ from matrix.py\n" + "\n".join(
        mismatches
    )
