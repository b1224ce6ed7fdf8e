"""All writes of the notifications app: delivering and marking notices, preferences, the calendar feed's secret."""

from .feed import create_feed, revoke_feed, user_for_token
from .inbox import (
    can_see,
    deliver,
    mark_all_read,
    mark_read,
    preference_for,
    unread_count,
    update_preferences,
)

__all__ = ["can_see", "create_feed", "deliver", "mark_all_read", "mark_read", "preference_for", "revoke_feed",
           "unread_count", "update_preferences", "user_for_token"]  # fmt: skip
