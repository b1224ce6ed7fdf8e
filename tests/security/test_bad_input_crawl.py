"""No page answers 5xx to bad input: every route (pages and API), as an administrator, a member and the read-only
user, with every query parameter the views read set to missing, empty, garbage, negative, huge, NUL and
badly-encoded values, and with ids out of range in the path.

The three roles crawl on PostgreSQL, which refuses more of these values than SQLite does (a NUL in text, an integer
past bigint, a date that does not exist); on SQLite the administrator, who reaches every route, crawls alone."""

import os
import re
import urllib.parse
from pathlib import Path

import pytest

from tests.security import crawl
from tests.security.test_crawl import logged_in

SOURCE = Path(__file__).resolve().parents[2] / "src" / "kizuna"
# Parameters read through a variable (request.GET.get(kind)) or a QueryDict handed on (data.get("company")), and
# the API's query parameters; the ones read literally are found in the source below.
KNOWN = ("person", "company", "activity", "page", "tab", "status", "next", "owner", "tag", "stage", "prefecture",
         "industry", "min_score", "limit", "type", "offset", "from", "to", "parent", "ids", "action", "actor",
         "object_type")  # fmt: skip
BAD = ("", "abc", "-1", "0", "99999999999999999999", "1e309", "x" * 5000, "１２３", "\x00", "2026-13-45",
       "1,abc,-2,99999999999999999999", "%ff%fe")  # fmt: skip


def parameter_names() -> list[str]:
    literal = re.compile(r"request\.GET(?:\.get|\.getlist|\.pop)?[(\[]\s*\"(\w+)\"")
    found = {name for path in SOURCE.rglob("*.py") for name in literal.findall(path.read_text(encoding="utf-8"))}
    return sorted(found | set(KNOWN))


def test_the_source_scan_finds_the_parameters():
    names = parameter_names()
    assert {"q", "cursor", "format", "encoding", "since", "until", "days"} <= set(names)


ROLES = ["admin", "owner", "readonly"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else ["admin"]


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_5xx_to_bad_parameters(cast, settings, tmp_path, role):
    settings.MEDIA_ROOT = tmp_path
    settings.KIZUNA_SSE_SECONDS = 0  # a live stream answers one poll and ends
    seeded = crawl.seed(cast)
    client = logged_in(getattr(cast, role))
    names = parameter_names()
    crashes = []
    with crawl.beats_never_late():
        requests = _crawl(client, seeded, names, crashes)
    assert not crashes, crashes[:20]
    print(f"\n{role}: {requests} requests with bad parameters, no 5xx")


def _crawl(client, seeded, names, crashes) -> int:
    requests = 0
    for route in crawl.routes():
        paths = [url for url in crawl.urls(route, seeded) if "?" not in url][:1]
        paths += [_out_of_range(paths[0], route)] if route.params and paths else []
        for path in paths:
            first = client.get(path)
            requests += 1
            if first.status_code >= 500:
                crashes.append((path, first.status_code))
            if first.status_code == 405:
                continue  # POST only: nothing reads its query
            for value in BAD:
                query = urllib.parse.urlencode({name: value for name in names})
                response = client.get(f"{path}?{query}")
                requests += 1
                if response.status_code >= 500:
                    crashes.append((path, repr(value[:20]), response.status_code))
    return requests


def _out_of_range(path: str, route) -> str:
    """The same route with every numeric path segment past any id column's range."""
    return re.sub(r"/\d+(?=/|$)", "/99999999999999999999", path)
