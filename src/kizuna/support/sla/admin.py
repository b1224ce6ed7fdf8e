"""Administrators' writes to calendars and policies (UI and API call these): validation with Japanese messages,
one transaction and one audit row each. A change that moves due times recomputes the running clocks."""

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied
from kizuna.core.permissions import is_admin
from kizuna.core.services import Errors, text
from kizuna.core.tasks import enqueue

from ..models import BusinessCalendar, CalendarDay, SlaPolicy, Ticket
from . import calendar as cal

WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")


def require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied(_("管理者だけが使えます。"))


# --- hours -----------------------------------------------------------------------------------------------------
def parse_intervals(value, errors: Errors, field: str) -> list[list[int]]:
    """ "9:00-12:00, 13:00-18:00" or ["9:00-12:00", …] or [[540, 720], …] → [[540, 720], …]."""
    if value in (None, ""):
        return []
    items = value.replace("、", ",").replace("，", ",").split(",") if isinstance(value, str) else list(value)
    pairs = []
    for item in items:
        try:
            if isinstance(item, str):
                if not item.strip():
                    continue
                start, sep, end = item.strip().replace("〜", "-").replace("～", "-").replace("–", "-").partition("-")
                if not sep:
                    raise cal.CalendarError(item)
                pairs.append((cal.parse_hhmm(start), cal.parse_hhmm(end)))
            else:
                start, end = item
                pairs.append((int(start), int(end)))
        except (cal.CalendarError, TypeError, ValueError):
            errors.add(
                field, _("「%(value)s」は時間帯として読めません。9:00-12:00 のように書いてください。") % {"value": item}
            )
            return []
    try:
        return [list(p) for p in cal.normalize_intervals(pairs)]
    except cal.CalendarError as exc:
        errors.add(
            field,
            _(
                "時間帯 %(value)s は開始が終了より前で、0:00〜24:00 の中に収まる必要があります"
                "（日をまたぐ時間帯は2日に分けてください）。"
            )
            % {"value": exc},
        )
        return []


def format_intervals(intervals) -> str:
    return ", ".join(f"{cal.format_hhmm(s)}-{cal.format_hhmm(e)}" for s, e in intervals)


def _calendar_data(data: dict, errors: Errors, current: BusinessCalendar | None) -> dict:
    out = {}
    if current is None or "name" in data:
        out["name"] = text(data, "name", 100, errors, required=True, label=_("名前"))
        clash = BusinessCalendar.objects.filter(name=out["name"]).exclude(pk=getattr(current, "pk", None))
        if out["name"] and clash.exists():
            errors.add("name", _("同じ名前のカレンダーがあります。"))
    if "timezone" in data:
        tz = str(data.get("timezone") or "Asia/Tokyo").strip()
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            errors.add("timezone", _("タイムゾーン「%(value)s」が見つかりません。") % {"value": tz})
        out["timezone"] = tz
    if "hours" in data:
        hours = data.get("hours") or {}
        if not isinstance(hours, dict):
            errors.add("hours", _("営業時間は曜日ごとに指定してください。"))
            hours = {}
        out["hours"] = {
            str(d): parse_intervals(hours.get(str(d), hours.get(d)), errors, f"hours.{d}") for d in range(7)
        }
    for flag in ("national_holidays", "year_end_closed", "is_default"):
        if flag in data:
            out[flag] = bool(data[flag])
    return out


