"""引き継ぎ: hand a set of accounts (companies, their people, open follow-ups) from one user to another."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.contacts.models import Company, Person
from kizuna.core import audit, records
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import Scope, is_admin, manages_team_of, scope_of

from ..models import FollowUp


@dataclass
class HandoverPlan:
    from_user: object
    to_user: object
    companies: list = field(default_factory=list)
    people: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)

    @property
    def counts(self) -> dict:
        return {"companies": len(self.companies), "people": len(self.people), "follow_ups": len(self.follow_ups)}


def may_hand_over_any(user) -> bool:
    """Administrators, and managers for their own team: who sees 引き継ぎ in the menu."""
    return is_admin(user) or (scope_of(user) == Scope.TEAM and bool(user.team_id))


def _may_hand_over(actor, from_user, to_user) -> bool:
    if is_admin(actor):
        return True
    return manages_team_of(actor, from_user) and manages_team_of(actor, to_user)


def plan_handover(*, actor, from_user, to_user, company_ids=None) -> HandoverPlan:
    """What would move: the chosen companies owned by `from_user` (all of them when none are chosen),
    the people at those companies owned by `from_user`, and `from_user`'s open follow-ups on them."""
    if not _may_hand_over(actor, from_user, to_user):
        raise PermissionDenied(_("引き継ぎは管理者か、両方の担当者が所属するチームのマネージャーが行います。"))
    if from_user.pk == to_user.pk:
        raise ValidationFailed(field_errors={"to_user": [_("引き継ぎ先は別の担当者を選んでください。")]})
    companies = Company.objects.visible_to(actor).filter(owner=from_user)
    if company_ids:
        companies = companies.filter(pk__in=company_ids)
    companies = list(companies.order_by("name_key", "id"))
    people = list(Person.objects.visible_to(actor).filter(owner=from_user, company__in=companies).order_by("pk"))
    follow_ups = list(
        FollowUp.objects.visible_to(actor).filter(assignee=from_user, done_at__isnull=True)
        .filter(company__in=companies) | FollowUp.objects.visible_to(actor).filter(
            assignee=from_user, done_at__isnull=True, person__in=people)
    )  # fmt: skip
    return HandoverPlan(from_user, to_user, companies, people, list({f.pk: f for f in follow_ups}.values()))


def hand_over(*, actor, from_user, to_user, company_ids=None) -> HandoverPlan:
    plan = plan_handover(actor=actor, from_user=from_user, to_user=to_user, company_ids=company_ids)
    with transaction.atomic():
        for obj in [*plan.companies, *plan.people]:
            records.apply_changes(actor=actor, obj=obj, data={"owner": to_user, "team": to_user.team},
                                  fields=["owner", "team"], action="handover")  # fmt: skip
        for follow_up in plan.follow_ups:
            records.apply_changes(actor=actor, obj=follow_up, data={"assignee": to_user}, fields=["assignee"],
                                  action="handover")  # fmt: skip
        audit.record(
            actor=actor, action="handover.summary", object_type="accounts.user",
            label=f"{from_user} → {to_user}", changes={"counts": [None, plan.counts]},
        )  # fmt: skip
    return plan
