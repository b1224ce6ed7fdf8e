"""What an automation rule can do: each app registers its own actions (contacts and timeline: assign an owner, add
a tag, set a field, create a task; notifications: notify a user or team; webhooks: call a webhook; support and
sales later: their own), so the rule engine knows none of them by name.

An action is `run(ctx, params) -> str`: `ctx.obj` is the record the event is about (reloaded), `ctx.actor` the
user the rule acts as, `ctx.event` the OutboxEvent, `ctx.dry_run` True for "test on this record" (describe, do not
write). It returns one line saying what it did (or would do); it raises core.exceptions.DomainError to fail."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Param:
    name: str
    label: object
    kind: str = "text"  # text, long_text, number, user, team, choice, field, days, url, template
    required: bool = True
    choices: tuple = ()


@dataclass(frozen=True)
class Action:
    key: str
    label: object
    run: Callable
    params: tuple[Param, ...] = ()
    object_types: tuple[str, ...] = ()  # empty: any record


@dataclass
class ActionContext:
    obj: object
    actor: object
    event: object = None
    dry_run: bool = False
    extra: dict = field(default_factory=dict)


_ACTIONS: dict[str, Action] = {}


def register_action(action: Action) -> None:
    _ACTIONS[action.key] = action


def actions() -> dict[str, Action]:
    return dict(_ACTIONS)


def get(key: str) -> Action | None:
    return _ACTIONS.get(key)
