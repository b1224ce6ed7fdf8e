"""Imports run as background jobs (`kizuna db_worker`); a failed or stopped job is resumed by enqueuing it again."""

from django.tasks import task


@task
def run_import(job_id: int) -> dict:
    from . import services

    summary = services.run(job_id)
    return summary.as_json()
