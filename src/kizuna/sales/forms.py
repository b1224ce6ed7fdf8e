"""Deal forms: they parse and lay out input; the deal services validate it (one rulebook for UI, API, capture)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.contacts.forms import CompanyField, ServiceForm, owner_field
from kizuna.core.permissions import Visibility
from kizuna.customfields import forms as custom_forms

from .models import DealSource, Pipeline, TaxRate


class DealForm(ServiceForm):
    title = forms.CharField(label=_("案件名"), max_length=200, help_text=_("例: 第2工場 検査治具更新"))
    company = CompanyField(label=_("会社"))
    amount = forms.CharField(label=_("金額（税抜・円）"), max_length=30, required=False,
                             help_text=_("例: 3000000、300万。明細があるときは明細の合計です。"))  # fmt: skip
    tax_rate = forms.ChoiceField(label=_("消費税率"), choices=TaxRate.choices, initial=TaxRate.STANDARD)
    probability = forms.IntegerField(label=_("確度（%）"), min_value=0, max_value=100, required=False,
                                     help_text=_("空欄ならステージの確度を使います。"))  # fmt: skip
    expected_close_on = forms.DateField(label=_("受注予定日"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    next_step = forms.CharField(label=_("次のアクション"), max_length=200, required=False)
    next_step_due = forms.DateField(label=_("次のアクション期日"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    source = forms.ChoiceField(label=_("引合元"), choices=[("", "—"), *DealSource.choices], required=False)
    competitors = forms.CharField(label=_("競合"), max_length=300, required=False)
    visibility = forms.ChoiceField(label=_("公開範囲"), choices=Visibility.choices, initial=Visibility.TEAM)

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].user = user
        self.fields["owner"] = owner_field()
        if creating:
            self.fields["pipeline"] = forms.ModelChoiceField(
                Pipeline.objects.alive(), required=False, label=_("パイプライン"),
                empty_label=_("チームの既定"),
            )  # fmt: skip
        custom_forms.add_fields(self, user, "deal")

    def service_data(self) -> dict:
        data = super().service_data()
        if data.get("pipeline") is None:
            data.pop("pipeline", None)
        custom_forms.pop_values(self, data)
        return data


def deal_initial(deal) -> dict:
    from kizuna.contacts.forms import company_label

    return {
        "title": deal.title, "company": company_label(deal.company), "amount": deal.amount,
        "tax_rate": deal.tax_rate, "probability": deal.probability, "expected_close_on": deal.expected_close_on,
        "next_step": deal.next_step, "next_step_due": deal.next_step_due, "source": deal.source,
        "competitors": deal.competitors, "visibility": deal.visibility, "owner": deal.owner_id,
        "version": deal.version, **custom_forms.initial(deal),
    }  # fmt: skip
