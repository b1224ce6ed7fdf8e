"""Forms parse and lay out input; the services validate and normalize it (one rulebook for UI, API and import)."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kizuna.core import japanese, visibility
from kizuna.core.permissions import Visibility
from kizuna.customfields import forms as custom_forms

from .models import Company, ContactPoint, Person, Site

_TAG_SPLIT = re.compile(r"[,、，\s]+")
PREFECTURE_CHOICES = [("", "—")] + [(p, p) for p in japanese.PREFECTURES]


def split_tags(value: str) -> list[str]:
    return [t for t in _TAG_SPLIT.split(value or "") if t]


_COMPANY_REF = re.compile(r"#(\d+)\s*$")
# A link to a record the user may not see, shown as its placeholder: the service gets no value for the field, so
# saving the form leaves the link as it is (the user can neither read nor change it).
KEEP = object()


def company_label(company: Company) -> str:
    """How a company appears in the company text fields; the trailing #id makes the choice exact."""
    return f"{company.name} #{company.pk}"


class CompanyField(forms.CharField):
    """A company typed by name (with a datalist of suggestions): '株式会社山田製作所 #12', or a unique name."""

    names_a_record = True  # core.conflict shows it by the company's name

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 220)
        super().__init__(*args, **kwargs)
        self.user = None
        self.allow_new = False  # a name not found comes back as text, for the caller to register (名刺から登録)

    def prepare_value(self, value):
        """A company the user may not see is shown as 非公開の会社 #id, never by its name."""
        match = _COMPANY_REF.search(value) if isinstance(value, str) else None
        if match and not Company.objects.visible_to(self.user).filter(pk=match.group(1)).exists():
            return f"{visibility.placeholder(Company)} #{match.group(1)}"
        return value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        companies = Company.objects.visible_to(self.user)
        if match := _COMPANY_REF.search(value):
            company = companies.filter(pk=match.group(1)).first()
            if company is None and value.startswith(visibility.placeholder(Company)):
                return KEEP
        else:
            found = list(companies.filter(name_key=japanese.company_key(value))[:2])
            if len(found) > 1:
                raise forms.ValidationError(_("同じ名前の会社が複数あります。候補から選んでください。"))
            company = found[0] if found else None
        if company is None and self.allow_new and not match:
            return NewCompany(value)
        if company is None:
            raise forms.ValidationError(_("会社「%(name)s」が見つかりません。") % {"name": value})
        return company


class NewCompany(str):
    """A company name typed on a form that may register it (CompanyField.allow_new)."""


