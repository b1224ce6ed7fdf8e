"""Plumbing shared by the contacts pages: access errors → 404/403, list pages, edit-with-conflict handling."""

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kizuna.contacts.masking import mask_changes
from kizuna.contacts.models import Employment
from kizuna.contacts.services.merge import history_ids
from kizuna.core.audit import READ_ACTIONS
from kizuna.core.exceptions import DomainError, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.core.pagination import paginate
from kizuna.core.permissions import can_write_record, has_perm
from kizuna.core.visibility import viewer_for

from .conflict import differences


def page_view(view):
    """Login required; domain access errors become the usual 404 and 403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        except DomainError as exc:  # bad input, a conflict, too many requests: a 4xx page that says why
            return error_page(request, exc)

    return wrapper


def error_page(request, exc: DomainError):
    response = render(request, "error.html", {"message": exc.summary, "status": exc.status}, status=exc.status)
    if retry_after := getattr(exc, "retry_after", None):
        response["Retry-After"] = str(retry_after)
    return response


def require_writer(user, object_type: str, action: str = "create"):
    if not has_perm(user, object_type, action):
        raise PermissionDenied()


def list_page(request, *, queryset, sorts: dict, template: str, partial: str, extra: dict, prepare=None):
    """A keyset-paged list; `prepare(items)` adjusts the page's rows before they are shown (masking)."""
    sort_key = request.GET.get("sort", "updated")
    sort = sorts.get(sort_key, sorts["updated"])
    try:
        page = paginate(queryset, sort=sort, cursor=request.GET.get("cursor") or None, limit=25)
    except ValidationFailed as exc:
        messages.warning(request, exc.message)
        page = paginate(queryset, sort=sort, limit=25)
    if prepare:
        prepare(page.items)
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {
        "page": page,
        "sort": sort_key,
        "base_query": params.urlencode(),
        "can_create": has_perm(request.user, queryset.model.permission_type, "create"),
        **extra,
    }
    return render(request, partial if request.htmx and not request.htmx.boosted else template, context)


ACTION_LABELS = {
    "create": _l("作成"), "update": _l("更新"), "delete": _l("削除"), "restore": _l("復元"),
    "employment.add": _l("職歴を追加"), "employment.update": _l("職歴を更新"), "employment.delete": _l("職歴を削除"),
    "merge": _l("統合"), "merged_into": _l("統合された"), "merge.undo": _l("統合を取り消し"),
    "dedup.train": _l("重複判定モデルを推定"),
    "duplicate.dismiss": _l("重複ではないと確認"),
    "share": _l("共有・機密扱いを変更"), "view": _l("閲覧（機密扱い）"),
    "privacy.consent": _l("利用目的・取得経路を記録"), "privacy.provision": _l("第三者提供を記録"),
    "privacy.disclose": _l("開示"), "privacy.correct": _l("訂正"), "privacy.suspend": _l("利用停止"),
    "privacy.resume": _l("利用再開"), "privacy.request": _l("請求を記録"), "privacy.erase": _l("消去"),
    "reveal": _l("機微項目を一時表示"),
}  # fmt: skip
EXTRA_FIELD_LABELS = {
    "emails": _l("メール"), "phones": _l("電話"), "tags": _l("タグ"), "company": _l("会社"), "site": _l("拠点"),
    "department": _l("部署"), "title": _l("役職"), "start_date": _l("開始日"), "end_date": _l("終了日"),
    "is_primary": _l("主所属"), "merged": _l("統合したレコード"), "merged_into": _l("統合先"),
    "restored": _l("元に戻したレコード"), "not_duplicate_of": _l("重複ではない相手"),
    "shared_with": _l("共有先"), "shared_with_teams": _l("共有先チーム"), "confirmed": _l("確認済みにした番号"),
}  # fmt: skip


def _field_label(model, name: str) -> str:
    if name in EXTRA_FIELD_LABELS:
        return EXTRA_FIELD_LABELS[name]
    try:
        return model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name


_ROW_ID = re.compile(r" \(#\d+\)$")  # how the audit log names a linked record: people read the name only


