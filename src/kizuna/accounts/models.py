import hashlib

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kizuna.core.japanese import username_key
from kizuna.core.permissions import Role as BuiltinRole
from kizuna.core.permissions import Scope


class Team(models.Model):
    name = models.CharField(_("チーム名"), max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("チーム")

    def __str__(self):
        return self.name


class Role(models.Model):
    """What a role's users may do (see core.permissions). The built-in four are rows too: admins may tune them,
    not delete them; custom roles are added in the admin screen."""

    key = models.SlugField(_("キー"), max_length=40, unique=True)
    name = models.CharField(_("名前"), max_length=100)
    description = models.CharField(_("説明"), max_length=300, blank=True)
    builtin = models.BooleanField(default=False, editable=False)
    scope = models.CharField(_("見える範囲"), max_length=10, choices=Scope.choices, default=Scope.STANDARD)
    administers = models.BooleanField(_("管理者権限（ユーザー・ロール・監査ログ）"), default=False)
    require_two_factor = models.BooleanField(_("二要素認証を必須にする"), default=False)
    permissions = models.JSONField(default=dict)  # {object_type: [action, ...]}
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-builtin", "id"]
        verbose_name = _("ロール")

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        """A built-in role keeps its translated name until an admin renames it (names are stored as entered)."""
        if not (self.builtin and self.key in BuiltinRole.values):
            return self.name
        label = BuiltinRole(self.key).label
        with translation.override(None):  # the name as the migration stored it
            untouched = self.name == str(label)
        return str(label) if untouched else self.name

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'

    def grants(self, object_type: str, action: str) -> bool:
        return action in self.permissions.get(object_type, [])


class UserManager(DjangoUserManager):
    def get_by_natural_key(self, username):
        """Login by the name as typed or by a look-alike of it (ａｄｍｉｎ, Admin): names are unique once folded."""
        user = self.filter(username=username).first() or self.with_username_like(username)
        if user is None:
            raise self.model.DoesNotExist()
        return user

    def with_username_like(self, username: str):
        """The user whose name folds (core.japanese.username_key) to the same key as `username`, if any. A scan:
        an installation has hundreds of users, not millions."""
        key = username_key(username)
        return next((u for u in self.all().iterator() if username_key(u.username) == key), None) if key else None


def lockout_username(request, credentials=None):
    """The name django-axes counts failed logins under (AXES_USERNAME_CALLABLE): the folded one, so that failures
    as ａｄｍｉｎ, Admin and admin add up to one lockout, as they log in to one account."""
    name = credentials.get("username") if credentials else getattr(request, "POST", {}).get("username")
    return username_key(name) if name else name


class User(AbstractUser):
    objects = UserManager()

    # The key of an accounts.Role row (not a foreign key: roles are looked up once per request by key).
    role = models.CharField(_("ロール"), max_length=40, default=BuiltinRole.MEMBER)
    team = models.ForeignKey(Team, models.SET_NULL, null=True, blank=True, related_name="members")
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("ユーザー")

    def __str__(self):
        return self.display_name or self.username


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("読み取り")
        WRITE = "write", _("書き込み")
        ADMIN = "admin", _("管理")

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名前"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or self.Scope.ADMIN in self.scopes


# --- two-factor login, recovery codes, rate-limit counters (accounts security) --------------------------------------
class TwoFactorDevice(models.Model):
    """A confirmed TOTP authenticator of a user (at most one). Unconfirmed secrets live only in the session."""

    user = models.OneToOneField(User, models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)  # base32, as shown to the user at enrolment
    last_step = models.BigIntegerField(default=0)  # the last accepted 30-second step: a code is never accepted twice
    confirmed_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("二要素認証")

    def __str__(self):
        return f"2FA {self.user}"


class RecoveryCode(models.Model):
    """Single-use recovery codes, stored as keyed hashes (HMAC with SECRET_KEY and the user id)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("リカバリーコード")

    def __str__(self):
        return f"recovery code #{self.pk} of {self.user_id}"


class RateCounter(models.Model):
    """Fixed-window counters shared by every worker process (rate limits on login, 2FA, reset, tokens)."""

    key = models.CharField(max_length=200, unique=True)  # scope:who:window-number
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}={self.count}"
