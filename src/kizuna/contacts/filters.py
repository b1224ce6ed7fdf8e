"""List filters and sorts shared by the UI lists, the API lists and exports (one definition, one behaviour)."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from kizuna.core import japanese
from kizuna.core.exceptions import ValidationFailed
from kizuna.customfields import filters as custom_filters

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


# --- filters other apps add to these lists, their API lists and exports (a saved segment: ?segment=3) ---------
_EXTRA: dict = {}


def register_list_filter(param: str, apply) -> None:
    """`apply(qs, *, user, object_type, value) -> qs` runs when a list, an API list or an export gets `param`."""
    _EXTRA[param] = apply


def extra_params(query) -> dict:
    """The registered parameters present in a query dict (request.GET), empty values left out."""
    return {k: query.get(k) for k in _EXTRA if str(query.get(k) or "").strip()}


def _apply_extra(qs, *, user, object_type: str, extra: dict | None):
    for param, value in (extra or {}).items():
        if param not in _EXTRA:
            raise ValidationFailed(field_errors={param: [_("この条件はありません。")]})
        qs = _EXTRA[param](qs, user=user, object_type=object_type, value=value)
    return qs


# People an inbound channel (chat, LINE, mail, phone) registered on its own and no user has touched since: the web
# chat's "チャットのお客様", a mail address's local part, a caller's number. They stay out of the address book's
# default list (guests_param) until someone edits them, gives them an owner or a company; a search finds them.
UNCONFIRMED_GUESTS = Q(created_by__isnull=True, updated_by__isnull=True, owner__isnull=True, company__isnull=True)
GUEST_CHOICES = ("hide", "include", "only")


def guests_param(value: str, *, q: str = "") -> str:
    """The list's `guests` value: as given when valid, else hidden while browsing and included in a search."""
    return value if value in GUEST_CHOICES else ("include" if q.strip() else "hide")


PERSON_SORTS = {"updated": "-updated_at", "created": "-created_at", "name": "kana_search"}
COMPANY_SORTS = {"updated": "-updated_at", "created": "-created_at", "name": "name_key"}


def filter_people(
    qs, *, user=None, q="", owner=None, tag="", stage="", prefecture="", company=None, custom=None, extra=None,
    guests="",
):  # fmt: skip
    """`user` decides whether `q` may match sensitive contact points (those the user sees unmasked), and which
    custom fields `custom` ({"<key>": v, "<key>.min": v, ...}: kizuna.customfields.filters) may filter by.
    `guests`: "hide" or "only" the UNCONFIRMED_GUESTS; anything else keeps them (the API's and exports' default)."""
    if guests == "hide":
        qs = qs.exclude(UNCONFIRMED_GUESTS)
    elif guests == "only":
        qs = qs.filter(UNCONFIRMED_GUESTS)
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
    if custom:
        qs = custom_filters.apply(qs, user=user, object_type="person", params=custom)
    return _apply_extra(qs, user=user, object_type="person", extra=extra)


def filter_companies(qs, *, user=None, q="", owner=None, tag="", prefecture="", industry="", custom=None, extra=None):
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
    if custom:
        qs = custom_filters.apply(qs, user=user, object_type="company", params=custom)
    return _apply_extra(qs, user=user, object_type="company", extra=extra)


def sorted_by(qs, *, user, object_type: str, sort: str, sorts: dict):
    """(queryset, sorts) for a list's `sort`: the fixed sorts, or [-]custom.<key> of a filterable custom field
    (the queryset then carries the value to sort and page by)."""
    if not custom_filters.is_custom_sort(sort):
        return qs, sorts
    qs, order = custom_filters.sort(qs, user=user, object_type=object_type, sort=sort)
    return qs, sorts | {sort: order}
