"""Form fields for custom values on a record's form (one per field the user may read; read-only where they may
not edit), and the administrators' form for a definition."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from . import access
from .models import CustomField, FieldType


def _form_field(field: CustomField) -> forms.Field:
    common = {"label": field.label, "help_text": field.help_text, "required": False}
    kind = field.type
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000, **common)
    if kind == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in field.choices], **common)
    if kind == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in field.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == FieldType.CHECKBOX:
        return forms.BooleanField(**common)
    if kind == FieldType.USER:
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        return forms.ChoiceField(choices=[("", "—")] + [(str(u.pk), str(u)) for u in users], **common)
    if kind == FieldType.MONEY:
        common["help_text"] = field.help_text or _("円（例: 120000、１２０，０００）")
    if kind == FieldType.DATE:
        common["help_text"] = field.help_text or _("例: 2024/4/1、令和6年4月1日")
    limit = 1000 if kind == FieldType.URL else 500
    return forms.CharField(max_length=limit, **common)


def add_fields(form: forms.Form, user, object_type: str) -> None:
    """Add custom.<key> fields to `form` for the fields `user` may read; those they may not edit are disabled
    (Django then ignores what is posted for them). A required field is marked so; the service checks it."""
    form.custom_names = []
    for field in access.readable(user, object_type):
        form_field = _form_field(field)
        form_field.disabled = not access.can_edit(user, field)
        if field.required and field.type != FieldType.CHECKBOX and not form_field.disabled:
            form_field.widget.attrs["aria-required"] = "true"
            form_field.label = f"{field.label} *"
        form.fields[field.path] = form_field
        form.custom_names.append(field.path)
    form.custom_bound = lambda: bound(form)  # for templates: customfields/form_fields.html


def pop_values(form: forms.Form, data: dict) -> None:
    """Move the form's custom.<key> values out of `data` into data["custom"] (the editable ones only)."""
    custom = {}
    for name in getattr(form, "custom_names", []):
        value = data.pop(name, None)
        if form.fields[name].disabled:
            continue
        custom[name.removeprefix("custom.")] = value
    if custom:
        data["custom"] = custom


def initial(obj) -> dict:
    """The record's stored values as the form shows them."""
    out = {}
    for key, value in (getattr(obj, "custom", None) or {}).items():
        out[f"custom.{key}"] = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return out


def bound(form: forms.Form) -> list:
    return [form[name] for name in getattr(form, "custom_names", [])]


class DefinitionForm(forms.Form):
    object_type = forms.ChoiceField(label=_("対象"))
    key = forms.CharField(
        label=_("キー"), max_length=40, help_text=_("半角英小文字・数字・_（例: rank）。あとから変えられません")
    )
    type = forms.ChoiceField(label=_("種類"), choices=FieldType.choices)
    label_ja = forms.CharField(label=_("表示名（日本語）"), max_length=100)
    label_en = forms.CharField(label=_("表示名（英語）"), max_length=100, required=False)
    help_text = forms.CharField(label=_("説明"), max_length=300, required=False)
    choices = forms.CharField(
        label=_("選択肢"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("選択・複数選択のとき、1行に1つ"),
    )  # fmt: skip
    required = forms.BooleanField(label=_("必須"), required=False)
    filterable = forms.BooleanField(label=_("一覧で絞り込み・並べ替えに使う（索引を作ります）"), required=False)
    position = forms.IntegerField(label=_("表示順"), min_value=0, initial=0, required=False)
    read_roles = forms.MultipleChoiceField(
        label=_("閲覧できるロール"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("どれも選ばなければ全ロール。管理者は常に閲覧・編集できます"),
    )  # fmt: skip
    edit_roles = forms.MultipleChoiceField(
        label=_("編集できるロール"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("どれも選ばなければ、閲覧でき、レコードを編集できる全ロール"),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, object_types: dict, roles: list, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [(k, t.label) for k, t in object_types.items()]
        for name in ("read_roles", "edit_roles"):
            self.fields[name].choices = roles
        if editing:
            for name in ("object_type", "key", "type"):
                self.fields[name].disabled = True

    def service_data(self, *, editing: bool) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["choices"] = [line for line in (data.get("choices") or "").splitlines() if line.strip()]
        data["position"] = data.get("position") or 0
        if editing:
            for name in ("object_type", "key", "type"):
                data.pop(name, None)
        return data

    def add_service_errors(self, field_errors: dict) -> None:
        for field, messages in field_errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
