"""Pipelines per team (設定 → パイプライン): their stages in order, with probability and kind (open, won, lost).

Administrators edit pipelines. A pipeline needs at least one open, one won and one lost stage, distinct stage
names, and probabilities 0-100; a stage that still holds deals cannot be removed (move them first), and a
pipeline with deals cannot be deleted. Deals keep their pipeline; a team's new deals start in the team's own
pipeline when it has one (services.deals.default_pipeline_for)."""

from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.accounts.models import Team
from kizuna.core import audit, records
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.permissions import is_admin
from kizuna.core.services import Errors, text

from ..models import Deal, Pipeline, Stage

MAX_STAGES = 30


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied(_("パイプラインは管理者が設定します。"))


def _stages(items, errors: Errors, current: Pipeline | None) -> list[dict]:
    if not isinstance(items, (list, tuple)) or not items or len(items) > MAX_STAGES:
        errors.add("stages", _("ステージは1〜%(n)s個で指定してください。") % {"n": MAX_STAGES})
        return []
    existing = {s.pk: s for s in current.stages.all()} if current else {}
    out, names = [], set()
    for n, item in enumerate(items, start=1):
        item = item if isinstance(item, dict) else {}
        name = str(item.get("name") or "").strip()
        probability, kind, pk = item.get("probability"), item.get("kind") or Stage.Kind.OPEN, item.get("id")
        if not name or len(name) > 60:
            errors.add("stages", _("%(n)s番目: ステージ名を60文字以内で入力してください。") % {"n": n})
        elif name in names:
            errors.add("stages", _("ステージ名「%(name)s」が重複しています。") % {"name": name})
        names.add(name)
        if not str(probability).isdigit() or int(probability) > 100:
            errors.add("stages", _("%(n)s番目: 確度は0〜100の整数で入力してください。") % {"n": n})
            probability = 0
        if kind not in Stage.Kind.values:
            errors.add("stages", _("%(n)s番目: 種別は open / won / lost のいずれかです。") % {"n": n})
        if pk not in (None, "") and (not str(pk).isdigit() or int(pk) not in existing):
            errors.add("stages", _("%(n)s番目: このパイプラインのステージではありません。") % {"n": n})
            pk = None
        out.append({"id": int(pk) if pk not in (None, "") else None, "name": name, "probability": int(probability),
                    "kind": kind, "order": n - 1})  # fmt: skip
    kinds = {s["kind"] for s in out}
    if not {Stage.Kind.OPEN, Stage.Kind.WON, Stage.Kind.LOST} <= kinds:
        errors.add("stages", _("進行中・受注・失注のステージがそれぞれ1つ以上必要です。"))
    return out


def _team(value, errors: Errors):
    if value in (None, ""):
        return None
    team = Team.objects.filter(pk=value).first() if str(value).isdigit() else None
    if team is None:
        errors.add("team", _("チームが見つかりません。"))
    return team


def _labels(pipeline: Pipeline) -> list[str]:
    return [f"{s.name} ({s.probability}%, {s.kind})" for s in pipeline.stages.order_by("order", "id")]


def _write_stages(pipeline: Pipeline, stages: list[dict]) -> None:
    keep = {s["id"] for s in stages if s["id"]}
    removed = pipeline.stages.exclude(pk__in=keep)
    in_use = {s.name: n for s in removed if (n := Deal.objects.filter(stage=s).count())}
    if in_use:
        message = "、".join(_("「%(name)s」（%(n)s件）") % {"name": k, "n": v} for k, v in in_use.items())
        raise ValidationFailed(
            field_errors={
                "stages": [
                    _("商談があるステージは削除できません。先に商談を移動してください: %(stages)s")
                    % {"stages": message}
                ]
            }
        )
    shape = {s.pk: (s.kind, s.order) for s in pipeline.stages.all()}
    removed.delete()
    for item in stages:
        values = {k: item[k] for k in ("name", "probability", "kind", "order")}
        if item["id"]:
            Stage.objects.filter(pk=item["id"], pipeline=pipeline).update(**values)
        else:
            Stage.objects.create(pipeline=pipeline, **values)
    if shape and shape != {s.pk: (s.kind, s.order) for s in pipeline.stages.all() if s.pk in shape}:
        from .rollup import rebuild

        rebuild(pipeline_id=pipeline.pk)  # a stage changed kind or order, or went: the deals' figures move


def create_pipeline(*, actor, data: dict) -> Pipeline:
    """`data`: name, team (id or empty), stages [{"name", "probability", "kind"}] in order."""
    _require_admin(actor)
    errors = Errors()
    name = text(data, "name", 100, errors, required=True, label=_("パイプライン名"))
    team = _team(data.get("team"), errors)
    stages = _stages(data.get("stages"), errors, None)
    errors.raise_if_any()
    with transaction.atomic():
        pipeline = Pipeline.objects.create(name=name, team=team, created_by=actor, updated_by=actor)
        _write_stages(pipeline, stages)
        audit.record(actor=actor, action="create", obj=pipeline,
                     changes={"name": [None, name], "team": [None, str(team) if team else None],
                              "stages": [None, _labels(pipeline)]})  # fmt: skip
    return pipeline


def update_pipeline(*, actor, pipeline: Pipeline, data: dict, version=None) -> dict:
    _require_admin(actor)
    records.check_version(pipeline, version)
    errors = Errors()
    values = {}
    if "name" in data:
        values["name"] = text(data, "name", 100, errors, required=True, label=_("パイプライン名"))
    if "team" in data:
        values["team"] = _team(data.get("team"), errors)
    stages = _stages(data["stages"], errors, pipeline) if "stages" in data else None
    errors.raise_if_any()
    with transaction.atomic():
        current = records.lock(pipeline)
        records.check_version(current, version)
        before = {"name": current.name, "team": str(current.team) if current.team else None,
                  "stages": _labels(current)}  # fmt: skip
        for key, value in values.items():
            setattr(pipeline, key, value)
        if stages is not None:
            _write_stages(pipeline, stages)
        after = {"name": pipeline.name, "team": str(pipeline.team) if pipeline.team else None,
                 "stages": _labels(pipeline)}  # fmt: skip
        changes = audit.diff(before, after)
        if not changes:
            return {}
        pipeline.version = current.version
        records.touch(pipeline, actor)
        pipeline.save()
        audit.record(actor=actor, action="update", obj=pipeline, changes=changes)
    return changes


def delete_pipeline(*, actor, pipeline: Pipeline, version=None) -> None:
    _require_admin(actor)
    if pipeline.is_default:
        raise ValidationFailed(_("既定のパイプラインは削除できません。"))
    if Deal.objects.filter(pipeline=pipeline).exists():
        raise ValidationFailed(_("商談があるパイプラインは削除できません。"))
    with transaction.atomic():
        current = records.lock(pipeline)
        records.check_version(current, version)
        from django.utils import timezone

        pipeline.deleted_at, pipeline.deleted_by = timezone.now(), actor
        pipeline.version = current.version
        records.touch(pipeline, actor)
        pipeline.save()
        audit.record(actor=actor, action="delete", obj=pipeline)
