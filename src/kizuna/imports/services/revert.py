"""Undo a whole import."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Company, Employment, Person
from kizuna.core import audit
from kizuna.core.exceptions import ValidationFailed

from ..models import ImportJob
from .common import _require_owner


def _undo_careers(actor, change: dict) -> None:
    for pk in change.get("added", []):
        if job := Employment.objects.alive().filter(pk=pk).first():
            contacts.delete_employment(actor=actor, employment=job)
    for old in change.get("ended", []):
        if job := Employment.objects.alive().filter(pk=old["id"]).first():
            data = {"end_date": old["end_date"], "is_primary": old["is_primary"]}
            if old.get("in_place"):
                data |= {"department": old["department"], "title": old["title"]}
            contacts.update_employment(actor=actor, employment=job, data=data)


def _remove_created_companies(actor, job: ImportJob) -> int:
    """The companies registered for the import's people go too, unless someone has linked them since."""
    removed = 0
    for company in Company.objects.alive().filter(pk__in=job.created_companies):
        in_use = (Person.objects.alive().filter(company=company).exists()
                  or Employment.objects.alive().filter(company=company, person__deleted_at__isnull=True).exists()
                  or company.subsidiaries.alive().exists())  # fmt: skip
        if not in_use:
            contacts.delete_company(actor=actor, company=company)
            removed += 1
    return removed


def revert(*, actor, job: ImportJob) -> int:
    """Undo a whole import: created records go to the trash, updated ones get their old values back."""
    _require_owner(actor, job)
    job.refresh_from_db()  # what the run recorded, which may have been another process
    if job.status == ImportJob.Status.REVERTED:
        raise ValidationFailed(_("このインポートはすでに取り消されています。"))
    undone = 0
    with transaction.atomic():
        for row in job.rows.exclude(action="skipped").order_by("-row_number"):
            person = job.kind == "person" and row.record_kind != "company"
            obj = (Person if person else Company).objects.filter(pk=row.object_id).first()
            if obj is None or obj.deleted_at:
                continue
            if row.action == "created" and person:
                contacts.delete_person(actor=actor, person=obj)
            elif row.action == "created":
                contacts.delete_company(actor=actor, company=obj)
            else:
                data = dict(row.before)
                if careers := data.pop("_careers", {}):
                    _undo_careers(actor, careers)
                    obj.refresh_from_db()  # the careers moved the person's company
                kept = data.pop("_unparsed", None)
                (contacts.update_person(actor=actor, person=obj, data=data) if person
                 else contacts.update_company(actor=actor, company=obj, data=data))  # fmt: skip
                if kept is not None:  # the values the row left unread leave the 要確認 list again
                    for entry in list(obj.unparsed_values or []):
                        if [entry.get("kind"), entry.get("value")] not in kept:
                            contacts.resolve_unparsed_value(actor=actor, person=obj, kind=entry["kind"],
                                                            value=entry["value"])  # fmt: skip
            undone += 1
        undone += _remove_created_companies(actor, job)
        job.status, job.reverted_at = ImportJob.Status.REVERTED, timezone.now()
        job.save(update_fields=["status", "reverted_at"])
        audit.record(actor=actor, action="import.revert", obj=job, changes={"rows": [None, undone]})
    return undone