class ServiceForm(forms.Form):
    """A form whose cleaned data goes to a service; the service's field errors come back onto the form."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def add_service_errors(self, field_errors: dict[str, list[str]]) -> None:
        for field, messages in field_errors.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version" and v is not KEEP}
        if "tags" in data:
            data["tags"] = split_tags(data["tags"])
        if "owner" in data and data["owner"] is None:
            data.pop("owner")
        return data


def owner_field():
    return forms.ModelChoiceField(
        get_user_model().objects.filter(is_active=True), required=False, label=_("担当者"), empty_label=_("自分")
    )


class CompanyForm(ServiceForm):
    name = forms.CharField(label=_("会社名"), max_length=200, help_text=_("例: 株式会社山田製作所"))
    name_kana = forms.CharField(label=_("会社名（カナ）"), max_length=200, required=False)
    corporate_number = forms.CharField(label=_("法人番号"), max_length=30, required=False, help_text=_("13桁"))
    industry = forms.CharField(label=_("業種"), max_length=100, required=False)
    website = forms.CharField(label=_("Webサイト"), max_length=200, required=False)
    phone = forms.CharField(label=_("代表電話"), max_length=40, required=False)
    postcode = forms.CharField(label=_("郵便番号"), max_length=10, required=False)
    prefecture = forms.ChoiceField(label=_("都道府県"), choices=PREFECTURE_CHOICES, required=False)
    city = forms.CharField(label=_("市区町村"), max_length=100, required=False)
    street = forms.CharField(label=_("番地・建物"), max_length=200, required=False)
    parent = CompanyField(label=_("親会社"), required=False)
    tags = forms.CharField(label=_("タグ"), required=False, help_text=_("カンマまたは読点で区切ります"))
    notes = forms.CharField(label=_("メモ"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    visibility = forms.ChoiceField(label=_("公開範囲"), choices=Visibility.choices, initial=Visibility.TEAM)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].user = user
        self.fields["owner"] = owner_field()
        custom_forms.add_fields(self, user, "company")

    def service_data(self) -> dict:
        data = super().service_data()
        custom_forms.pop_values(self, data)
        return data


class PersonForm(ServiceForm):
    family_name = forms.CharField(label=_("姓"), max_length=50)
    given_name = forms.CharField(label=_("名"), max_length=50, required=False)
    family_name_kana = forms.CharField(label=_("セイ"), max_length=50, required=False)
    given_name_kana = forms.CharField(label=_("メイ"), max_length=50, required=False)
    postcode = forms.CharField(label=_("郵便番号"), max_length=10, required=False)
    prefecture = forms.ChoiceField(label=_("都道府県"), choices=PREFECTURE_CHOICES, required=False)
    city = forms.CharField(label=_("市区町村"), max_length=100, required=False)
    street = forms.CharField(label=_("番地・建物"), max_length=200, required=False)
    birthday = forms.CharField(label=_("誕生日"), required=False, help_text=_("例: 1980/4/1、昭和55年4月1日"))
    lifecycle_stage = forms.ChoiceField(label=_("ステージ"), choices=Person.Stage.choices, initial=Person.Stage.LEAD)
    external_id = forms.CharField(label=_("外部ID"), max_length=100, required=False)
    tags = forms.CharField(label=_("タグ"), required=False, help_text=_("カンマまたは読点で区切ります"))
    notes = forms.CharField(label=_("メモ"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    visibility = forms.ChoiceField(label=_("公開範囲"), choices=Visibility.choices, initial=Visibility.TEAM)

    CONTACT_ROWS = 3
    EMAIL_LABELS = [(v, label) for v, label in ContactPoint.Label.choices if v in ("work", "personal", "other")]
    PHONE_LABELS = [("", _("自動"))] + [
        (v, label) for v, label in ContactPoint.Label.choices if v in ("mobile", "office", "home", "fax", "other")
    ]

    def __init__(self, *args, user, with_company: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = owner_field()
        if with_company:  # registering someone new: their company in the same step; later posts via 職歴
            self.fields["company"] = CompanyField(
                label=_("会社"), required=False, help_text=_("会社名を入力して候補から選びます")
            )
            self.fields["company"].user = user
            self.fields["department"] = forms.CharField(label=_("部署"), max_length=100, required=False)
            self.fields["title"] = forms.CharField(label=_("役職"), max_length=100, required=False)
        for i in range(self.CONTACT_ROWS):
            self.fields[f"email_{i}"] = forms.CharField(label=_("メール"), required=False, max_length=254)
            self.fields[f"email_label_{i}"] = forms.ChoiceField(choices=self.EMAIL_LABELS, required=False)
            self.fields[f"phone_{i}"] = forms.CharField(label=_("電話"), required=False, max_length=60)
            self.fields[f"phone_label_{i}"] = forms.ChoiceField(choices=self.PHONE_LABELS, required=False)
        custom_forms.add_fields(self, user, "person")

    def contact_rows(self):
        return [
            (self[f"email_{i}"], self[f"email_label_{i}"], self[f"phone_{i}"], self[f"phone_label_{i}"])
            for i in range(self.CONTACT_ROWS)
        ]

    def service_data(self) -> dict:
        data = super().service_data()
        emails, phones = [], []
        for i in range(self.CONTACT_ROWS):
            email, phone = data.pop(f"email_{i}", ""), data.pop(f"phone_{i}", "")
            email_label, phone_label = data.pop(f"email_label_{i}", ""), data.pop(f"phone_label_{i}", "")
            if email:
                emails.append({"value": email, "label": email_label or "work"})
            if phone:
                phones.append({"value": phone, "label": phone_label or None})
        data["emails"], data["phones"] = emails, phones
        custom_forms.pop_values(self, data)
        if not data.get("company"):
            for key in ("company", "department", "title"):
                data.pop(key, None)
        return data

    @staticmethod
    def initial_for(person: Person) -> dict:
        initial = {f: getattr(person, f) for f in (
            "family_name", "given_name", "family_name_kana", "given_name_kana", "postcode", "prefecture", "city",
            "street", "lifecycle_stage", "external_id", "notes", "visibility", "version",
        )}  # fmt: skip
        initial["owner"] = person.owner_id
        initial["birthday"] = person.birthday.strftime("%Y/%m/%d") if person.birthday else ""
        initial["tags"] = "、".join(t.name for t in person.tags.all())
        emails = [p for p in person.contact_points.all() if p.kind == "email"]
        phones = [p for p in person.contact_points.all() if p.kind == "phone"]
        for i, point in enumerate(emails[: PersonForm.CONTACT_ROWS]):
            initial[f"email_{i}"], initial[f"email_label_{i}"] = point.value, point.label
        for i, point in enumerate(phones[: PersonForm.CONTACT_ROWS]):
            initial[f"phone_{i}"] = f"{point.value} 内線{point.extension}" if point.extension else point.value
            initial[f"phone_label_{i}"] = point.label
        return initial | custom_forms.initial(person)


def company_initial(company: Company) -> dict:
    initial = {f: getattr(company, f) for f in (
        "name", "name_kana", "corporate_number", "industry", "website", "phone", "postcode", "prefecture", "city",
        "street", "notes", "visibility", "version",
    )}  # fmt: skip
    initial["parent"] = company_label(company.parent) if company.parent else ""
    initial["owner"] = company.owner_id
    initial["tags"] = "、".join(t.name for t in company.tags.all())
    return initial | custom_forms.initial(company)


class EmploymentForm(ServiceForm):
    company = CompanyField(label=_("会社"), help_text=_("会社名を入力して候補から選びます"))
    department = forms.CharField(label=_("部署"), max_length=100, required=False)
    title = forms.CharField(label=_("役職"), max_length=100, required=False)
    start_date = forms.CharField(label=_("開始日"), required=False, help_text=_("例: 2024/4/1、令和6年4月1日"))
    end_date = forms.CharField(label=_("終了日"), required=False, help_text=_("在職中なら空欄"))
    is_primary = forms.BooleanField(label=_("主所属"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].user = user


class SiteForm(ServiceForm):
    name = forms.CharField(label=_("拠点名"), max_length=100, help_text=_("例: 大阪営業所、名古屋工場"))
    kind = forms.ChoiceField(label=_("種別"), choices=Site.Kind.choices, initial=Site.Kind.BRANCH)
    phone = forms.CharField(label=_("電話"), max_length=40, required=False)
    prefecture = forms.ChoiceField(label=_("都道府県"), choices=PREFECTURE_CHOICES, required=False)
    city = forms.CharField(label=_("市区町村"), max_length=100, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
