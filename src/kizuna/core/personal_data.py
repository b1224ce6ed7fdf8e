"""Where each app's personal data about a person is found, disclosed and erased (開示・消去).

The privacy app answers for a person as a whole; each app that keeps rows about people registers how to read
them out, which audit rows they leave, and how to erase them, so that privacy never writes another app's tables
and a new app's records are part of every disclosure and erasure from the day it is installed.

All three callables take `ids`: the person and the records merged into it (contacts' history_ids).
- disclose(ids) -> {section: [dict, ...]}: the app's sections of the disclosure, deleted rows included;
- audit(ids) -> (own, mentions): Q filters over AuditEvent, read before anything is erased. `own` rows are the
  history of rows that go with the person (their values are blanked); `mentions` rows name the person (the name
  and contact values are scrubbed from them);
- erase(actor, ids, scrub) -> {count_name: n}: runs inside the erasure's transaction; `scrub(value)` replaces the
  person's names and contact values in a string, list or dict.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q


@dataclass(frozen=True)
class PersonalDataSource:
    name: str
    disclose: Callable | None = None
    audit: Callable | None = None
    erase: Callable | None = None


_SOURCES: dict[str, PersonalDataSource] = {}


def register(name: str, *, disclose=None, audit=None, erase=None) -> None:
    """Called from the owning app's AppConfig.ready; `name` is the app label (one entry per app)."""
    _SOURCES[name] = PersonalDataSource(name, disclose, audit, erase)


def sources() -> list[PersonalDataSource]:
    return list(_SOURCES.values())


def disclose(ids: list[int]) -> dict:
    sections: dict = {}
    for source in sources():
        if source.disclose:
            sections.update(source.disclose(ids))
    return sections


def audit_rows(ids: list[int]) -> tuple[Q, Q]:
    own, mentions = Q(pk__in=[]), Q(pk__in=[])
    for source in sources():
        if source.audit:
            more_own, more_mentions = source.audit(ids)
            own, mentions = own | more_own, mentions | more_mentions
    return own, mentions


def erase(actor, ids: list[int], scrub) -> dict:
    counts: dict = {}
    for source in sources():
        if source.erase:
            counts.update(source.erase(actor, ids, scrub))
    return counts


def audit_ids(object_type: str, ids) -> Q:
    """AuditEvent rows of these records (object ids are stored as text)."""
    return Q(object_type=object_type, object_id__in=[str(i) for i in ids])
