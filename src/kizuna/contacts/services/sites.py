"""Sites (本社・支店・営業所・工場): part of a company, audited on the company."""

from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.core import audit, records
from kizuna.core.services import Errors, text

from ..models import Company, Site
from .common import clean_address

FIELDS = ["name", "kind", "phone", "postcode", "prefecture", "city", "street"]


def _clean(data: dict, *, current: Site | None = None) -> dict:
    errors = Errors()
    out: dict = {}
    if current is None or "name" in data:
        out["name"] = text(data, "name", 100, errors, required=True, label=_("拠点名"))
    if current is None or "kind" in data:
        kind = data.get("kind") or Site.Kind.BRANCH
        if kind not in Site.Kind.values:
            errors.add("kind", _("種別は %(choices)s のいずれかです。") % {"choices": ", ".join(Site.Kind.values)})
        out["kind"] = kind
    if "phone" in data:
        out["phone"] = text(data, "phone", 40, errors)
    out.update(clean_address(data, errors))
    errors.raise_if_any()
    return out


def add_site(*, actor, company: Company, data: dict) -> Site:
    records.require_write(actor, company)
    values = _clean(data)
    with transaction.atomic():
        site = Site.objects.create(company=company, created_by=actor, updated_by=actor, **values)
        audit.record(actor=actor, action="site.add", obj=company, label=str(site),
                     changes=audit.diff({}, records.snapshot(site, FIELDS)))  # fmt: skip
    return site


def update_site(*, actor, site: Site, data: dict, expected_version=None) -> dict:
    values = _clean(data, current=site)
    return records.apply_changes(
        actor=actor, obj=site, data=values, fields=FIELDS, expected_version=expected_version, action="site.update"
    )


def delete_site(*, actor, site: Site, expected_version=None) -> None:
    records.soft_delete(actor=actor, obj=site, expected_version=expected_version)
