"""Web chat visitors: one per browser that opened the widget on a site (a chat channel). The browser keeps a random
token (only its hash is stored); the visitor stays anonymous until they give a name or e-mail."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.models import Person

from .tickets import Channel, Ticket


class ChatVisitor(models.Model):
    channel = models.ForeignKey(Channel, models.CASCADE, related_name="chat_visitors")
    public_id = models.CharField(max_length=32, unique=True)  # intake's chat_visitor_id
    token_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("名前"), max_length=100, blank=True)
    email = models.CharField(_("メールアドレス"), max_length=254, blank=True)
    person = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="chat_visitors", verbose_name=_("お客様")
    )
    ticket = models.ForeignKey(Ticket, models.SET_NULL, null=True, blank=True, related_name="+")
    origin = models.CharField(max_length=200, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)  # for the per-site limit on new conversations
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("チャット訪問者")
        verbose_name_plural = _("チャット訪問者")
        indexes = [models.Index(fields=["channel", "ip_hash", "created_at"], name="chat_visitor_ip_idx")]

    def __str__(self):
        return self.name or self.email or self.public_id
