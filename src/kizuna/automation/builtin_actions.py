"""The actions rules can take on contacts and the timeline, registered in core.actions by this app (so contacts and
timeline stay as they are): assign an owner, add a tag, set a field, create a task, notify a user or a team, send
an e-mail. Every write goes through the owning app's service as the rule's owner, so it is validated, checked
against their permissions and audited like a write from the page. In a dry run (ctx.dry_run) nothing is written:
each action says what it would do."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kizuna.accounts.models import Team
from kizuna.contacts import services as contacts
from kizuna.core import actions, notices
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.permissions import can_write_record
from kizuna.timeline import services as timeline

from . import templating

RECORD_TYPES = ("person", "company", "activity", "insight", "task")
TAGGED_TYPES = ("person", "company")
# Fields a rule may set, per record type: the services validate the value as they do for a form.
SETTABLE = {
    "person": ("lifecycle_stage", "visibility", "prefecture", "city", "notes", "sensitive"),
    "company": ("industry", "visibility", "prefecture", "city", "notes", "sensitive"),
    "task": ("title", "due_date", "visibility"),
    "activity": ("subject", "visibility"),
    "insight": ("category", "confidence", "visibility"),
}
_UPDATE = {
    "person": (contacts.update_person, "person"),
    "company": (contacts.update_company, "company"),
    "activity": (timeline.update_activity, "activity"),
    "insight": (timeline.update_insight, "insight"),
    "task": (timeline.update_follow_up, "follow_up"),
}


def _update(ctx, data: dict) -> dict:
    service, name = _UPDATE[ctx.obj.permission_type]
    return service(actor=ctx.actor, data=data, **{name: ctx.obj})


def _would_write(ctx) -> str:
    """A dry run's note when the rule's owner could not make this write."""
    return "" if can_write_record(ctx.actor, ctx.obj) else _("（ただし実行ユーザーに編集の権限がないため失敗します）")


def _user(pk):
    user = get_user_model().objects.filter(pk=pk if str(pk).isdigit() else None, is_active=True).first()
    if user is None:
        raise ValidationFailed(_("ユーザーが見つかりません。"))
    return user


# --- assign owner ------------------------------------------------------------------------------------------------
def assign_owner(ctx, params) -> str:
    user = _user(params.get("user"))
    if ctx.dry_run:
        return _("担当者を %(user)s にします。") % {"user": user} + _would_write(ctx)
    changes = _update(ctx, {"owner": user.pk})
    return _("担当者を %(user)s にしました。") % {"user": user} if changes else _("担当者はすでに %(user)s です。") % {
        "user": user}  # fmt: skip


# --- add tag -----------------------------------------------------------------------------------------------------
def add_tag(ctx, params) -> str:
    tag = str(params.get("tag") or "").strip()[:50]
    if not tag:
        raise ValidationFailed(_("タグを入力してください。"))
    held = sorted(ctx.obj.tags.values_list("name", flat=True))
    if tag in held:
        return _("タグ「%(tag)s」はすでに付いています。") % {"tag": tag}
    if ctx.dry_run:
        return _("タグ「%(tag)s」を付けます。") % {"tag": tag} + _would_write(ctx)
    _update(ctx, {"tags": [*held, tag]})
    return _("タグ「%(tag)s」を付けました。") % {"tag": tag}


# --- set field ---------------------------------------------------------------------------------------------------
def set_field(ctx, params) -> str:
    field, value = str(params.get("field") or ""), params.get("value", "")
    if field not in SETTABLE.get(ctx.obj.permission_type, ()):
        raise ValidationFailed(_("項目「%(field)s」はルールから変更できません。") % {"field": field})
    if field == "sensitive":
        value = str(value).strip().lower() in ("1", "true", "on", "yes", "はい")
    label = ctx.obj._meta.get_field(field).verbose_name
    if ctx.dry_run:
        return _("%(field)s を「%(value)s」にします。") % {"field": label, "value": value} + _would_write(ctx)
    changes = _update(ctx, {field: value})
    if not changes:
        return _("%(field)s はすでに「%(value)s」です。") % {"field": label, "value": value}
    return _("%(field)s を「%(value)s」にしました。") % {"field": label, "value": value}


# --- create task -------------------------------------------------------------------------------------------------
def _is_holiday(day) -> bool:
    try:
        import jpholiday  # optional: national holidays when installed
    except ImportError:
        return False
    return bool(jpholiday.is_holiday(day))


def due_in(days: int, *, business_days: bool, start=None):
    """`days` days from today; with business days, Saturdays, Sundays (and national holidays when jpholiday is
    installed) are not counted."""
    day = start or timezone.localdate()
    if not business_days:
        return day + timedelta(days=days)
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and not _is_holiday(day):
            left -= 1
    return day


def _subject(obj) -> dict:
    kind = obj.permission_type
    if kind == "person":
        return {"person": obj.pk, **({"company": obj.company_id} if obj.company_id else {})}
    if kind == "company":
        return {"company": obj.pk}
    if kind == "task":
        return {k: v for k, v in (("person", obj.person_id), ("company", obj.company_id)) if v}
    if kind == "activity":
        return {"activity": obj.pk}
    if kind == "insight":
        return {k: v for k, v in (("person", obj.person_id), ("company", obj.company_id)) if v}
    return {}


def create_task(ctx, params) -> str:
    wanted = templating.used(str(params.get("title") or ""))
    context = templating.values(ctx.obj, ctx.actor, ctx.extra.get("rule"), wanted)
    title = templating.render(str(params.get("title") or ""), context).strip()[:200]
    try:
        days = int(params.get("days") or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(_("日数は整数で入力してください。")) from None
    business = str(params.get("business_days") or "").lower() in ("1", "true", "on", "yes")
    due = due_in(days, business_days=business)
    assignee = _user(params["assignee"]) if params.get("assignee") else (getattr(ctx.obj, "owner", None) or ctx.actor)
    if ctx.dry_run:
        return _("タスク「%(title)s」（期日 %(due)s、担当 %(user)s）を作ります。") % {
            "title": title, "due": due.isoformat(), "user": assignee}  # fmt: skip
    task = timeline.create_follow_up(actor=ctx.actor, data={
        "title": title, "due_date": due, "assignee": assignee.pk, **_subject(ctx.obj),
        "visibility": getattr(ctx.obj, "visibility", "team"),
    })  # fmt: skip
    return _("タスク「%(title)s」（期日 %(due)s、担当 %(user)s）を作りました（#%(id)s）。") % {
        "title": title, "due": due.isoformat(), "user": assignee, "id": task.pk}  # fmt: skip


# --- notify ------------------------------------------------------------------------------------------------------
def _notice(ctx, params) -> notices.Notice:
    rule = ctx.extra.get("rule")
    context = templating.values(ctx.obj, ctx.actor, rule, templating.used(str(params.get("message") or "")))
    body = templating.render(str(params.get("message") or ""), context)
    title = _("ルール「%(rule)s」: %(name)s") % {"rule": rule or "", "name": context["name"]}
    return notices.Notice(kind="rule", title=title, body=body, url=context["url"], obj=ctx.obj, actor=ctx.actor,
                          data={"rule": getattr(rule, "pk", None)})  # fmt: skip


def notify_user(ctx, params) -> str:
    user = _user(params.get("user"))
    notice = _notice(ctx, params)
    if not ctx.dry_run:
        notices.notify([user], notice)
    verb = _("通知します") if ctx.dry_run else _("通知しました")
    return _("%(user)s に%(verb)s: %(body)s") % {"user": user, "verb": verb, "body": notice.body[:200]}


def notify_team(ctx, params) -> str:
    team = Team.objects.filter(pk=params.get("team") if str(params.get("team")).isdigit() else None).first()
    if team is None:
        raise ValidationFailed(_("チームが見つかりません。"))
    members = list(get_user_model().objects.filter(team=team, is_active=True))
    notice = _notice(ctx, params)
    if not ctx.dry_run:
        notices.notify(members, notice)
    verb = _("通知します") if ctx.dry_run else _("通知しました")
    return _("%(team)s（%(n)d 人）に%(verb)s: %(body)s") % {"team": team, "n": len(members), "verb": verb,
                                                          "body": notice.body[:200]}  # fmt: skip


# --- e-mail ------------------------------------------------------------------------------------------------------
def _addresses(text: str) -> list[str]:
    found = [a.strip() for a in text.replace(";", ",").replace("\n", ",").split(",") if a.strip()]
    for address in found:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationFailed(_("宛先「%(a)s」はメールアドレスではありません。") % {"a": address}) from None
    if not found:
        raise ValidationFailed(_("宛先がありません（テンプレートの値が空です）。"))
    return found[:20]


def send_email(ctx, params) -> str:
    texts = [str(params.get(key) or "") for key in ("to", "subject", "body")]
    context = templating.values(ctx.obj, ctx.actor, ctx.extra.get("rule"), templating.used(*texts))
    to = _addresses(templating.render(str(params.get("to") or ""), context))
    subject = " ".join(templating.render(str(params.get("subject") or ""), context).split())[:200]  # one line
    body = templating.render(str(params.get("body") or ""), context)
    if ctx.dry_run:
        return _("%(to)s にメール「%(subject)s」を送ります。") % {"to": ", ".join(to), "subject": subject}
    EmailMessage(subject=subject, body=body, to=to).send()
    return _("%(to)s にメール「%(subject)s」を送りました。") % {"to": ", ".join(to), "subject": subject}


def register() -> None:
    P = actions.Param
    user_p, days = P("user", _l("ユーザー"), "user"), P("days", _l("何日後"), "days")
    message = P("message", _l("本文（{{ name }} などで項目を差し込めます）"), "template")
    for action in (
        actions.Action("record.assign_owner", _l("担当者を変更"), assign_owner, (user_p,), RECORD_TYPES),
        actions.Action("record.add_tag", _l("タグを付ける"), add_tag, (P("tag", _l("タグ")),), TAGGED_TYPES),
        actions.Action("record.set_field", _l("項目を設定"), set_field,
                       (P("field", _l("項目"), "field"), P("value", _l("値"), required=False)), tuple(SETTABLE)),
        actions.Action("timeline.create_task", _l("タスクを作成"), create_task, (
            P("title", _l("件名"), "template"), days, P("business_days", _l("営業日で数える"), "checkbox", False),
            P("assignee", _l("担当（空なら記録の担当者）"), "user", False)), RECORD_TYPES),
        actions.Action("notify.user", _l("ユーザーに通知"), notify_user, (user_p, message)),
        actions.Action("notify.team", _l("チームに通知"), notify_team, (P("team", _l("チーム"), "team"), message)),
        actions.Action("email.send", _l("メールを送信"), send_email, (
            P("to", _l("宛先（{{ owner_email }}、{{ email }} も可）"), "template"),
            P("subject", _l("件名"), "template"), P("body", _l("本文"), "long_template")), RECORD_TYPES),
    ):  # fmt: skip
        actions.register_action(action)
