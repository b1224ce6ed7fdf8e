"""API shapes. Inputs forbid unknown fields, so `version`, `created_by` and the like cannot be mass-assigned."""

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from kizuna.core.schemas import Strict, UserRef
from kizuna.core.visibility import viewer_for
from kizuna.customfields.schemas import CUSTOM_IN, CUSTOM_OUT, CUSTOM_PATCH, custom_out

from .models import Company


class CompanyIn(Strict):
    name: str = Field(..., max_length=200)
    name_kana: str = ""
    corporate_number: str = ""
    industry: str = ""
    website: str = ""
    phone: str = ""
    postcode: str = ""
    prefecture: str = ""
    city: str = ""
    street: str = ""
    parent: int | None = None
    notes: str = ""
    tags: list[str] = []
    owner: int | None = None
    visibility: str = "team"
    custom: dict[str, Any] = CUSTOM_IN


class CompanyPatch(Strict):
    name: str | None = Field(None, max_length=200)
    name_kana: str | None = None
    corporate_number: str | None = None
    industry: str | None = None
    website: str | None = None
    phone: str | None = None
    postcode: str | None = None
    prefecture: str | None = None
    city: str | None = None
    street: str | None = None
    parent: int | None = None
    notes: str | None = None
    tags: list[str] | None = None
    owner: int | None = None
    visibility: str | None = None
    custom: dict[str, Any] | None = CUSTOM_PATCH


class CompanyOut(Schema):
    id: int
    name: str
    name_kana: str
    legal_form: str
    corporate_number: str
    industry: str
    website: str
    phone: str
    postcode: str
    prefecture: str
    city: str
    street: str
    parent_id: int | None
    notes: str
    tags: list[str]
    owner: UserRef | None
    team_id: int | None
    visibility: str
    custom: dict[str, Any] = CUSTOM_OUT
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj):
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_custom(obj, context):
        return custom_out(obj, context)


class ContactPointIn(Strict):
    value: str
    label: str | None = None
    extension: str | None = None


class ContactPointOut(Schema):
    value: str
    label: str
    extension: str
    e164: str
    punycode: str = Field("", description="e-mail: the address folded, its domain in punycode (xn--)")
    needs_review: bool = Field(False, description="要確認: a possible number the numbering plan does not list")
    review_reason: str = Field("", description="not_in_plan when needs_review")


class UnparsedValueOut(Schema):
    """A phone or e-mail that could not be read as one, kept as entered (要確認)."""

    kind: str = Field(..., description="phone | email")
    value: str
    label: str
    reason: str = Field(..., description="not_a_phone | not_an_email")


class CompanyRef(Schema):
    id: int
    name: str


def seen_company(obj, context):
    """`obj.company` when the caller may see it, else None (core.visibility: hidden = missing)."""
    if obj.company_id is None:
        return None
    return obj.company if viewer_for(context["request"].user).sees_id(Company, obj.company_id) else None


class PersonIn(Strict):
    family_name: str
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    emails: list[ContactPointIn] = []
    phones: list[ContactPointIn] = []
    postcode: str = ""
    prefecture: str = ""
    city: str = ""
    street: str = ""
    birthday: date | None = None
    lifecycle_stage: str = "lead"
    notes: str = ""
    external_id: str = ""
    tags: list[str] = []
    owner: int | None = None
    visibility: str = "team"
    company: int | None = Field(None, description="現在の会社の ID（主所属の職歴が作られます）")
    department: str = ""
    title: str = ""
    custom: dict[str, Any] = CUSTOM_IN


class PersonPatch(Strict):
    family_name: str | None = None
    given_name: str | None = None
    family_name_kana: str | None = None
    given_name_kana: str | None = None
    emails: list[ContactPointIn] | None = None
    phones: list[ContactPointIn] | None = None
    postcode: str | None = None
    prefecture: str | None = None
    city: str | None = None
    street: str | None = None
    birthday: date | None = None
    lifecycle_stage: str | None = None
    notes: str | None = None
    external_id: str | None = None
    tags: list[str] | None = None
    owner: int | None = None
    visibility: str | None = None
    custom: dict[str, Any] | None = CUSTOM_PATCH


class PersonOut(Schema):
    id: int
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    display_name: str
    emails: list[ContactPointOut]
    phones: list[ContactPointOut]
    unparsed_values: list[UnparsedValueOut] = Field(
        [], description="phones and e-mails that could not be read, kept as entered (要確認)"
    )
    company: CompanyRef | None
    postcode: str
    prefecture: str
    city: str
    street: str
    birthday: date | None
    lifecycle_stage: str
    notes: str
    external_id: str
    tags: list[str]
    owner: UserRef | None
    team_id: int | None
    visibility: str
    custom: dict[str, Any] = CUSTOM_OUT
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj):
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_custom(obj, context):
        return custom_out(obj, context)

    @staticmethod
    def resolve_company(obj, context):
        return seen_company(obj, context)

    @staticmethod
    def resolve_emails(obj):
        return [p for p in obj.contact_points.all() if p.kind == "email"]

    @staticmethod
    def resolve_phones(obj):
        return [p for p in obj.contact_points.all() if p.kind == "phone"]


class EmploymentIn(Strict):
    company: int
    site: int | None = None
    department: str = ""
    title: str = ""
    start_date: date | None = None
    end_date: date | None = None
    is_primary: bool = True


class EmploymentPatch(Strict):
    company: int | None = None
    site: int | None = None
    department: str | None = None
    title: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    is_primary: bool | None = None


class EmploymentOut(Schema):
    id: int
    company: CompanyRef | None = Field(description="null: a company the caller may not see")
    site_id: int | None
    department: str
    title: str
    start_date: date | None
    end_date: date | None
    is_primary: bool
    is_current: bool
    version: int

    @staticmethod
    def resolve_company(obj, context):
        return seen_company(obj, context)


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class SiteIn(Strict):
    name: str
    kind: str = "branch"
    phone: str = ""
    postcode: str = ""
    prefecture: str = ""
    city: str = ""
    street: str = ""


class SitePatch(Strict):
    name: str | None = None
    kind: str | None = None
    phone: str | None = None
    postcode: str | None = None
    prefecture: str | None = None
    city: str | None = None
    street: str | None = None


class SiteOut(Schema):
    id: int
    company_id: int
    name: str
    kind: str
    phone: str
    postcode: str
    prefecture: str
    city: str
    street: str
    version: int


class SearchResultOut(Schema):
    type: str
    id: int
    external_id: str
    label: str
    detail: str
    url: str
    matched: str = Field(
        "", description="the field that matched: name, reading, company, email, phone, corporate_number"
    )
    highlight: str = Field("", description="that field's value as HTML: escaped, with the matching part in <mark>")


class SearchOut(Schema):
    query: str
    total: int = Field(description="number of matches, counted up to a cap (see total_is_estimate)")
    total_is_estimate: bool = Field(False, description="true when there are more matches than total")
    total_display: str = Field("", description='the total as shown: "12", or "1,000+" past the cap')
    results: list[SearchResultOut]
    next_cursor: str | None

    @staticmethod
    def resolve_total_is_estimate(obj) -> bool:
        total = obj.get("total") if isinstance(obj, dict) else getattr(obj, "total", None)
        return bool(getattr(total, "is_estimate", False))

    @staticmethod
    def resolve_total_display(obj) -> str:
        total = obj.get("total") if isinstance(obj, dict) else getattr(obj, "total", None)
        return getattr(total, "display", f"{int(total or 0):,}")
