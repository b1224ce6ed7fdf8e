from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from kizuna.core.tasks import enqueue

from . import services
from .models import ApiToken


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("確認コード"),
        max_length=32,
        error_messages={"required": _("確認コードを入力してください。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class DisableTwoFactorForm(forms.Form):
    password = forms.CharField(label=_("パスワード"), required=False, widget=forms.PasswordInput)
    code = forms.CharField(label=_("または確認コード"), required=False, max_length=32)

    def clean(self):
        data = super().clean()
        if not data.get("password") and not data.get("code"):
            raise forms.ValidationError(_("パスワードか確認コードを入力してください。"))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名前（用途）"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("スコープ"),
        choices=ApiToken.Scope.choices,
        initial=["read"],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("スコープを 1 つ以上選んでください。")},
    )
    days = forms.IntegerField(
        label=_("有効期限（日）"),
        required=False,
        min_value=1,
        max_value=services.MAX_TOKEN_DAYS,
        initial=90,
        help_text=_("空欄なら無期限です。"),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form (same page whether or not the address is known). `save` only queues the job: looking the
    address up and sending mail take time only for a known address, so they run after the response."""

    EMAIL_TEMPLATE = "registration/password_reset_email.txt"
    SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"

    def save(self, *, domain_override=None, use_https=False, request=None, **kwargs):
        from .tasks import send_password_reset

        domain = domain_override or (request.get_host() if request is not None else "localhost")
        enqueue(send_password_reset, self.cleaned_data["email"], domain, use_https)

    def send_links(self, *, domain: str, use_https: bool) -> None:
        email = self.cleaned_data["email"]
        users = list(self.get_users(email))
        super().save(domain_override=domain, use_https=use_https, email_template_name=self.EMAIL_TEMPLATE,
                     subject_template_name=self.SUBJECT_TEMPLATE)  # fmt: skip
        services.record_password_reset_request(email=email, users=users)


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The reset link's form: the new password is written by the service (audited as password.reset)."""

    def save(self, commit=True):
        services.set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"], action="password.reset"
        )
        return self.user


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def save(self, commit=True):
        services.set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"], action="password.change"
        )
        return self.user
