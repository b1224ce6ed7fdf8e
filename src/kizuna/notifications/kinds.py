"""The kinds of notice and their labels. Apps may notify with other kinds: those are always shown."""

from django.utils.translation import gettext_lazy as _l

MENTION = "mention"
ASSIGNMENT = "assignment"
TASK_DUE = "task_due"
RULE = "rule"
WEBHOOK_DISABLED = "webhook_disabled"

KINDS = {
    MENTION: _l("メンション"),
    ASSIGNMENT: _l("担当の割り当て"),
    TASK_DUE: _l("期日のタスク"),
    RULE: _l("ルールからの通知"),
    WEBHOOK_DISABLED: _l("Webhook の停止"),
}
DEFAULT_IN_APP = list(KINDS)
DEFAULT_EMAIL = list(KINDS)


def label(kind: str) -> str:
    return str(KINDS.get(kind, kind))
