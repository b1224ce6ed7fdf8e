"""Background jobs for duplicates (run by `kizuna db_worker`, which `kizuna serve` starts)."""

from django.tasks import task


@task
def scan_duplicates(kind: str, min_score: float = 0.9) -> dict:
    from . import service

    clusters, stats = service.run_scan(kind, min_score=min_score)
    return {"type": kind, "groups": len(clusters), "records": stats.records, "comparisons": stats.comparisons}
