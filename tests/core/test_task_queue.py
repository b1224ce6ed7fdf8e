"""Every task is queued through `core.tasks.enqueue`, so the worker takes tasks in the order they became due."""

import re
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from kizuna.core.tasks import dispatch_events, enqueue
from kizuna.imports.tasks import run_import

SRC = Path(__file__).resolve().parents[2] / "src" / "kizuna"


@pytest.mark.django_db
def test_a_stream_of_delayed_event_dispatches_does_not_starve_an_import_queued_before_them():
    imported = enqueue(run_import, 1)
    for _ in range(3):  # as writers do: each dispatch due a moment after it was queued
        enqueue(dispatch_events)
    claimed = [str(result.id) for result in DBTaskResult.objects.ready()]
    assert claimed[0] == str(imported.id)


def test_no_task_is_queued_any_other_way():
    direct = [f"{path.relative_to(SRC)}:{number}"
              for path in SRC.rglob("*.py") if path.name != "tasks.py" or path.parent.name != "core"
              for number, line in enumerate(path.read_text().splitlines(), 1)
              if re.search(r"\.enqueue\(", line)]  # fmt: skip
    assert direct == [], "queue tasks with kizuna.core.tasks.enqueue (it keeps them in the order they became due)"
