"""Worker jobs of SLA: recomputing the running clocks after an administrator changed a policy or a calendar."""

from django.tasks import task


@task
def recompute_clocks(calendar_id: int | None = None) -> int:
    from .recompute import recompute

    return recompute(calendar_id=calendar_id)
