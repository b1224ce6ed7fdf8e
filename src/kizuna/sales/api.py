"""/api/v1/deals (and the sales app's other routers, mounted from apps.py)."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kizuna.core.api import ErrorOut, HistoryEventOut, expected_version, history, set_etag
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.pagination import paginate
from kizuna.core.records import get_for_user
from kizuna.core.schemas import Bounded
from kizuna.core.sharing import note_view
from kizuna.core.visibility import viewer_for

from .models import Deal
from .queries import DEAL_SORTS, DealFilters, deals_for
from .schemas import DealContactsIn, DealDetailOut, DealIn, DealLinesIn, DealMoveIn, DealPage, DealPatch
from .services import deals as services

router = Router(tags=["sales"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422, 428)}


class DealListParams(Bounded):
    q: str = ""
    stage: int | None = None
    kind: str = ""
    pipeline: int | None = None
    owner: int | None = None
    team: int | None = None
    company: int | None = None
    close_month: str = ""
    source: str = ""
    stalled: bool = False
    stalled_days: int | None = None
    sort: str = "updated"
    cursor: str | None = None
    limit: int = 25


def _detail(request, response: HttpResponse, pk: int):
    deal = deals_for(request.user).get(pk=pk)
    set_etag(response, deal)
    return deal


@router.get("/deals", response={200: DealPage, **ERRORS},
            description="Deals, in keyset pages; filters as on the list page (stalled: 停滞案件). sort: "
            + ", ".join(DEAL_SORTS))  # fmt: skip
def list_deals(request: HttpRequest, params: Query[DealListParams]):
    if params.sort not in DEAL_SORTS:
        message = _("sort は %(choices)s のいずれかです。") % {"choices": ", ".join(DEAL_SORTS)}
        raise ValidationFailed(field_errors={"sort": [message]})
    if not 1 <= params.limit <= 200:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜200 で指定してください。")]})
    raw = params.dict()
    raw["stalled"] = "1" if params.stalled else ""
    filters = DealFilters.from_params(raw, request.user)
    page = paginate(filters.apply(deals_for(request.user)), sort=DEAL_SORTS[params.sort], cursor=params.cursor,
                    limit=params.limit)  # fmt: skip
    viewer_for(request.user).prime_related(page.items, "company")  # company names: one query for the page
    return page


@router.post("/deals", response={201: DealDetailOut, **ERRORS})
def create_deal(request: HttpRequest, response: HttpResponse, payload: DealIn):
    data = payload.dict()
    data["contacts"] = [c.dict() for c in payload.contacts]
    data["lines"] = [line.dict() for line in payload.lines]
    deal = services.create_deal(actor=request.user, data=data)
    return Status(201, _detail(request, response, deal.pk))


@router.get("/deals/{deal_id}", response={200: DealDetailOut, **ERRORS})
def get_deal(request: HttpRequest, response: HttpResponse, deal_id: int):
    note_view(request.user, get_for_user(Deal, request.user, deal_id))
    return _detail(request, response, deal_id)


@router.patch("/deals/{deal_id}", response={200: DealDetailOut, **ERRORS})
def patch_deal(request: HttpRequest, response: HttpResponse, deal_id: int, payload: DealPatch):
    """Needs If-Match. `stage` moves the deal (with `lost_reason` for a lost stage)."""
    deal = get_for_user(Deal, request.user, deal_id, for_write=True)
    version = expected_version(request, deal)
    services.update_deal(actor=request.user, deal=deal, data=payload.dict(exclude_unset=True), version=version)
    return _detail(request, response, deal.pk)


@router.post("/deals/{deal_id}/move", response={200: DealDetailOut, **ERRORS})
def move_deal(request: HttpRequest, response: HttpResponse, deal_id: int, payload: DealMoveIn):
    """Move to a stage of the deal's pipeline (If-Match). A lost stage needs `lost_reason`."""
    deal = get_for_user(Deal, request.user, deal_id, for_write=True)
    version = expected_version(request, deal)
    services.move_deal(actor=request.user, deal=deal, stage=payload.stage, lost_reason=payload.lost_reason,
                       version=version)  # fmt: skip
    return _detail(request, response, deal.pk)


@router.put("/deals/{deal_id}/contacts", response={200: DealDetailOut, **ERRORS})
def put_deal_contacts(request: HttpRequest, response: HttpResponse, deal_id: int, payload: DealContactsIn):
    """Replace the people of the deal and their roles (If-Match)."""
    deal = get_for_user(Deal, request.user, deal_id, for_write=True)
    version = expected_version(request, deal)
    services.set_deal_contacts(actor=request.user, deal=deal, contacts=[c.dict() for c in payload.contacts],
                               version=version)  # fmt: skip
    return _detail(request, response, deal.pk)


@router.put("/deals/{deal_id}/lines", response={200: DealDetailOut, **ERRORS})
def put_deal_lines(request: HttpRequest, response: HttpResponse, deal_id: int, payload: DealLinesIn):
    """Replace the line items (If-Match); the amount becomes their sum."""
    deal = get_for_user(Deal, request.user, deal_id, for_write=True)
    version = expected_version(request, deal)
    services.set_deal_lines(actor=request.user, deal=deal, lines=[line.dict() for line in payload.lines],
                            version=version)  # fmt: skip
    return _detail(request, response, deal.pk)


@router.delete("/deals/{deal_id}", response={204: None, **ERRORS})
def delete_deal(request: HttpRequest, deal_id: int):
    deal = get_for_user(Deal, request.user, deal_id, for_write=True)
    services.delete_deal(actor=request.user, deal=deal, version=expected_version(request, deal))
    return Status(204, None)


@router.post("/deals/{deal_id}/restore", response={200: DealDetailOut, **ERRORS})
def restore_deal(request: HttpRequest, response: HttpResponse, deal_id: int):
    deal = get_for_user(Deal, request.user, deal_id, for_write=True, deleted=True)
    services.restore_deal(actor=request.user, deal=deal)
    return _detail(request, response, deal.pk)


@router.get("/deals/{deal_id}/history", response={200: list[HistoryEventOut], **ERRORS})
def deal_history(request: HttpRequest, deal_id: int):
    deal = get_for_user(Deal, request.user, deal_id)
    return history(request.user, deal, [deal.pk])
