"""The private calendar feed's secret: created (or regenerated) and revoked by its user, audited, stored hashed."""

import hashlib
import secrets

from django.db import transaction

from kizuna.core import audit

from ..models import CalendarFeed

PREFIX = "kzcal_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()  # 256 random bits: a fast hash is enough


def create_feed(*, actor) -> tuple[CalendarFeed, str]:
    """A new secret URL token for the actor's feed; any earlier one stops working. The raw token is returned once."""
    raw = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        existed = CalendarFeed.objects.filter(user=actor).delete()[0] > 0
        feed = CalendarFeed.objects.create(user=actor, token_hash=_hash(raw), prefix=raw[len(PREFIX) :][:6])
        audit.record(actor=actor, action="calendar_feed.regenerate" if existed else "calendar_feed.create",
                     obj=feed, label=str(actor), changes={"prefix": [None, feed.prefix]})  # fmt: skip
    return feed, raw


def revoke_feed(*, actor) -> bool:
    with transaction.atomic():
        feed = CalendarFeed.objects.filter(user=actor).first()
        if feed is None:
            return False
        audit.record(actor=actor, action="calendar_feed.revoke", obj=feed, label=str(actor),
                     changes={"prefix": [feed.prefix, None]})  # fmt: skip
        feed.delete()
    return True


def user_for_token(raw: str):
    """The active user whose feed this token opens, or None (unknown, revoked, malformed, inactive user)."""
    if not raw or len(raw) > 100 or not raw.startswith(PREFIX):
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=_hash(raw)).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
