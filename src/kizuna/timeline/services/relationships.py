from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kizuna.contacts.models import Person
from kizuna.core import audit, records
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.records import get_for_user

from ..models import Relationship
from .common import Errors, require_writer, text, visible_one


def get_relationship_for_user(user, pk, *, for_write: bool = False) -> Relationship:
    """The one access helper for relationships (pages and API): both people must be visible, else it does
    not exist; changing it needs the right to edit the person it is filed under."""
    relationship = Relationship.objects.alive().filter(pk=pk).first() if str(pk).isdecimal() else None
    if relationship is None:
        raise NotFound()
    get_for_user(Person, user, relationship.to_person_id)
    get_for_user(Person, user, relationship.from_person_id, for_write=for_write)
    return relationship


def _history_value(rel: Relationship) -> str:
    """The history's line, e.g. 公開 太郎 → 鈴木 一郎: 上司 (#<the other person's id>): a reader who may not see
    the other person reads the whole line as 非公開の人物 (the history field is registered with Person)."""
    return f"{rel} (#{rel.to_person_id})"


def create_relationship(*, actor, data: dict) -> Relationship:
    """Person ↔ person. Filed under the first person; both must be visible and the first writable."""
    require_writer(actor, "relationship")
    errors = Errors()
    from_person = visible_one(actor, Person, data.get("from_person"), "from_person", errors, pgettext("record", "人"))
    to_person = visible_one(actor, Person, data.get("to_person"), "to_person", errors, _("相手"))
    kind = data.get("kind") or Relationship.Kind.CUSTOM
    if kind not in Relationship.Kind.values:
        errors.add("kind", _("関係の種類が正しくありません。"))
    label = text(data, "label", 100, errors)
    if from_person and to_person and from_person.pk == to_person.pk:
        errors.add("to_person", _("同じ人どうしの関係は登録できません。"))
    if kind == Relationship.Kind.CUSTOM and not label:
        errors.add("label", _("「その他」の関係には説明を入力してください。"))
    errors.raise_if_any()
    if from_person is None or to_person is None:
        raise ValidationFailed(field_errors={"from_person": [_("人を指定してください。")]})
    records.require_write(actor, from_person)
    with transaction.atomic():
        rel = Relationship.objects.create(
            from_person=from_person, to_person=to_person, kind=kind, label=label, recorded_by=actor,
            created_by=actor, updated_by=actor,
        )  # fmt: skip
        audit.record(actor=actor, action="relationship.add", obj=from_person,
                     changes={"relationship": [None, _history_value(rel)]})  # fmt: skip
    return rel


def delete_relationship(*, actor, relationship: Relationship) -> None:
    records.require_write(actor, relationship, "delete")
    with transaction.atomic():
        records.soft_delete(actor=actor, obj=relationship)
        audit.record(actor=actor, action="relationship.delete", obj=relationship.from_person,
                     changes={"relationship": [_history_value(relationship), None]})  # fmt: skip
