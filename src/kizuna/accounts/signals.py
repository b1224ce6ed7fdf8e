"""Logins, logouts and failed logins go to the audit log (Django's auth signals are the only place all
three are seen, whatever the login path). A login also stamps the session for the idle and absolute timeouts."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kizuna.core import audit


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    from .middleware import start_session

    changes = {}
    if request is not None:
        start_session(request)
        if method := getattr(request, "kizuna_second_factor", None):
            changes["second_factor"] = method
    audit.record(actor=user, action="login", object_type="accounts.user", label=user.get_username(), changes=changes)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="logout", object_type="accounts.user", label=user.get_username())


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    # The login's second step sends this signal (so django-axes counts it) after too many wrong codes.
    action = "login.2fa_too_many" if credentials.get("second_factor") else "login.failed"
    audit.record(actor=None, action=action, object_type="accounts.user", label=username)
