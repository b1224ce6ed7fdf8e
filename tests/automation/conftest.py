import pytest

from kizuna.automation import services
from kizuna.core import events


@pytest.fixture
def rule(cast):
    """rule(actor=admin, trigger=..., conditions=[...], actions=[...]) → a saved rule."""

    def make(actor=None, **data):
        data.setdefault("name", "テストルール")
        data.setdefault("trigger", "person.updated")
        return services.create_rule(actor=actor or cast.admin, data=data)

    return make


def drain(limit: int = 50) -> int:
    """Hand every pending event (and those the rules' own writes cause) to the consumers."""
    total = 0
    for _ in range(limit):
        handled = events.dispatch_pending()
        total += handled
        if not handled:
            break
    return total