def _choice_labels(model, name: str) -> dict:
    for candidate in (model, Employment):
        try:
            field = candidate._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        return {str(key): label for key, label in field.flatchoices} if field.choices else {}
    return {}


def _readable(model, name: str, value):
    """A value of the history as people read it: names without row ids, はい/いいえ, choices by their label."""
    if isinstance(value, list):
        return "、".join(str(_readable(model, name, v)) for v in value)
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if isinstance(value, str):
        value = _ROW_ID.sub("", value)
        return _choice_labels(model, name).get(value, value)
    return value


def history(obj, user) -> list[dict]:
    """The record's audit rows (and those of records merged into it), with names people can read: records
    the reader may not see are named by their placeholder, sensitive values masked (core.visibility)."""
    rows = []
    viewer = viewer_for(user)
    ids = [str(i) for i in history_ids(obj._meta.model_name, obj.pk)]
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id__in=ids)
    for event in events.exclude(action__in=READ_ACTIONS)[:50]:
        if getattr(obj, "birthday_masked", False):  # shown masked on this page (not revealed)
            event.changes = mask_changes(event.changes)
        event.changes = viewer.history(obj, event.changes, with_ids=False)
        changes = [
            (_field_label(type(obj), name), _readable(type(obj), name, old), _readable(type(obj), name, new))
            for name, (old, new) in event.changes.items()
        ]
        rows.append({"event": event, "action": ACTION_LABELS.get(event.action, event.action), "changes": changes})
    return rows


def record_context(request, obj) -> dict:
    return {"can_edit": can_write_record(request.user, obj), "history": history(obj, request.user)}


def probable_duplicates(request, check, data) -> list:
    """The duplicate check before saving, unless the user already saw it and chose to continue."""
    if check is None or request.POST.get("confirm_duplicates"):
        return []
    return check(data)


def create_page(request, *, form, create, template: str, context: dict, message: str, duplicates=None):
    """GET shows the empty form; a valid POST calls the create service and redirects to what it returns.
    `duplicates(data)` lists probable duplicates, shown above the save button before anything is written."""
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if found := probable_duplicates(request, duplicates, data):
            return render(request, template, {"form": form, "duplicates": found, **context})
        try:
            target = create(data)
        except ValidationFailed as exc:
            form.add_service_errors(exc.field_errors)
        else:
            messages.success(request, message)
            return redirect(target)
    return render(request, template, {"form": form, **context})


def edit_page(request, *, obj, form_class, initial_for, update, template: str, context: dict, duplicates=None):
    """GET shows the record in the form; POST validates, then saves through `update(data, version)`."""
    if request.method == "GET":
        form = form_class(initial=initial_for(obj), user=request.user)
        return render(request, template, {"form": form, "object": obj, **context})
    form = form_class(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, template, {"form": form, "object": obj, **context})
    if found := probable_duplicates(request, duplicates, form.service_data()):
        return render(request, template, {"form": form, "object": obj, "duplicates": found, **context})
    return save_with_conflict_check(
        request, form=form, obj=obj, save=update, template=template, context=context, initial_for=initial_for
    )


def save_with_conflict_check(request, *, form, obj, save, template, context, initial_for):
    """Run the update service; on a stale version keep the user's input, show what the other person saved,
    and arm the form with the current version so a second submit overwrites on purpose."""
    try:
        save(form.service_data(), form.cleaned_data.get("version"))
    except ValidationFailed as exc:
        form.add_service_errors(exc.field_errors)
    except StaleVersion:
        obj.refresh_from_db()
        latest = AuditEvent.objects.for_object(obj).exclude(actor=request.user).first()
        theirs = differences(form, initial_for(obj), request.user)
        data = form.data.copy()
        data["version"] = obj.version
        form = type(form)(data, user=request.user)
        form.is_valid()
        context |= {
            "conflict": {
                "by": latest.actor_name if latest else "",
                "at": latest.at if latest else None,
                "fields": theirs,
            }
        }
    else:
        messages.success(request, _("保存しました。"))
        return redirect(obj.get_absolute_url())
    return render(
        request, template, context | {"form": form, "object": obj}, status=409 if "conflict" in context else 422
    )
