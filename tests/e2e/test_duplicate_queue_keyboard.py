"""The duplicate review queue driven by the keyboard alone: move, open, skip, back, "not the same", merge."""

import re

from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.models import DuplicateGroup, Merge, Person
from tests import factories
from tests.conftest import make_user
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import audit

PAIRS = [
    ("髙橋", "高橋", "一郎", "09012345678"),
    ("齋藤", "斉藤", "花子", "08023456789"),
    ("渡邊", "渡辺", "健", "07034567890"),
]


def _focused_row(page) -> int:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('table[data-keyqueue] tbody tr')).indexOf(document.activeElement)"
    )


def _review_ids(page) -> str:
    return page.input_value("form[data-keyqueue] input[name=ids]")


def test_review_queue_by_keyboard(browser, live_server, page, shot, transactional_db):
    user = make_user("mori", "manager", display_name="森 課長")
    for old, new, given, mobile in PAIRS:
        factories.person(user, old, given, phones=[mobile])
        factories.person(user, new, given, phones=[mobile])
    dedup.run_scan(dedup.PERSON)
    assert DuplicateGroup.objects.filter(status=DuplicateGroup.Status.OPEN).count() == 3
    login(page, "mori")
    page.goto(page.base_url + "/duplicates/person/")
    order = [link.split("ids=")[1] for link in page.eval_on_selector_all("a[data-open]", "els => els.map(a => a.href)")]
    order = [",".join(sorted(ids.split(","), key=int)) for ids in order]

    page.keyboard.press("j")
    assert _focused_row(page) == 0
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert _focused_row(page) == 2
    page.keyboard.press("k")
    assert _focused_row(page) == 1
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the pair in focus is visible
    shot(page, "duplicate-queue-keyboard")
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/duplicates/person/review/"))
    assert _review_ids(page) == order[0]
    assert "m" in page.inner_text(".keyhint")

    page.keyboard.press("s")  # skip: the next pair
    page.wait_for_function(f"() => document.querySelector('input[name=ids]').value === '{order[1]}'")
    page.keyboard.press("k")  # and back
    page.wait_for_function(f"() => document.querySelector('input[name=ids]').value === '{order[0]}'")

    page.keyboard.press("n")  # typing a capture: the queue's keys stay out of the way
    page.keyboard.type("mx")
    assert page.input_value("#capture-text") == "mx" and _review_ids(page) == order[0]
    for _ in range(6):  # tab out of the capture bar into the page
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('main')"):
            break
    page.keyboard.press("x")  # not the same person: recorded, and the next pair opens
    page.wait_for_function(f"() => document.querySelector('input[name=ids]').value === '{order[1]}'")
    assert "重複ではない" in page.inner_text(".flash")
    assert DuplicateGroup.objects.filter(status=DuplicateGroup.Status.OPEN).count() == 2

    shot(page, "duplicate-review-keyboard")
    page.keyboard.press("m")  # merge, then on to the last pair
    page.wait_for_function(f"() => document.querySelector('input[name=ids]').value === '{order[2]}'")
    assert "統合しました" in page.inner_text(".flash")
    assert Merge.objects.count() == 1 and Person.objects.alive().count() == 5

    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"/duplicates/person/$"))
    assert page.eval_on_selector_all("a[data-open]", "els => els.length") == 1
    review = f"/duplicates/person/review/?ids={order[2]}"
    assert audit(browser, live_server.url, "mori", ["/duplicates/person/", review]) == {}  # the hints pass axe
