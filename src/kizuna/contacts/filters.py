"""List filters and sorts shared by the UI lists, the API lists and exports (one definition, one behaviour)."""

from django.db.models import Exists, OuterRef, Q

from kizuna.core import japanese

from .models import Company, ContactPoint, Person

PERSON_SORTS = {"updated": "-updated_at", "created": "-created_at", "name": "kana_search"}
COMPANY_SORTS = {"updated": "-updated_at", "created": "-created_at", "name": "name_key"}


def _text_query(q: str) -> tuple[str, str]:
    q = (q or "").strip()
    return japanese.search_text(q), japanese.reading_key(q)


def filter_people(qs, *, q="", owner=None, tag="", stage="", prefecture="", company=None):
    if q:
        text, reading = _text_query(q)
        digits = "".join(ch for ch in japanese.search_text(q) if ch.isdigit())
        rule = Q(name_search__contains=text)
        if reading:
            rule |= Q(kana_search__contains=reading)
        points = ContactPoint.objects.filter(person_id=OuterRef("pk"))
        email_rule = Q(normalized__contains=japanese.normalize_email(q))
        if len(digits) >= 3 and len(digits) == len(text.replace("-", "")):
            email_rule |= Q(kind="phone", normalized__contains=digits)
        rule |= Exists(points.filter(email_rule))
        rule |= Q(company__name_search__contains=text)
        qs = qs.filter(rule)
    if owner:
        qs = qs.filter(owner_id=owner)
    if tag:
        qs = qs.filter(Exists(Person.tags.through.objects.filter(person_id=OuterRef("pk"), tag__name=tag)))
    if stage:
        qs = qs.filter(lifecycle_stage=stage)
    if prefecture:
        qs = qs.filter(prefecture=japanese.normalize_prefecture(prefecture) or prefecture)
    if company:
        qs = qs.filter(company_id=company)
    return qs


def filter_companies(qs, *, q="", owner=None, tag="", prefecture="", industry=""):
    if q:
        text, reading = _text_query(q)
        key = japanese.company_key(q) or text
        rule = Q(name_search__contains=key) | Q(name_search__contains=text)
        if reading:
            rule |= Q(name_search__contains=reading)
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 3:
            rule |= Q(phone_digits__contains=digits) | Q(corporate_number__contains=digits)
        qs = qs.filter(rule)
    if owner:
        qs = qs.filter(owner_id=owner)
    if tag:
        qs = qs.filter(Exists(Company.tags.through.objects.filter(company_id=OuterRef("pk"), tag__name=tag)))
    if prefecture:
        qs = qs.filter(prefecture=japanese.normalize_prefecture(prefecture) or prefecture)
    if industry:
        qs = qs.filter(industry=industry)
    return qs
