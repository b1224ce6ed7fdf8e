"""API shapes of deals and pipelines. Inputs forbid unknown fields (no mass-assigned version or created_by)."""

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from kizuna.core.schemas import Strict, UserRef
from kizuna.core.visibility import viewer_for
from kizuna.customfields.schemas import CUSTOM_IN, CUSTOM_OUT, CUSTOM_PATCH, custom_out

AMOUNT_DOC = 'whole yen, tax-exclusive: a number, or text such as "300万" or "¥3,000,000"'


class DealContactIn(Strict):
    person: int
    role: str = Field("contact", description="decision_maker (決裁者), owner (担当者), influencer (影響者), contact")


class DealLineIn(Strict):
    product: int | None = None
    name: str = Field("", max_length=200, description="defaults to the product's name")
    quantity: str | float | int = 1
    unit: str = Field("", max_length=20)
    unit_price: int | str | None = Field(None, description="defaults to the product's unit price; " + AMOUNT_DOC)
    discount: int | str = 0
    tax_rate: str = Field("", description="10, 8 (軽減) or 0; defaults to the product's")


class DealIn(Strict):
    title: str = Field(..., max_length=200)
    company: int
    pipeline: int | None = Field(None, description="default: the owner's team's pipeline, else the default one")
    stage: int | None = Field(None, description="an open stage of the pipeline; default: its first")
    amount: int | str = Field(0, description=AMOUNT_DOC + "; the sum of the lines when lines are given")
    tax_rate: str = "10"
    probability: int | None = Field(None, description="0-100; null: the stage's probability")
    expected_close_on: date | None = None
    next_step: str = ""
    next_step_due: date | None = None
    source: str = Field("", description="trade_show, referral, web, existing, outbound, partner, other")
    competitors: str = ""
    owner: int | None = None
    visibility: str = "team"
    contacts: list[DealContactIn] = Field([], max_length=50)
    lines: list[DealLineIn] = Field([], max_length=200)
    custom: dict[str, Any] = CUSTOM_IN


class DealPatch(Strict):
    title: str | None = Field(None, max_length=200)
    company: int | None = None
    stage: int | None = Field(None, description="moves the deal (as POST /deals/{id}/move)")
    lost_reason: str | None = Field(None, max_length=300, description="required when `stage` is a lost stage")
    amount: int | str | None = None
    tax_rate: str | None = None
    probability: int | None = None
    expected_close_on: date | None = None
    next_step: str | None = None
    next_step_due: date | None = None
    source: str | None = None
    competitors: str | None = None
    owner: int | None = None
    visibility: str | None = None
    custom: dict[str, Any] | None = CUSTOM_PATCH


class DealMoveIn(Strict):
    stage: int
    lost_reason: str = Field("", max_length=300, description="required when the stage is a lost stage")


class DealContactsIn(Strict):
    contacts: list[DealContactIn] = Field(..., max_length=50)


class DealLinesIn(Strict):
    lines: list[DealLineIn] = Field(..., max_length=200)


class StageRef(Schema):
    id: int
    name: str
    kind: str
    probability: int


class DealContactOut(Schema):
    person_id: int
    name: str
    role: str
    role_label: str


class DealLineOut(Schema):
    product_id: int | None
    name: str
    quantity: str
    unit: str
    unit_price: int
    discount: int
    tax_rate: str
    subtotal: int

    @staticmethod
    def resolve_quantity(obj):
        return format(obj.quantity.normalize(), "f")


class StageChangeOut(Schema):
    at: datetime
    from_stage: str | None
    to_stage: str | None
    seconds_in_from_stage: int
    by: str | None

    @staticmethod
    def resolve_from_stage(obj):
        return obj.from_stage.name if obj.from_stage else None

    @staticmethod
    def resolve_to_stage(obj):
        return obj.to_stage.name if obj.to_stage else None

    @staticmethod
    def resolve_by(obj):
        return obj.by.username if obj.by else None


class DealCompanyRef(Schema):
    id: int
    label: str


class DealOut(Schema):
    id: int
    title: str
    company: DealCompanyRef | None = Field(None, description="null when the company is hidden from the caller")
    pipeline_id: int
    stage: StageRef
    stage_entered_at: datetime
    amount: int
    tax_rate: str
    tax_amount: int
    probability: int | None = Field(None, description="the deal's own; null: the stage's applies")
    effective_probability: int
    expected_close_on: date | None
    next_step: str
    next_step_due: date | None
    source: str
    competitors: str
    lost_reason: str
    won_on: date | None
    closed_at: datetime | None
    last_activity_at: datetime | None
    owner: UserRef | None
    team_id: int | None
    visibility: str
    custom: dict[str, Any] = CUSTOM_OUT
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_company(obj, context):
        return viewer_for(context["request"].user).ref(obj.company, lambda c: c.name)

    @staticmethod
    def resolve_custom(obj, context):
        return custom_out(obj, context)


class DealDetailOut(DealOut):
    contacts: list[DealContactOut]
    lines: list[DealLineOut]
    stage_changes: list[StageChangeOut]

    @staticmethod
    def resolve_contacts(obj, context):
        viewer = viewer_for(context["request"].user)
        rows = obj.contacts.select_related("person")
        return [{"person_id": c.person_id, "name": str(c.person), "role": c.role, "role_label": c.get_role_display()}
                for c in rows if viewer.sees(c.person)]  # fmt: skip

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_stage_changes(obj):
        return list(obj.stage_changes.select_related("from_stage", "to_stage", "by"))


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None
