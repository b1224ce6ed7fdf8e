"""Who gets a new ticket: manual (nobody until an agent takes it), round robin among the team's agents, or by skill
(the ticket's category among the agent's skills). Every mode keeps to agents who answer the ticket's channel kind
(担当者設定). The mode is a channel's setting: `channel.settings["assignment"]` = manual | round_robin | skill."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import has_perm, is_admin

from ..models import AgentProfile, Ticket

MODES = {"manual": _l("手動"), "round_robin": _l("ラウンドロビン"), "skill": _l("スキル")}


def mode_of(ticket: Ticket) -> str:
    mode = (ticket.channel.settings or {}).get("assignment", "manual") if ticket.channel_id else "manual"
    return mode if mode in MODES else "manual"


def eligible_agents(ticket: Ticket, *, mode: str):
    """Agents who may get the ticket, the one waiting longest for a ticket first."""
    users = get_user_model().objects.filter(is_active=True)
    if ticket.team_id:
        users = users.filter(team_id=ticket.team_id)
    profiles = AgentProfile.objects.filter(accepts_tickets=True, user__in=users).select_related("user", "user__team")
    kind = ticket.channel.kind if ticket.channel_id else ""
    out = []
    for profile in profiles.order_by(F("last_assigned_at").asc(nulls_first=True), "user_id"):
        if kind and profile.channel_kinds and kind not in profile.channel_kinds:
            continue
        if mode == "skill" and ticket.category and ticket.category not in (profile.skills or []):
            continue
        if has_perm(profile.user, "ticket", "edit"):
            out.append(profile)
    return out


def auto_assign(ticket: Ticket, *, mode: str | None = None):
    """Assign a new ticket by its channel's mode; returns the agent or None (manual, or nobody eligible)."""
    from .tickets import _assign

    mode = mode or mode_of(ticket)
    if mode == "manual" or ticket.owner_id:
        return None
    with transaction.atomic():
        agents = eligible_agents(ticket, mode=mode)
        if not agents and mode == "skill":  # nobody has the skill: round robin keeps the ticket from waiting unseen
            agents = eligible_agents(ticket, mode="round_robin")
        if not agents:
            return None
        profile = AgentProfile.objects.select_for_update().get(pk=agents[0].pk)
        profile.last_assigned_at = timezone.now()
        profile.save(update_fields=["last_assigned_at"])
        _assign(ticket, profile.user, actor=None, how=mode)
    return profile.user


def save_agent_profile(*, actor, user, data: dict) -> AgentProfile:
    """An agent's assignment settings; admins and the agent's manager may change them, agents their own."""
    from kizuna.core import audit
    from kizuna.core.permissions import manages_team_of

    from ..models import ChannelKind

    if not (is_admin(actor) or actor.pk == user.pk or manages_team_of(actor, user)):
        raise PermissionDenied()
    kinds = [k for k in data.get("channel_kinds") or [] if k]
    unknown = [k for k in kinds if k not in ChannelKind.values]
    if unknown:
        raise ValidationFailed(field_errors={"channel_kinds": [_("チャネルの種類が正しくありません。")]})
    skills = []
    for skill in data.get("skills") or []:
        skill = " ".join(str(skill).split())[:60]
        if skill and skill not in skills:
            skills.append(skill)
    with transaction.atomic():
        profile, _created = AgentProfile.objects.get_or_create(user=user)
        before = {"accepts_tickets": profile.accepts_tickets, "skills": profile.skills,
                  "channel_kinds": profile.channel_kinds}  # fmt: skip
        profile.accepts_tickets = bool(data.get("accepts_tickets", profile.accepts_tickets))
        profile.skills, profile.channel_kinds = skills, kinds
        profile.save()
        after = {"accepts_tickets": profile.accepts_tickets, "skills": skills, "channel_kinds": kinds}
        audit.record(actor=actor, action="support.agent_profile", obj=user, changes=audit.diff(before, after),
                     label=str(user))  # fmt: skip
    return profile
