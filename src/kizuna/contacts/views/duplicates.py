"""The duplicate review queue: scan in the background, compare side by side, merge, undo, dismiss."""

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from kizuna.contacts.dedup import queue
from kizuna.contacts.dedup.tasks import scan_duplicates
from kizuna.contacts.models import Company, Merge, Person
from kizuna.contacts.services import merge as merging
from kizuna.core.exceptions import Conflict, NotFound, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import can_write_record, is_admin, may_scan_everything
from kizuna.core.records import get_for_user
from kizuna.core.tasks import enqueue
from kizuna.core.visibility import viewer_for

KINDS = {"person": _l("人"), "company": _l("会社")}
_SESSION_KEY = "dedup_scan"


def _kind(value: str) -> str:
    if value not in KINDS:
        raise NotFound()
    return value


def _ids(raw) -> list[int]:
    try:
        return sorted({int(x) for x in raw if str(x).strip()})
    except ValueError:
        raise NotFound() from None


@page_view
def duplicate_list(request, kind: str = "person"):
    kind = _kind(kind)
    context = {
        "nav": "duplicates", "kind": kind, "kinds": KINDS, "groups": queue.open_groups(request.user, kind),
        "can_scan": may_scan_everything(request.user),
        "scan": request.session.get(_SESSION_KEY),
    }  # fmt: skip
    return render(request, "contacts/duplicate_list.html", context)


@page_view
@require_POST
def duplicate_scan(request, kind: str):
    kind = _kind(kind)
    queue.require_scanner(request.user)
    result = enqueue(scan_duplicates, kind, 0.9)
    request.session[_SESSION_KEY] = {"task_id": str(result.id), "kind": kind}
    messages.info(request, _("重複チェックを開始しました。終わると一覧が更新されます。"))
    return redirect("contacts:duplicate_list", kind=kind)


@page_view
def duplicate_scan_status(request):
    """Polled by the queue page while a scan runs (htmx)."""
    scan = request.session.get(_SESSION_KEY)
    state = queue.scan_state(scan["task_id"]) if scan else None
    if state and state["status"] in ("SUCCESSFUL", "FAILED"):
        request.session.pop(_SESSION_KEY, None)
    return render(request, "contacts/partials/scan_status.html", {"state": state, "scan": scan})


@page_view
def duplicate_review(request, kind: str):
    """Side by side: one column per record, one row per field, a radio for the surviving value."""
    kind = _kind(kind)
    model = merging.model_for(kind)
    ids = _ids(",".join(request.GET.getlist("ids")).split(","))  # ?ids=1,2 or ?ids=1&ids=2
    viewer = viewer_for(request.user)
    records = [get_for_user(model, request.user, pk) for pk in ids]
    if len(records) < 2:
        raise NotFound()
    if kind == "person":  # contact points loaded once, so that masking reaches the ones shown
        prefetch_related_objects(records, "contact_points", "tags")
    records = [viewer.present(r) for r in records]
    survivor = records[0]
    choices = merging.default_choices(kind, survivor, records[1:])
    rows = []
    for field in merging.mergeable_fields(kind):
        model_field = model._meta.get_field(field)
        shown = (lambda r, f=field: getattr(r, f"get_{f}_display")()) if model_field.choices else (
            lambda r, f=field: getattr(r, f))  # fmt: skip
        values = [(r.pk, shown(r)) for r in records]
        differs = len({str(getattr(r, field) or "") for r in records}) > 1
        rows.append({"field": field, "label": model._meta.get_field(field).verbose_name, "values": values,
                     "differs": differs, "chosen": choices[field]})  # fmt: skip
    context = {
        "nav": "duplicates", "kind": kind, "records": records, "rows": rows, "ids": ",".join(map(str, ids)),
        **_neighbours(request.user, kind, ids),
        "columns": [{"obj": r, "label": queue.member_label(r, viewer), "related": _related(kind, r, viewer)}
                    for r in records],
        "can_merge": all(can_write_record(request.user, r) for r in records),
    }  # fmt: skip
    return render(request, "contacts/duplicate_review.html", context)


def _review_url(kind: str, ids) -> str:
    return f"{reverse('contacts:duplicate_review', args=[kind])}?ids={','.join(map(str, ids))}"


