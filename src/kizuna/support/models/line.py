"""LINE users who talk to a LINE official account (one channel): their profile, whether they follow the account,
the person they are, the conversation's current ticket and the latest reply token."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Person

from .tickets import Channel, Ticket


class LineContact(models.Model):
    channel = models.ForeignKey(Channel, models.CASCADE, related_name="line_contacts")
    user_id = models.CharField(_("LINEユーザーID"), max_length=64)
    person = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="line_contacts", verbose_name=_("お客様")
    )
    display_name = models.CharField(_("表示名"), max_length=200, blank=True)
    picture_url = models.URLField(max_length=500, blank=True)
    following = models.BooleanField(_("友だち"), default=True)
    followed_at = models.DateTimeField(null=True, blank=True)
    unfollowed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(Ticket, models.SET_NULL, null=True, blank=True, related_name="+")
    reply_token = models.CharField(max_length=100, blank=True)  # the latest unused one
    reply_token_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("LINE友だち")
        verbose_name_plural = _("LINE友だち")
        constraints = [models.UniqueConstraint(fields=["channel", "user_id"], name="line_contact_once")]
        indexes = [models.Index(fields=["user_id"], name="line_contact_user_idx")]

    def __str__(self):
        return self.display_name or self.user_id
