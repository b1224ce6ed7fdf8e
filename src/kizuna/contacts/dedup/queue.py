"""The review queue as a user sees it: open groups whose members they can all see, scan jobs, merges."""

from dataclasses import dataclass
from itertools import batched

from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils.translation import gettext as _

from kizuna.core.exceptions import NotFound, PermissionDenied
from kizuna.core.permissions import may_scan_everything
from kizuna.core.visibility import Viewer, viewer_for

from ..models import DuplicateGroup, Merge
from ..services.merge import model_for
from .tasks import scan_duplicates


@dataclass
class GroupView:
    group: DuplicateGroup
    members: list
    viewer: Viewer

    def labels(self) -> list[tuple]:
        return [(m, member_label(m, self.viewer)) for m in self.members]


def member_label(obj, viewer: Viewer) -> str:
    """A person with the employer this reader may see (a private company is named as such)."""
    company = getattr(obj, "company", None) if hasattr(obj, "family_name") else None
    return f"{obj}（{viewer.name(company)}）" if company else str(obj)


def open_groups(user, kind: str, *, limit: int = 50, batch: int = 200) -> list[GroupView]:
    """Best first. A group with a member the user cannot see is skipped: it would reveal that record."""
    model = model_for(kind)
    records = model.objects.visible_to(user)
    if kind == "person":
        records = records.select_related("company")
    groups = DuplicateGroup.objects.filter(kind=kind, status=DuplicateGroup.Status.OPEN).order_by("-score", "id")
    out: list[GroupView] = []
    viewer = viewer_for(user)
    for chunk in batched(groups.iterator(chunk_size=batch), batch):
        visible = records.in_bulk({i for g in chunk for i in g.member_ids})
        viewer.prime_related(visible.values(), "company")
        out += [GroupView(g, [visible[i] for i in g.member_ids], viewer) for g in chunk
                if set(g.member_ids) <= visible.keys()]  # fmt: skip
        if len(out) >= limit:
            break
    return out[:limit]


def require_scanner(user) -> None:
    """A full scan reads every record; managers and admins start it."""
    if not may_scan_everything(user):
        raise PermissionDenied(_("重複チェックの実行はマネージャーと管理者に限られます。"))


def scan_state(task_id: str) -> dict:
    try:
        result = scan_duplicates.get_result(task_id)
    except (TaskResultDoesNotExist, ValueError):
        raise NotFound() from None
    status = str(result.status)
    return {"task_id": str(result.id), "status": status,
            "result": result.return_value if status == "SUCCESSFUL" else None}  # fmt: skip


def merge_for_user(user, pk) -> Merge:
    """A merge is reachable by whoever may write its survivor; others get 404."""
    merge = Merge.objects.filter(pk=pk).first()
    if merge is None:
        raise NotFound()
    survivor = model_for(merge.kind).objects.visible_to(user).filter(pk=merge.survivor_id).first()
    if survivor is None:
        raise NotFound()
    return merge
