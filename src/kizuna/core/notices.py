"""Telling a user something (a mention, an assignment, a rule's notice, a webhook switched off).

Core does not know how notices are shown or mailed: the notifications app registers the deliverer from its
AppConfig.ready, and every other app calls `notify()`. Without a deliverer the notice goes to the log only."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    kind: str  # mention, assignment, task_due, rule, webhook_disabled, ...
    title: str
    body: str = ""
    url: str = ""
    obj: object = None  # the record it is about (the recipient must be able to see it, or it is not named)
    actor: object = None  # who caused it (None: the system)
    data: dict = field(default_factory=dict)


_deliverer: Callable[[list, Notice], object] | None = None


def register_deliverer(deliver: Callable[[list, Notice], object]) -> None:
    global _deliverer
    _deliverer = deliver


def notify(users, notice: Notice):
    """Deliver `notice` to each active user in `users` (users, or a team's members resolved by the caller)."""
    recipients = [u for u in users if u is not None and getattr(u, "is_active", False)]
    if not recipients:
        return None
    if _deliverer is None:
        log.info("notice %s for %s: %s", notice.kind, [u.pk for u in recipients], notice.title)
        return None
    return _deliverer(recipients, notice)