@transaction.atomic
def save_calendar(*, actor, data: dict, calendar: BusinessCalendar | None = None) -> BusinessCalendar:
    require_admin(actor)
    errors = Errors()
    values = _calendar_data(data, errors, calendar)
    errors.raise_if_any()
    creating = calendar is None
    calendar = calendar or BusinessCalendar()
    before = {k: getattr(calendar, k) for k in values} if not creating else {}
    for key, value in values.items():
        setattr(calendar, key, value)
    if not creating:
        calendar.version += 1
    calendar.updated_at = timezone.now()
    calendar.save()
    if values.get("is_default"):
        BusinessCalendar.objects.exclude(pk=calendar.pk).update(is_default=False)
    elif not BusinessCalendar.objects.filter(is_default=True).exists():
        BusinessCalendar.objects.filter(pk=calendar.pk).update(is_default=True)
        calendar.is_default = True
    audit.record(actor=actor, action="sla.calendar.create" if creating else "sla.calendar.update", obj=calendar,
                 changes=values if creating else audit.diff(before, values))  # fmt: skip
    if not creating:
        _recompute_after_commit(calendar_id=calendar.pk)
    return calendar


@transaction.atomic
def delete_calendar(*, actor, calendar: BusinessCalendar) -> None:
    require_admin(actor)
    if calendar.policies.exists():
        errors = Errors()
        errors.add("calendar", _("このカレンダーを使っている SLA ポリシーがあるため削除できません。"))
        errors.raise_if_any()
    audit.record(actor=actor, action="sla.calendar.delete", obj=calendar, changes={"name": [calendar.name, None]})
    calendar.delete()


@transaction.atomic
def add_day(*, actor, calendar: BusinessCalendar, data: dict) -> CalendarDay:
    """A closed day or an extra working day (with its own hours, or the calendar's usual weekday hours)."""
    require_admin(actor)
    errors = Errors()
    raw = str(data.get("date") or "").strip()
    try:
        day = date.fromisoformat(raw.replace("/", "-"))
    except ValueError:
        errors.add("date", _("日付は 2026-08-13 のように入力してください。"))
        day = None
    kind = data.get("kind")
    if kind not in CalendarDay.Kind.values:
        errors.add("kind", _("種類は「休業日」か「臨時営業日」です。"))
    hours = parse_intervals(data.get("hours"), errors, "hours") if kind == CalendarDay.Kind.OPEN else []
    note = text(data, "note", 100, errors)
    if day and CalendarDay.objects.filter(calendar=calendar, date=day).exists():
        errors.add("date", _("%(date)s はすでに登録されています。") % {"date": day})
    errors.raise_if_any()
    row = CalendarDay.objects.create(calendar=calendar, date=day, kind=kind, hours=hours, note=note)
    _bump(calendar)
    audit.record(actor=actor, action="sla.calendar.day_add", obj=calendar,
                 changes={"date": [None, str(day)], "kind": [None, kind], "note": [None, note]})  # fmt: skip
    return row


@transaction.atomic
def remove_day(*, actor, day: CalendarDay) -> None:
    require_admin(actor)
    calendar = day.calendar
    audit.record(actor=actor, action="sla.calendar.day_remove", obj=calendar,
                 changes={"date": [str(day.date), None], "kind": [day.kind, None]})  # fmt: skip
    day.delete()
    _bump(calendar)


def _bump(calendar: BusinessCalendar) -> None:
    BusinessCalendar.objects.filter(pk=calendar.pk).update(version=F("version") + 1, updated_at=timezone.now())
    _recompute_after_commit(calendar_id=calendar.pk)


def _recompute_after_commit(**kwargs) -> None:
    from .tasks import recompute_clocks

    transaction.on_commit(lambda: enqueue(recompute_clocks, **kwargs))


# --- policies ----------------------------------------------------------------------------------------------------
MINUTE_FIELDS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")


def _minutes(data, key, errors, *, required=False):
    value = data.get(key)
    if value in (None, ""):
        if required:
            errors.add(key, _("営業分で入力してください。"))
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(key, _("「%(value)s」は分数として読めません。整数（営業分）で入力してください。") % {"value": value})
        return None
    if not 0 < number <= 525_600:
        errors.add(key, _("1〜525600 の営業分で入力してください。"))
        return None
    return number


