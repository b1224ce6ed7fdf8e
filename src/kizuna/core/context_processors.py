from .permissions import is_admin


def access(request):
    """What the menus need to know about the user's role."""
    return {"user_is_admin": is_admin(getattr(request, "user", None))}
