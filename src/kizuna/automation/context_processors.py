from .permissions import may_manage_rules


def access(request):
    """Managers reach 設定 → 自動化ルール although the other settings are administrators' only."""
    return {"user_manages_rules": may_manage_rules(getattr(request, "user", None))}
