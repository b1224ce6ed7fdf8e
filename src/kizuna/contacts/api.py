"""/api/v1/companies, /api/v1/people and /api/v1/people/{id}/employments."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kizuna.core.api import ErrorOut, HistoryEventOut, expected_version, history, set_etag
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.pagination import paginate
from kizuna.core.records import get_child, get_for_user
from kizuna.core.schemas import Bounded
from kizuna.core.sharing import note_view
from kizuna.core.visibility import viewer_for
from kizuna.customfields import filters as custom_filters

from . import services
from .filters import COMPANY_SORTS, PERSON_SORTS, extra_params, filter_companies, filter_people, sorted_by
from .masking import mask_people, mask_person
from .models import Company, Employment, Person, Site
from .schemas import (
    CompanyIn,
    CompanyOut,
    CompanyPage,
    CompanyPatch,
    EmploymentIn,
    EmploymentOut,
    EmploymentPatch,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
    SearchOut,
    SiteIn,
    SiteOut,
    SitePatch,
)  # fmt: skip
from .search import search_records
from .services.merge import history_ids

router = Router(tags=["contacts"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422, 428)}


class ListParams(Bounded):
    q: str = ""
    owner: int | None = None
    tag: str = ""
    prefecture: str = ""
    sort: str = "updated"
    cursor: str | None = None
    limit: int = 25


class PersonListParams(ListParams):
    stage: str = ""
    company: int | None = None


class CompanyListParams(ListParams):
    industry: str = ""


CUSTOM_DOC = (
    " Custom fields marked filterable (GET /api/v1/custom-fields) filter as custom.<key>=<value> (text: contains;"
    " multi_choice: holds the choice), custom.<key>.min / custom.<key>.max (number, money, date) and sort as"
    " sort=custom.<key> or sort=-custom.<key>."
)


def _sort(params: ListParams, sorts: dict) -> str:
    if params.sort not in sorts:
        message = _("sort は %(choices)s のいずれかです。") % {"choices": ", ".join(sorts)}
        raise ValidationFailed(field_errors={"sort": [message]})
    if not 1 <= params.limit <= 200:
        raise ValidationFailed(field_errors={"limit": [_("limit は 1〜200 で指定してください。")]})
    return sorts[params.sort]


def _people(user):
    return Person.objects.visible_to(user).select_related("company", "owner").prefetch_related("tags", "contact_points")


def _companies(user):
    return Company.objects.visible_to(user).select_related("owner").prefetch_related("tags")


def _with_etag(response: HttpResponse, obj):
    set_etag(response, obj)
    return obj


# --- companies -------------------------------------------------------------------------------------
@router.get("/companies", response={200: CompanyPage, **ERRORS}, description="Companies, in keyset pages." + CUSTOM_DOC)
def list_companies(request: HttpRequest, params: Query[CompanyListParams]):
    qs = filter_companies(
        _companies(request.user),
        user=request.user,
        custom=custom_filters.params_from(request.GET),
        extra=extra_params(request.GET),
        q=params.q,
        owner=params.owner,
        tag=params.tag,
        prefecture=params.prefecture,
        industry=params.industry,
    )
    qs, sorts = sorted_by(qs, user=request.user, object_type="company", sort=params.sort, sorts=COMPANY_SORTS)
    return paginate(qs, sort=_sort(params, sorts), cursor=params.cursor, limit=params.limit)


@router.post("/companies", response={201: CompanyOut, **ERRORS})
def create_company(request: HttpRequest, response: HttpResponse, payload: CompanyIn):
    company = services.create_company(actor=request.user, data=payload.dict())
    return Status(201, _with_etag(response, _companies(request.user).get(pk=company.pk)))


@router.get("/companies/{company_id}", response={200: CompanyOut, **ERRORS})
def get_company(request: HttpRequest, response: HttpResponse, company_id: int):
    note_view(request.user, get_for_user(Company, request.user, company_id))
    return _with_etag(response, _companies(request.user).get(pk=company_id))


@router.patch("/companies/{company_id}", response={200: CompanyOut, **ERRORS})
def patch_company(request: HttpRequest, response: HttpResponse, company_id: int, payload: CompanyPatch):
    company = get_for_user(Company, request.user, company_id, for_write=True)
    version = expected_version(request, company)
    services.update_company(
        actor=request.user, company=company, data=payload.dict(exclude_unset=True), expected_version=version
    )
    return _with_etag(response, _companies(request.user).get(pk=company.pk))


@router.delete("/companies/{company_id}", response={204: None, **ERRORS})
def delete_company(request: HttpRequest, company_id: int):
    company = get_for_user(Company, request.user, company_id, for_write=True)
    services.delete_company(actor=request.user, company=company, expected_version=expected_version(request, company))
    return Status(204, None)


@router.post("/companies/{company_id}/restore", response={200: CompanyOut, **ERRORS})
def restore_company(request: HttpRequest, response: HttpResponse, company_id: int):
    company = get_for_user(Company, request.user, company_id, for_write=True, deleted=True)
    services.restore_company(actor=request.user, company=company)
    return _with_etag(response, _companies(request.user).get(pk=company.pk))


# --- people ----------------------------------------------------------------------------------------
@router.get("/people", response={200: PersonPage, **ERRORS}, description="People, in keyset pages." + CUSTOM_DOC)
def list_people(request: HttpRequest, params: Query[PersonListParams]):
    qs = filter_people(
        _people(request.user),
        user=request.user,
        custom=custom_filters.params_from(request.GET),
        extra=extra_params(request.GET),
        q=params.q,
        owner=params.owner,
        tag=params.tag,
        stage=params.stage,
        prefecture=params.prefecture,
        company=params.company,
    )
    qs, sorts = sorted_by(qs, user=request.user, object_type="person", sort=params.sort, sorts=PERSON_SORTS)
    page = paginate(qs, sort=_sort(params, sorts), cursor=params.cursor, limit=params.limit)
    mask_people(request.user, page.items)
    viewer_for(request.user).prime_related(page.items, "company")  # the employers, named or null, in one query
    return page


@router.post("/people", response={201: PersonOut, **ERRORS})
def create_person(request: HttpRequest, response: HttpResponse, payload: PersonIn):
    person = services.create_person(actor=request.user, data=payload.dict())
    return Status(201, _with_etag(response, _people(request.user).get(pk=person.pk)))


@router.get("/people/{person_id}", response={200: PersonOut, **ERRORS})
def get_person(request: HttpRequest, response: HttpResponse, person_id: int):
    note_view(request.user, get_for_user(Person, request.user, person_id))
    return _with_etag(response, mask_person(request.user, _people(request.user).get(pk=person_id)))


@router.patch("/people/{person_id}", response={200: PersonOut, **ERRORS})
def patch_person(request: HttpRequest, response: HttpResponse, person_id: int, payload: PersonPatch):
    person = get_for_user(Person, request.user, person_id, for_write=True)
    version = expected_version(request, person)
    services.update_person(
        actor=request.user, person=person, data=payload.dict(exclude_unset=True), expected_version=version
    )
    return _with_etag(response, _people(request.user).get(pk=person.pk))


@router.delete("/people/{person_id}", response={204: None, **ERRORS})
def delete_person(request: HttpRequest, person_id: int):
    person = get_for_user(Person, request.user, person_id, for_write=True)
    services.delete_person(actor=request.user, person=person, expected_version=expected_version(request, person))
    return Status(204, None)


@router.post("/people/{person_id}/restore", response={200: PersonOut, **ERRORS})
def restore_person(request: HttpRequest, response: HttpResponse, person_id: int):
    person = get_for_user(Person, request.user, person_id, for_write=True, deleted=True)
    services.restore_person(actor=request.user, person=person)
    return _with_etag(response, _people(request.user).get(pk=person.pk))


# --- employments (a person's career) -----------------------------------------------------------------
def _employment(request, person_id: int, employment_id: int, *, for_write: bool) -> Employment:
    person = get_for_user(Person, request.user, person_id, for_write=for_write)
    return get_child(person.employments.select_related("company"), employment_id)


@router.get("/people/{person_id}/employments", response={200: list[EmploymentOut], **ERRORS})
def list_employments(request: HttpRequest, person_id: int):
    person = get_for_user(Person, request.user, person_id)
    return person.employments.alive().select_related("company").order_by("-start_date", "-id")


@router.post("/people/{person_id}/employments", response={201: EmploymentOut, **ERRORS})
def create_employment(request: HttpRequest, response: HttpResponse, person_id: int, payload: EmploymentIn):
    person = get_for_user(Person, request.user, person_id, for_write=True)
    employment = services.add_employment(actor=request.user, person=person, data=payload.dict())
    return Status(201, _with_etag(response, employment))


@router.get("/people/{person_id}/employments/{employment_id}", response={200: EmploymentOut, **ERRORS})
def get_employment(request: HttpRequest, response: HttpResponse, person_id: int, employment_id: int):
    return _with_etag(response, _employment(request, person_id, employment_id, for_write=False))


@router.patch("/people/{person_id}/employments/{employment_id}", response={200: EmploymentOut, **ERRORS})
def patch_employment(
    request: HttpRequest, response: HttpResponse, person_id: int, employment_id: int, payload: EmploymentPatch
):
    employment = _employment(request, person_id, employment_id, for_write=True)
    services.update_employment(
        actor=request.user,
        employment=employment,
        data=payload.dict(exclude_unset=True),
        expected_version=expected_version(request, employment),
    )
    return _with_etag(response, employment)


@router.delete("/people/{person_id}/employments/{employment_id}", response={204: None, **ERRORS})
def delete_employment(request: HttpRequest, person_id: int, employment_id: int):
    employment = _employment(request, person_id, employment_id, for_write=True)
    services.delete_employment(
        actor=request.user, employment=employment, expected_version=expected_version(request, employment)
    )
    return Status(204, None)


# --- sites (本社・支店・営業所・工場) ---------------------------------------------------------------------
def _site(request, company_id: int, site_id: int) -> Site:
    company = get_for_user(Company, request.user, company_id, for_write=True)
    return get_child(company.sites, site_id)


@router.get("/companies/{company_id}/sites", response={200: list[SiteOut], **ERRORS})
def list_sites(request: HttpRequest, company_id: int):
    return get_for_user(Company, request.user, company_id).sites.alive().order_by("name", "id")


@router.post("/companies/{company_id}/sites", response={201: SiteOut, **ERRORS})
def create_site(request: HttpRequest, response: HttpResponse, company_id: int, payload: SiteIn):
    company = get_for_user(Company, request.user, company_id, for_write=True)
    return Status(
        201, _with_etag(response, services.add_site(actor=request.user, company=company, data=payload.dict()))
    )


@router.patch("/companies/{company_id}/sites/{site_id}", response={200: SiteOut, **ERRORS})
def patch_site(request: HttpRequest, response: HttpResponse, company_id: int, site_id: int, payload: SitePatch):
    site = _site(request, company_id, site_id)
    services.update_site(
        actor=request.user,
        site=site,
        data=payload.dict(exclude_unset=True),
        expected_version=expected_version(request, site),
    )
    return _with_etag(response, site)


@router.delete("/companies/{company_id}/sites/{site_id}", response={204: None, **ERRORS})
def delete_site(request: HttpRequest, company_id: int, site_id: int):
    site = _site(request, company_id, site_id)
    services.delete_site(actor=request.user, site=site, expected_version=expected_version(request, site))
    return Status(204, None)


# --- search ------------------------------------------------------------------------------------------
class SearchParams(Bounded):
    q: str = ""
    type: str = ""
    limit: int = 20
    cursor: str | None = None


@router.get("/search", response={200: SearchOut, **ERRORS})
def search(request: HttpRequest, params: Query[SearchParams]):
    """Substring search over names, readings, company names, e-mails and phone digits (1 character and up)."""
    q = params.q
    total, results, next_cursor = search_records(
        request.user, q, type=params.type or None, limit=params.limit, cursor=params.cursor
    )
    return {"query": q, "total": total, "results": results, "next_cursor": next_cursor}


# --- history -----------------------------------------------------------------------------------------
@router.get("/people/{person_id}/history", response={200: list[HistoryEventOut], **ERRORS})
def person_history(request: HttpRequest, person_id: int):
    """Every change to the person (and to records merged into it), newest first."""
    person = get_for_user(Person, request.user, person_id)
    return history(request.user, person, history_ids("person", person.pk))


@router.get("/companies/{company_id}/history", response={200: list[HistoryEventOut], **ERRORS})
def company_history(request: HttpRequest, company_id: int):
    company = get_for_user(Company, request.user, company_id)
    return history(request.user, company, history_ids("company", company.pk))
