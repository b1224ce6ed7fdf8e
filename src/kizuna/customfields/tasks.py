"""Worker jobs of custom fields: purging a removed field's values, reindexing search after a definition change."""

from django.tasks import task


@task
def purge(field_id: int) -> int:
    from .services import purge_values

    return purge_values(field_id)


@task
def reindex(object_type: str) -> int:
    from . import registry

    entry = registry.get(object_type)
    return entry.reindex() if entry is not None and entry.reindex is not None else 0


@task
def sync_indexes(object_type: str, key: str, kind: str, wanted: bool) -> None:
    """PostgreSQL: build (CONCURRENTLY) or drop the sort index of a field that became (or stopped being)
    filterable."""
    from .services import apply_indexes

    apply_indexes(object_type, key, kind, wanted)
