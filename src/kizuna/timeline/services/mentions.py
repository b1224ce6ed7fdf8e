"""Which user `@@鈴木` names: an active user whose display name starts with the name (鈴木 一郎), or whose username
is the name (suzuki). Notes keep `@@鈴木` as written; the notifications app tells the user named after the commit
(timeline does not know how notices are delivered)."""

from django.contrib.auth import get_user_model

from kizuna.core import japanese


def _match(user, wanted: str, login: str) -> str:
    """ "exact" (the full display name or the username), "prefix" (鈴木 for 鈴木 一郎), or ""."""
    display, username = japanese.search_text(user.display_name or ""), japanese.username_key(user.username)
    if wanted in (display, japanese.search_text(username)) or login == username:
        return "exact"
    if (display and display.startswith(wanted)) or username.startswith(login):
        return "prefix"
    return ""


def users_named(name: str) -> list:
    """Candidates for `name`, the exact ones (full display name, username) first. A scan: an installation has
    hundreds of users, not millions."""
    wanted, login = japanese.search_text(name), japanese.username_key(name)
    if not wanted or not login:
        return []
    exact, prefix = [], []
    for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
        kind = _match(user, wanted, login)
        if kind:
            (exact if kind == "exact" else prefix).append(user)
    return exact + prefix


def resolve_user(name: str):
    """The one user `name` means, or None when nobody or several (鈴木 when there are two 鈴木s) match."""
    found = users_named(name)
    wanted, login = japanese.search_text(name), japanese.username_key(name)
    exact = [u for u in found if _match(u, wanted, login) == "exact"]
    if len(exact) == 1:
        return exact[0]
    return found[0] if len(found) == 1 else None


def mentioned_users(names) -> list:
    """The users a note's @@names resolve to, each once; names that match nobody or several are left out."""
    users = {}
    for name in names:
        user = resolve_user(name)
        if user is not None:
            users.setdefault(user.pk, user)
    return list(users.values())
