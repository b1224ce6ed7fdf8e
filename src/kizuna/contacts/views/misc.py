from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.contacts import exports, services
from kizuna.contacts.filters import UNCONFIRMED_GUESTS, extra_params, filter_companies
from kizuna.contacts.models import Company, Person
from kizuna.contacts.panels import render_panels
from kizuna.contacts.search import other_results, search_records
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import can_write_records
from kizuna.core.records import get_for_user
from kizuna.customfields import filters as custom_filters

TRASH_TYPES = {
    "company": (Company, services.restore_company, "company"),
    "person": (Person, services.restore_person, "person"),
}


@page_view
def home(request):
    user = request.user
    people = Person.objects.visible_to(user)
    address_book = people.exclude(UNCONFIRMED_GUESTS)  # chat guests and the like are not "recently updated" work
    companies = Company.objects.visible_to(user)
    context = {
        "nav": "home",
        "my_people": people.filter(owner=user).count(),
        "my_companies": companies.filter(owner=user).count(),
        "recent_people": address_book.select_related("company").order_by("-updated_at", "-id")[:8],
        "recent_companies": companies.order_by("-updated_at", "-id")[:8],
        "can_create": can_write_records(user),
        "panels": render_panels(request, "home", None),  # the day's work, from the apps that know it
    }
    return render(request, "home.html", context)


@page_view
def quick_search(request):
    """Header search while typing: a few people, companies and (from other apps) activities."""
    q = request.GET.get("q", "").strip()
    people_total, people, _ = search_records(request.user, q, type="person", limit=6)
    companies_total, companies, _ = search_records(request.user, q, type="company", limit=6)
    others = [(title, rows) for title, rows in other_results(request.user, q, limit=5) if rows]
    context = {"q": q, "people": people, "companies": companies, "others": others,
               "people_total": people_total, "companies_total": companies_total}  # fmt: skip
    return render(request, "contacts/partials/quick_results.html", context)


@page_view
def company_options(request):
    """<option>s for the company text fields' datalist."""
    q = request.GET.get("company") or request.GET.get("parent") or request.GET.get("q", "")
    companies = []
    if q.strip():
        companies = filter_companies(Company.objects.visible_to(request.user), q=q).order_by("name_key", "id")[:15]
    return render(request, "contacts/partials/company_options.html", {"companies": companies})


@page_view
def trash(request):
    context = {
        "nav": "trash",
        "companies": Company.objects.visible_to(request.user, deleted=True).order_by("-deleted_at")[:100],
        "people": Person.objects.visible_to(request.user, deleted=True).order_by("-deleted_at")[:100],
    }
    return render(request, "contacts/trash.html", context)


@page_view
@require_POST
def restore(request, kind: str, pk: int):
    if kind not in TRASH_TYPES:
        raise NotFound()
    model, restore_service, field = TRASH_TYPES[kind]
    obj = get_for_user(model, request.user, pk, for_write=True, deleted=True)
    restore_service(actor=request.user, **{field: obj})
    messages.success(request, _("「%(name)s」を元に戻しました。") % {"name": obj})
    return redirect(obj)


@page_view
def export_list(request, kind: str):
    """The list as it is filtered on screen, as CSV (UTF-8 with BOM by default), CP932, xlsx or vCard."""
    if kind not in ("person", "company"):
        raise NotFound()
    keys = ("q", "owner", "tag", "stage", "prefecture", "company") if kind == "person" else (
        "q", "owner", "tag", "prefecture", "industry")  # fmt: skip
    filters = {k: request.GET.get(k, "") for k in keys}
    filters["custom"] = custom_filters.params_from(request.GET)
    filters["extra"] = extra_params(request.GET)
    if filters.get("owner") == "me":
        filters["owner"] = request.user.pk
    try:
        result = exports.export(actor=request.user, kind=kind, filters=filters, fmt=request.GET.get("format", "csv"),
                                encoding=request.GET.get("encoding", "utf-8-sig"))  # fmt: skip
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("contacts:person_list" if kind == "person" else "contacts:company_list")
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response
