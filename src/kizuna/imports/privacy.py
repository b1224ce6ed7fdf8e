"""Imports' personal data about a person (registered in core.personal_data): an import keeps each updated
person's old values for its revert; erasure blanks them (the revert then leaves the person as erased)."""

from .models import ImportJob, ImportRow


def erase(actor, ids, scrub) -> dict:
    rows = ImportRow.objects.filter(job__kind=ImportJob.Kind.PERSON, object_id__in=ids).exclude(record_kind="company")
    return {"import_rows": rows.update(before={})}