def _neighbours(user, kind: str, ids: list[int]) -> dict:
    """The pairs before and after this one in the user's queue (the queue's first when this one is not in it),
    for skipping with the keyboard and for going on after a decision."""
    queued = [sorted(g.group.member_ids) for g in queue.open_groups(user, kind)]
    at = queued.index(ids) if ids in queued else -1
    after = [q for q in queued[at + 1 :] if q != ids]
    before = queued[at - 1] if at > 0 else None
    return {"next_ids": ",".join(map(str, after[0])) if after else "",
            "next_url": _review_url(kind, after[0]) if after else reverse("contacts:duplicate_list", args=[kind]),
            "previous_url": _review_url(kind, before) if before else ""}  # fmt: skip


def _go_on(request, kind: str):
    """After a decision: the next pair the review page offered, while it is still open in the user's queue."""
    try:
        ids = _ids(request.POST.get("next", "").split(","))
    except NotFound:
        return None
    if len(ids) < 2 or all(sorted(g.group.member_ids) != ids for g in queue.open_groups(request.user, kind)):
        return None  # decided meanwhile, or a record in it gone or out of sight
    return redirect(_review_url(kind, ids))


def _related(kind: str, obj, viewer) -> dict:
    """What moves to the survivor, as this reader may see it (masked contact points, hidden names)."""
    if kind == "person":
        return {
            _("連絡先"): [str(p) for p in obj.contact_points.all()],
            _("職歴"): [viewer.name(e.company) for e in obj.employments.alive().select_related("company")],
            _("タグ"): [t.name for t in obj.tags.all()],
        }
    return {
        _("拠点"): [s.name for s in obj.sites.alive()],
        _("現在の人"): [str(p) for p in obj.current_people.visible_to(viewer.user)[:20]],
        _("タグ"): [t.name for t in obj.tags.all()],
    }


@page_view
@require_POST
def duplicate_merge(request, kind: str):
    kind = _kind(kind)
    model = merging.model_for(kind)
    ids = _ids(request.POST.get("ids", "").split(","))
    survivor_id = int(request.POST.get("survivor") or ids[0])
    survivor = get_for_user(model, request.user, survivor_id, for_write=True)
    others = [get_for_user(model, request.user, pk, for_write=True) for pk in ids if pk != survivor_id]
    choices = {f: request.POST[f"choice_{f}"] for f in merging.mergeable_fields(kind) if f"choice_{f}" in request.POST}
    try:
        done = merging.merge_records(actor=request.user, kind=kind, survivor=survivor, others=others, choices=choices)
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
        return redirect(f"{request.path.replace('/merge/', '/review/')}?ids={','.join(map(str, ids))}")
    messages.success(request, _("%(n)d 件を「%(name)s」に統合しました。") % {"n": len(others), "name": survivor})
    request.session["last_merge"] = done.pk
    return _go_on(request, kind) or redirect(survivor.get_absolute_url())


@page_view
@require_POST
def duplicate_dismiss(request, kind: str):
    kind = _kind(kind)
    model = merging.model_for(kind)
    ids = _ids(request.POST.get("ids", "").split(","))
    objects = [get_for_user(model, request.user, pk, for_write=True) for pk in ids]
    merging.dismiss(actor=request.user, kind=kind, objects=objects)
    messages.success(request, _("「重複ではない」として記録しました。今後の重複チェックには出ません。"))
    return _go_on(request, kind) or redirect("contacts:duplicate_list", kind=kind)


@page_view
def merge_list(request):
    merges = Merge.objects.filter(merged_by=request.user) if not is_admin(request.user) else Merge.objects.all()
    merges = list(merges.select_related("merged_by")[:100])
    names = _merge_names(request.user, merges)
    for m in merges:  # names the reader may see (merged records are deleted ones); others stay as their id
        m.survivor_label = names.get((m.kind, m.survivor_id), f"#{m.survivor_id}")
        m.merged_labels = [names.get((m.kind, pk), f"#{pk}") for pk in m.merged_ids]
    return render(request, "contacts/merge_list.html", {"nav": "duplicates", "merges": merges})


def _merge_names(user, merges) -> dict:
    names = {}
    for kind, model in (("person", Person), ("company", Company)):
        ids = {pk for m in merges if m.kind == kind for pk in [m.survivor_id, *m.merged_ids]}
        if not ids:
            continue
        for deleted in (False, True):
            for obj in model.objects.visible_to(user, deleted=deleted).filter(pk__in=ids):
                names[(kind, obj.pk)] = str(obj)
    return names


@page_view
@require_POST
def merge_undo(request, pk: int):
    done = queue.merge_for_user(request.user, pk)
    try:
        merging.undo_merge(actor=request.user, merge=done)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("統合を取り消しました。"))
    return redirect("contacts:merge_list")
