"""Who may define automation rules: administrators (rules over every record, or one team's), and managers — roles
whose reach is their own team (scope "team") — for their own team's records only. Everyone else may not see rules
at all (403), and a rule of another team is missing for a manager (404)."""

from kizuna.core.exceptions import NotFound, PermissionDenied
from kizuna.core.permissions import Scope, can_write_records, is_active_user, is_admin, scope_of


def may_manage_rules(user) -> bool:
    if not is_active_user(user):
        return False
    if is_admin(user):
        return True
    return scope_of(user) == Scope.TEAM and bool(user.team_id) and can_write_records(user)


def require_rule_manager(user) -> None:
    if not may_manage_rules(user):
        raise PermissionDenied()


def rules_visible_to(user):
    from .models import Rule

    if not may_manage_rules(user):
        return Rule.objects.none()
    qs = Rule.objects.select_related("owner", "team")
    return qs if is_admin(user) else qs.filter(team_id=user.team_id)


def get_rule_for_user(user, pk) -> "Rule":  # noqa: F821
    from kizuna.core.schemas import fits_bigint

    require_rule_manager(user)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    rule = rules_visible_to(user).filter(pk=pk).first() if fits_bigint(pk) else None
    if rule is None:
        raise NotFound()
    return rule
