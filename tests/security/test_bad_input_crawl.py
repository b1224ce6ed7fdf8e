"""No page answers 5xx to bad input: every route (pages and API), as an administrator, a member and the read-only
user, with every query parameter the views read set to missing, empty, garbage, negative, huge, NUL and
badly-encoded values, and with ids out of range in the path.

Each path is sent the bad values once, shared among the roles it lets in (one bad value to each in turn), so every
value reaches every route and every role meets every kind of value: three full crawls, one per role, took four
minutes per database and found nothing this one does not. The routes are split in three parts, run in parallel."""

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


ROLES = ("admin", "owner", "readonly")
PARTS = 3
REFUSED = (401, 403, 405)


@pytest.mark.parametrize("part", range(PARTS))
def test_no_route_answers_5xx_to_bad_parameters(cast, settings, tmp_path, part):
    settings.MEDIA_ROOT = tmp_path
    settings.KIZUNA_SSE_SECONDS = 0  # a live stream answers one poll and ends
    seeded = crawl.seed(cast)
    clients = {role: logged_in(getattr(cast, role)) for role in ROLES}
    names = parameter_names()
    crashes = []
    with crawl.beats_never_late():
        requests = _crawl(clients, seeded, crawl.routes()[part::PARTS], names, crashes)
    assert not crashes, crashes[:20]
    print(f"\npart {part}: {requests} requests with bad parameters, no 5xx")


def _crawl(clients, seeded, routes, names, crashes) -> int:
    requests = 0
    for route in routes:
        paths = [url for url in crawl.urls(route, seeded) if "?" not in url][:1]
        paths += [_out_of_range(paths[0], route)] if route.params and paths else []
        for number, path in enumerate(paths):
            admitted = []
            for role, client in clients.items():
                first = client.get(path)
                requests += 1
                if first.status_code >= 500:
                    crashes.append((role, path, first.status_code))
                if first.status_code not in REFUSED and not _to_login(first):
                    admitted.append(role)
            if not admitted and first.status_code == 405:
                continue  # POST only: nothing reads its query
            admitted = admitted or ["admin"]  # refused to all: whatever reads the query before refusing
            for i, value in enumerate(BAD):
                role = admitted[(number + i) % len(admitted)]
                query = urllib.parse.urlencode({name: value for name in names})
                response = clients[role].get(f"{path}?{query}")
                requests += 1
                if response.status_code >= 500:
                    crashes.append((role, path, repr(value[:20]), response.status_code))
    return requests


def _to_login(response) -> bool:
    return response.status_code == 302 and "/accounts/login" in response.get("Location", "")


def _out_of_range(path: str, route) -> str:
    """The same route with every numeric path segment past any id column's range."""
    return re.sub(r"/\d+(?=/|$)", "/99999999999999999999", path)
