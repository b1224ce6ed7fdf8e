import pytest

from kizuna.core import events
from kizuna.notifications.models import Notification


@pytest.fixture
def dispatch(db):
    """Hand the outbox to the consumers, as the worker does after each commit."""
    return events.dispatch_pending


def titles(user, kind=None):
    qs = Notification.objects.filter(user=user)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id").values_list("title", flat=True))
