import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.forms import PersonForm

from .models import ConsentSource, ProvisionBasis, Purpose, RequestKind


class ConsentForm(forms.Form):
    purposes = forms.MultipleChoiceField(label=_("利用目的"), choices=Purpose.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)  # fmt: skip
    purpose_note = forms.CharField(label=_("利用目的（補足）"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    consent_source = forms.ChoiceField(label=_("取得経路"), choices=[("", "—"), *ConsentSource.choices], required=False)
    consent_date = forms.CharField(label=_("同意・取得日"), required=False, help_text=_("例: 2024/4/1、令和6年4月1日"))
    consent_note = forms.CharField(label=_("同意に関するメモ"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class ProvisionForm(forms.Form):
    provided_on = forms.CharField(label=_("提供日"), help_text=_("例: 2024/4/1"))
    recipient_name = forms.CharField(label=_("提供先"), max_length=200)
    recipient_address = forms.CharField(label=_("提供先の住所"), max_length=300, required=False)
    recipient_representative = forms.CharField(label=_("提供先の代表者"), max_length=100, required=False)
    items = forms.CharField(
        label=_("提供した項目"), help_text=_("読点またはカンマで区切ります（例: 氏名、会社名、メールアドレス）")
    )
    basis = forms.ChoiceField(label=_("根拠"), choices=ProvisionBasis.choices, initial=ProvisionBasis.CONSENT)
    purpose = forms.CharField(label=_("提供の目的"), max_length=300, required=False)
    note = forms.CharField(label=_("メモ"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由・請求の内容"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class CorrectionForm(forms.Form):
    """The person's own fields, exactly as the person form has them, plus what the person asked for."""

    PERSON_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "postcode", "prefecture",
                     "city", "street", "birthday", "notes")  # fmt: skip

    note = forms.CharField(label=_("訂正の請求内容"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("本人から求められた訂正の内容（記録に残ります）"))  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {name: copy.deepcopy(PersonForm.base_fields[name]) for name in self.PERSON_FIELDS}
        self.fields = {**fields, **self.fields}

    def changes(self, person) -> dict:
        """Only the fields that differ from what is stored (an unchanged, masked value is never written back)."""
        out = {}
        for name in self.PERSON_FIELDS:
            new = self.cleaned_data.get(name) or ""
            old = getattr(person, name)
            old = old.strftime("%Y/%m/%d") if name == "birthday" and old else (old or "")
            if str(new).strip() != str(old):
                out[name] = new
        return out


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("種類"), choices=RequestKind.choices)
    received_at = forms.CharField(label=_("受付日"), required=False, help_text=_("空欄なら今日"))
    note = forms.CharField(label=_("請求の内容"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    result = forms.CharField(label=_("対応内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EraseForm(forms.Form):
    confirm = forms.CharField(label=_("確認のため、この人のIDを入力してください"), max_length=20)
    note = forms.CharField(label=_("請求の内容・メモ"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
