"""All writes to the timeline. Views, API, capture, import and jobs call these functions."""

from .activities import create_activity, delete_activity, restore_activity, update_activity
from .attachments import add_attachment, delete_attachment, open_attachment, sniff
from .capture import capture_day, plan_capture, save_capture, undo_capture
from .follow_ups import complete_follow_up, create_follow_up, delete_follow_up, update_follow_up
from .handover import hand_over, plan_handover
from .insights import confirm_insight, create_insight, delete_insight, update_insight
from .relationships import create_relationship, delete_relationship, get_relationship_for_user

__all__ = [
    "add_attachment",
    "capture_day",
    "complete_follow_up",
    "confirm_insight",
    "create_activity",
    "create_follow_up",
    "create_insight",
    "create_relationship",
    "delete_activity",
    "delete_attachment",
    "delete_follow_up",
    "delete_insight",
    "delete_relationship",
    "get_relationship_for_user",
    "hand_over",
    "open_attachment",
    "plan_capture",
    "plan_handover",
    "restore_activity",
    "save_capture",
    "sniff",
    "undo_capture",
    "update_activity",
    "update_follow_up",
    "update_insight",
]  # fmt: skip
