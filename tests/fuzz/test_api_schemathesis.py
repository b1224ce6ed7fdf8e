"""A bounded, reproducible fuzz of every /api/v1 operation from its own OpenAPI schema (schemathesis).

Each operation gets a fixed number of generated requests (derandomized, so CI sees the same ones every run), sent
in-process through Django's WSGI handler (all middleware runs) with a member's bearer token, on a database seeded
with a few companies, people, activities, insights, tasks and an import job. Many of the cases use those real ids
in the path and `If-Match: *`, so updates and deletes get past the 404/428 gates and reach the services. Checks:

- not_a_server_error: no 5xx, ever (the traceback of the view is shown when one happens);
- status_code_conformance: every status the API answers is declared for that operation;
- content_type_conformance and response_schema_conformance: the body matches the declared schema of that status
  (success bodies and the one error shape alike);
- response_headers_conformance: declared response headers are present and well-formed.

negative_data_rejection (a schema-breaking request must get a 4xx) is off: pydantic, under django-ninja,
validates in lax mode and accepts "0" for a boolean and "12" for an integer, which that check reports as
accepted negative data (it did with 200 examples per operation). A true/false where a number is expected is
refused (core.schemas: `"owner": true` would otherwise be user 1). Unknown fields and wrong shapes are refused
(Strict inputs) and covered by the tests; negative cases are still sent and must never get a 5xx.

Positive cases (valid by the schema), negative ones (schemathesis breaks one constraint) and edge cases (one
string replaced by NUL, "²", a 20-digit number, full-width digits, ...) are sent; what is refused must be refused
with a declared 4xx, never a 500. The number of examples run per operation is printed and written to
$KIZUNA_ARTIFACTS/fuzz-api/ (scripts/test.sh prints the totals).

A longer exploratory run with other cases: `KIZUNA_FUZZ_EXAMPLES=100 KIZUNA_FUZZ_SEED=1 pytest tests/fuzz -n 2`.
"""

import itertools
import os
import re
import sys
import traceback
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client as WerkzeugClient

from kizuna.api import api

MAX_EXAMPLES = int(os.environ.get("KIZUNA_FUZZ_EXAMPLES", "25"))  # more for a longer exploratory run
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
ADMIN_OPERATIONS = sorted(
    label for label, op in OPERATIONS.items() if {"accounts", "access", "automation", "webhooks"} & set(op.tags or ())
)
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize="KIZUNA_FUZZ_SEED" not in os.environ,  # a seed explores other cases (reproducible by that seed)
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture
def wsgi_app():
    """Django's real WSGI handler, kept inside the test's transaction.

    Outside the test client, Django closes the database connection at the start and end of each request
    (close_old_connections), which would end the test transaction; the test client disconnects it the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    errors: list[str] = []

    def remember(sender, request=None, **kwargs):
        errors.append("".join(traceback.format_exception(*sys.exc_info())))

    got_request_exception.connect(remember, weak=False)
    try:
        yield WSGIHandler(), errors
    finally:
        got_request_exception.disconnect(remember)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _real_paths(operation, ids: dict[str, list]) -> list[dict]:
    """Combinations of seeded ids for the operation's path parameters (unknown names get no real value)."""
    names = [p.name for p in operation.path_parameters]
    if not names or not all(ids.get(n) for n in names):
        return []
    combos = itertools.islice(itertools.product(*(ids[n] for n in names)), 12)
    return [dict(zip(names, combo, strict=True)) for combo in combos]


# Strings that broke this API once or that databases and parsers treat specially. Schemathesis rarely makes
# them, so one generated string at a time (a query parameter or a body field) is replaced with one of these.
EDGE_STRINGS = [
    "\x00", "a\x00b", "²", "１２", "٣", "9" * 20, "-" + "9" * 20, "-1", "0", "", " ", "\u3000", "me", "null",
    "𠮷", "髙﨑", "ｶﾀｶﾅ", "%", "_", "\\", "'; --", "\ufeff", "\u202e", "a" * 3000, "2024-02-30", "令和元年",
]  # fmt: skip


def _with_edge_string(case, edge: str, pick: int):
    """The case with one string (declared query parameter or body field) replaced by `edge`."""
    slots = [("query", p.name) for p in case.operation.query]
    if isinstance(case.body, dict):
        slots += [("body", key) for key, value in case.body.items() if isinstance(value, str | None)]
    if slots:
        where, name = slots[pick % len(slots)]
        if where == "query":
            case.query = {**(case.query or {}), name: edge}
        else:
            case.body = {**case.body, name: edge}
    return case


def _strategy(operation, ids: dict[str, list]):
    real = _real_paths(operation, ids)
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    if real:
        positive |= st.sampled_from(real).flatmap(lambda pp: operation.as_strategy(
            GenerationMode.POSITIVE, path_parameters=pp, headers={"If-Match": "*"}))  # fmt: skip
    options = [positive]
    if operation.body or list(operation.iter_parameters()):
        options.append(operation.as_strategy(GenerationMode.NEGATIVE))
        options.append(st.builds(_with_edge_string, positive, st.sampled_from(EDGE_STRINGS), st.integers(0, 30)))
    return st.one_of(options)


def _record(label: str, count: int, who: str) -> None:
    """One file per database, identity and operation (rewritten each run): scripts/test.sh adds them up."""
    line = f"{connection.vendor}\t{label} ({who})\t{count}"
    print(f"fuzz examples: {line}")
    folder = Path(os.environ.get("KIZUNA_ARTIFACTS", "var/test-artifacts")) / "fuzz-api"
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{who} {label}".lower()).strip("-")
    (folder / f"{connection.vendor}-{slug}.tsv").write_text(line + "\n", encoding="utf-8")


def _fill_if_match(app, case, token: str) -> None:
    """`If-Match: *` is refused (428), so a write aimed at a seeded record gets that record's current ETag, read
    just before the call through the same WSGI app (Django's test Client would re-arm close_old_connections)."""
    if (case.headers or {}).get("If-Match") != "*":
        return
    response = WerkzeugClient(app).get(case.formatted_path, headers={"Authorization": token})
    if etag := response.headers.get("ETag"):
        case.headers = {**case.headers, "If-Match": etag}


def _fuzz(label: str, token: str, ids: dict, wsgi_app, record_property, who: str) -> None:
    operation = OPERATIONS[label]
    app, server_errors = wsgi_app
    sent = []

    @FUZZ_SETTINGS
    @given(case=_strategy(operation, ids))
    def fuzz(case):
        server_errors.clear()
        sent.append(case)
        _fill_if_match(app, case, token)
        response = case.call(app=app, headers={"Authorization": token})
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception:
            if server_errors:  # show where the server broke, not only that it did
                print("\n".join(server_errors))
            raise

    if "KIZUNA_FUZZ_SEED" in os.environ:
        fuzz = seed(int(os.environ["KIZUNA_FUZZ_SEED"]))(fuzz)
    fuzz()
    record_property("fuzz_examples", len(sent))
    _record(label, len(sent), who)
    assert sent


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_survives_fuzzing(label, seeded, wsgi_app, record_property):
    """As a member (営業1部) with a read/write token."""
    _fuzz(label, seeded.token, seeded.ids, wsgi_app, record_property, "member")


@pytest.mark.parametrize("label", ADMIN_OPERATIONS)
def test_admin_operation_survives_fuzzing(label, seeded, wsgi_app, record_property):
    """Roles, users and record access as an administrator with an admin-scoped token, so the fuzz gets past the
    403 a member meets and reaches the services."""
    _fuzz(label, seeded.admin_token, seeded.ids, wsgi_app, record_property, "admin")
