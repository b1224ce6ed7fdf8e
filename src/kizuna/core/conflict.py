"""What the other person saved while you were editing: their values against your input, field by field.

Both sides are compared as the form would show them in its inputs (a user as their id, a date as typed, a
company as its label), so only real differences are listed, and both sides are shown by name: a user by their
display name, a choice by its label, a company the reader may not see by its placeholder, はい/いいえ for a flag.
"""

import datetime

from django import forms
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from .visibility import has_visibility, viewer_for


def _names_a_record(field) -> bool:
    """A text field that stands for a record (a company typed by name): it sets `names_a_record = True`."""
    return getattr(field, "names_a_record", False)


def _instance(field, value):
    """The record a choice field's value names (a pk or the record itself), or None."""
    if isinstance(value, Model) or value in (None, ""):
        return value or None
    if _names_a_record(field):
        try:
            return field.clean(value)
        except forms.ValidationError:
            return None
    model = field.queryset.model
    try:
        return model._default_manager.filter(pk=int(value)).first()  # an inactive owner still has a name
    except (TypeError, ValueError, OverflowError):
        return None


def _is_choice_of_records(field) -> bool:
    return isinstance(field, forms.ModelChoiceField) or _names_a_record(field)


def _footing(field, value):
    """The value as the form's input would hold it."""
    if isinstance(field, forms.BooleanField):
        return bool(value)
    if _is_choice_of_records(field):
        if isinstance(field, forms.ModelMultipleChoiceField):
            return tuple(sorted(str(getattr(v, "pk", v)) for v in value or []))
        record = _instance(field, value)
        return str(record.pk) if record is not None else ""
    shown = field.widget.format_value(field.prepare_value(value))
    if isinstance(shown, (list, tuple)):
        return tuple(str(v) for v in shown if v not in (None, ""))
    return "" if shown is None else str(shown).strip()


def _name(viewer, field, value) -> str:
    """How a value reads on the conflict screen: names, labels, はい/いいえ, never a raw id."""
    if isinstance(field, forms.BooleanField):
        return _("はい") if value else _("いいえ")
    if _is_choice_of_records(field):
        values = value if isinstance(field, forms.ModelMultipleChoiceField) else [value]
        records = [r for r in (_instance(field, v) for v in values or []) if r is not None]
        if not records and value in (None, "") and getattr(field, "empty_label", None):
            return str(field.empty_label)
        return "、".join(viewer.name(r) if has_visibility(r) else str(r) for r in records)
    if isinstance(field, forms.ChoiceField):
        labels = {}
        for key, label in field.choices:
            if isinstance(label, (list, tuple)):  # an option group
                labels |= {str(k): v for k, v in label}
            else:
                labels[str(key)] = label
        return str(labels.get(str(value), value if value not in (None, "") else ""))
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).strftime("%Y/%m/%d %H:%M")
            if timezone.is_aware(value)
            else f"{value:%Y/%m/%d %H:%M}"
        )
    if isinstance(value, datetime.date):
        return f"{value:%Y/%m/%d}"
    return "" if value is None else str(value)


def differences(form, current: dict, user) -> list[tuple]:
    """(label, their saved value, your input) for each field where the two really differ."""
    viewer = viewer_for(user)
    kept = form.service_data().keys()
    rows = []
    for name, field in form.fields.items():
        if name == "version" or name not in current:
            continue
        mine = form.cleaned_data.get(name)
        if mine is None and _is_choice_of_records(field) and name not in kept:
            continue  # left empty ("自分" as the owner): the save keeps the record's value
        if _footing(field, current[name]) != _footing(field, mine):
            rows.append((field.label or name, _name(viewer, field, current[name]), _name(viewer, field, mine)))
    return rows
