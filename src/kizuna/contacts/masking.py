"""Field masking for people: the sensitive values (mobile and home phones, personal e-mail, home address,
birthday) are replaced on the in-memory objects a reader gets, consistently for pages, API, exports and search.
Masked objects refuse to be saved, so a masked value can never be written back."""

from kizuna.core.masking import MASK, mask_email, mask_phone, mask_text
from kizuna.core.permissions import can_view_sensitive

from .models import ContactPoint, Person

SENSITIVE_LABELS = {ContactPoint.Label.MOBILE, ContactPoint.Label.HOME, ContactPoint.Label.PERSONAL}
ADDRESS_FIELDS = ("postcode", "prefecture", "city", "street")


def is_sensitive(point: ContactPoint) -> bool:
    return point.label in SENSITIVE_LABELS


def masked_value(point: ContactPoint) -> str:
    return mask_email(point.value) if point.kind == ContactPoint.Kind.EMAIL else mask_phone(point.value)


def mask_person(user, person: Person, *, revealed: bool = False) -> Person:
    """Mask `person` (and its prefetched contact points) in place unless `user` may read them."""
    if revealed or can_view_sensitive(user, person):
        return person
    for point in person.contact_points.all():
        if is_sensitive(point):
            point.value, point.e164, point.extension, point.normalized = masked_value(point), "", "", MASK
            point.punycode = MASK if getattr(point, "punycode", "") else ""
            point._masked = True
    person.unparsed_values = [_masked_entry(entry) for entry in person.unparsed_values or []]
    for field in ADDRESS_FIELDS:
        setattr(person, field, mask_text(getattr(person, field)) if field != "prefecture" else getattr(person, field))
    person.birthday = None
    person.birthday_masked = True
    person._masked = True
    return person


def _masked_entry(entry: dict) -> dict:
    """A value kept unparsed may be a mobile number or a private address: masked like one."""
    value = str(entry.get("value", ""))
    return entry | {"value": mask_email(value) if entry.get("kind") == "email" else mask_phone(value)}


def mask_people(user, people) -> list:
    return [mask_person(user, p) for p in people]


_HIDDEN_FIELDS = {"birthday", "postcode", "city", "street"}


def _mask_list(values, mask):
    return [mask(str(v)) for v in values] if isinstance(values, list) else values


def mask_changes(changes: dict) -> dict:
    """A history row as someone without the permission sees it: the sensitive fields hidden, every phone and
    e-mail in a contact change masked (the row does not say which of them was a mobile)."""
    out = {}
    for field, pair in changes.items():
        if field in _HIDDEN_FIELDS and isinstance(pair, list):
            out[field] = [mask_text(v) for v in pair]
        elif field == "phones" and isinstance(pair, list):
            out[field] = [_mask_list(v, mask_phone) for v in pair]
        elif field == "emails" and isinstance(pair, list):
            out[field] = [_mask_list(v, mask_email) for v in pair]
        elif field == "confirmed" and isinstance(pair, list):
            out[field] = [mask_phone(str(v)) if v else v for v in pair]
        elif field == "unparsed_values" and isinstance(pair, list):
            out[field] = [_mask_list(v, mask_phone) for v in pair]
        else:
            out[field] = pair
    return out
