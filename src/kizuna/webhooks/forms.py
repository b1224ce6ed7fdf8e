from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _l

from kizuna.core import events

URL_HELP = _l("https:// で始まる受信側の URL。社内のアドレスには送れません（管理者の許可リストを除く）。")
OWNER_HELP = _l("このユーザーが見られるレコードだけを、このユーザーに見える形（マスク込み）で送ります。")


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_l("名前"), max_length=100)
    url = forms.CharField(label=_l("送信先 URL"), max_length=2000, help_text=URL_HELP)
    event_types = forms.MultipleChoiceField(label=_l("イベント"), widget=forms.CheckboxSelectMultiple)
    owner = forms.ModelChoiceField(label=_l("受信者"), queryset=None, help_text=OWNER_HELP)
    is_active = forms.BooleanField(label=_l("有効"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(k, str(v)) for k, v in events.event_types().items()]
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in ("name", "url", "event_types", "owner", "is_active")}
        return data

    def add_service_errors(self, field_errors: dict) -> None:
        for field, messages in field_errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
