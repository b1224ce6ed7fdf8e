"""Which deals a capture line created (`#会社 $案件 300万`), so that undoing the capture can remove the deal again."""

from django.db import models
from django.utils import timezone

from .deals import Deal


class CapturedDeal(models.Model):
    """A deal made by a capture line, with the deal's version right after the capture saved it: undoing the capture
    deletes the deal only while nothing has changed it since (same version, no other activity, no quote)."""

    deal = models.OneToOneField(Deal, models.CASCADE, primary_key=True, related_name="capture_origin")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"deal #{self.deal_id} v{self.version}"
