"""List filters and sorts shared by the UI lists, the API lists and exports (one definition, one behaviour)."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from kizuna.core import japanese
from kizuna.core.exceptions import ValidationFailed

from . import search
from .models import Company, Person

_MAX_ID = 2**63 - 1  # the id columns' range on both databases


def record_id(value, field: str, label: str) -> int:
    """A filter's record id as typed into a URL: digits within the id columns' range, else a clear input error
    (never a database error about a number it cannot hold)."""
    text = str(value).strip()
    if text.isdecimal() and int(text) <= _MAX_ID:
        return int(text)
    message = _("%(label)sの指定が正しくありません（%(value)s）。") % {"label": label, "value": text[:20]}
    raise ValidationFailed(message, field_errors={field: [message]})


PERSON_SORTS = {"updated": "-updated_at", "created": "-created_at", "name": "kana_search"}
COMPANY_SORTS = {"updated": "-updated_at", "created": "-created_at", "name": "name_key"}


def filter_people(qs, *, user=None, q="", owner=None, tag="", stage="", prefecture="", company=None):
    """`user` decides whether `q` may match sensitive contact points (those the user sees unmasked)."""
    if q:
        qs = qs.filter(search.person_match(q, user))
    if owner:
        qs = qs.filter(owner_id=record_id(owner, "owner", _("担当者")))
    if tag:
        qs = qs.filter(Exists(Person.tags.through.objects.filter(person_id=OuterRef("pk"), tag__name=tag)))
    if stage:
        qs = qs.filter(lifecycle_stage=stage)
    if prefecture:
        qs = qs.filter(prefecture=japanese.normalize_prefecture(prefecture) or prefecture)
    if company:
        qs = qs.filter(company_id=record_id(company, "company", _("会社")))
    return qs


def filter_companies(qs, *, q="", owner=None, tag="", prefecture="", industry=""):
    if q:
        qs = qs.filter(search.company_match(q))
    if owner:
        qs = qs.filter(owner_id=record_id(owner, "owner", _("担当者")))
    if tag:
        qs = qs.filter(Exists(Company.tags.through.objects.filter(company_id=OuterRef("pk"), tag__name=tag)))
    if prefecture:
        qs = qs.filter(prefecture=japanese.normalize_prefecture(prefecture) or prefecture)
    if industry:
        qs = qs.filter(industry=industry)
    return qs