def _policy_data(data: dict, errors: Errors, current: SlaPolicy | None) -> dict:
    out = {}
    if current is None or "name" in data:
        out["name"] = text(data, "name", 100, errors, required=True, label=_("名前"))
    if "priority" in data:
        out["priority"] = str(data.get("priority") or "")
        if out["priority"] and out["priority"] not in Ticket.Priority.values:
            errors.add(
                "priority", _("優先度は %(values)s のいずれかです。") % {"values": ", ".join(Ticket.Priority.values)}
            )
    for key, size in (("category", 60), ("customer_tier", 60)):
        if key in data:
            out[key] = text(data, key, size, errors)
    if current is None or "calendar" in data:
        calendar_id = data.get("calendar")
        calendar = BusinessCalendar.objects.filter(pk=calendar_id).first() if str(calendar_id or "").isdigit() else None
        if calendar is None:
            errors.add("calendar", _("営業カレンダーを選んでください。"))
        out["calendar"] = calendar
    for key in MINUTE_FIELDS:
        if key in data:
            out[key] = _minutes(data, key, errors)
    if "warn_before_minutes" in data:
        out["warn_before_minutes"] = _minutes(data, "warn_before_minutes", errors) or 0
    if current is None and not any(out.get(k) for k in MINUTE_FIELDS):
        errors.add(
            "first_response_minutes", _("初回応答・次回応答・解決のうち、少なくとも1つの目標を入力してください。")
        )
    for flag in ("active", "escalate_to_manager", "raise_priority"):
        if flag in data:
            out[flag] = bool(data[flag])
    if "escalation_user" in data:
        user_id = data.get("escalation_user")
        user = (
            get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id not in (None, "") else None
        )
        if user_id not in (None, "") and user is None:
            errors.add("escalation_user", _("担当替え先のユーザーが見つかりません。"))
        out["escalation_user"] = user
    if "position" in data:
        try:
            out["position"] = max(0, int(data["position"]))
        except (TypeError, ValueError):
            errors.add("position", _("順番は整数で入力してください。"))
    return out


@transaction.atomic
def save_policy(*, actor, data: dict, policy: SlaPolicy | None = None) -> SlaPolicy:
    require_admin(actor)
    errors = Errors()
    values = _policy_data(data, errors, policy)
    errors.raise_if_any()
    creating = policy is None
    if creating and "position" not in values:
        last = SlaPolicy.objects.order_by("-position").values_list("position", flat=True).first()
        values["position"] = (last or 0) + 10
    policy = policy or SlaPolicy()
    before = {k: getattr(policy, k) for k in values} if not creating else {}
    for key, value in values.items():
        setattr(policy, key, value)
    if not creating:
        policy.version += 1
    policy.save()
    audit.record(actor=actor, action="sla.policy.create" if creating else "sla.policy.update", obj=policy,
                 changes=values if creating else audit.diff(before, values))  # fmt: skip
    _recompute_after_commit()
    return policy


@transaction.atomic
def delete_policy(*, actor, policy: SlaPolicy) -> None:
    require_admin(actor)
    audit.record(actor=actor, action="sla.policy.delete", obj=policy, changes={"name": [policy.name, None]})
    policy.delete()
    _recompute_after_commit()


@transaction.atomic
def move_policy(*, actor, policy: SlaPolicy, direction: str) -> SlaPolicy:
    """Swap with the neighbour above ("up") or below ("down") in the matching order."""
    require_admin(actor)
    ordered = list(SlaPolicy.objects.order_by("position", "id"))
    index = next(i for i, p in enumerate(ordered) if p.pk == policy.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down"):
        errors = Errors()
        errors.add("direction", _("direction は up か down です。"))
        errors.raise_if_any()
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, row in enumerate(ordered):
            SlaPolicy.objects.filter(pk=row.pk).update(position=(position + 1) * 10)
        audit.record(actor=actor, action="sla.policy.move", obj=policy, changes={"direction": [None, direction]})
        _recompute_after_commit()
    policy.refresh_from_db()
    return policy
