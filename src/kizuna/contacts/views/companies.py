from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kizuna.contacts import services
from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.filters import COMPANY_SORTS, extra_params, filter_companies, sorted_by
from kizuna.contacts.forms import CompanyForm, SiteForm, company_initial
from kizuna.contacts.models import Company, Employment, Person
from kizuna.contacts.org import org_chart
from kizuna.contacts.panels import render_panels
from kizuna.core import japanese
from kizuna.core.history import record_context
from kizuna.core.pages import create_page, edit_page, list_page, page_view, require_writer
from kizuna.core.records import get_child, get_for_user
from kizuna.core.sharing import note_view
from kizuna.customfields import access as custom_access
from kizuna.customfields import filters as custom_filters
from kizuna.customfields import lists as custom_lists


@page_view
def company_list(request):
    params = {k: request.GET.get(k, "") for k in ("q", "owner", "tag", "prefecture", "industry")}
    if params["owner"] == "me":
        params["owner"] = request.user.pk
    queryset = filter_companies(
        Company.objects.visible_to(request.user).select_related("owner").prefetch_related("tags"),
        user=request.user,
        custom=custom_filters.params_from(request.GET),
        extra=extra_params(request.GET),
        **{k: v for k, v in params.items() if v},
    )
    queryset, sorts = sorted_by(
        queryset, user=request.user, object_type="company", sort=request.GET.get("sort", ""), sorts=COMPANY_SORTS
    )
    custom = custom_lists.context(request, "company")
    return list_page(
        request, queryset=queryset, sorts=sorts, template="contacts/company_list.html",
        partial="contacts/partials/company_table.html",
        extra={"nav": "companies", "filters": request.GET, "prefectures": japanese.PREFECTURES, **custom},
        prepare=lambda items: custom_lists.fill_cells(items, custom["custom_columns"]),
    )  # fmt: skip


@page_view
def company_detail(request, pk: int):
    company = get_for_user(Company, request.user, pk)
    note_view(request.user, company)
    jobs = Employment.objects.alive().filter(
        company=company, person__in=Person.objects.visible_to(request.user).values("pk")
    )
    jobs = jobs.select_related("person", "site").order_by("-start_date", "-id")
    context = {
        "object": company,
        "nav": "companies",
        "org_chart": org_chart(jobs.current()[:300]),
        "past_jobs": list(jobs.past()[:200]),
        "sites": company.sites.alive(),
        "subsidiaries": Company.objects.visible_to(request.user).filter(parent=company),
        "panels": render_panels(request, "company", company),
        "custom_rows": custom_access.rows(request.user, company),
        **record_context(request, company),
    }
    return render(request, "contacts/company_detail.html", context)


@page_view
@require_http_methods(["GET", "POST"])
def company_create(request):
    require_writer(request.user, "company")
    return create_page(
        request, form=CompanyForm(request.POST or None, user=request.user), template="contacts/company_form.html",
        create=lambda data: services.create_company(actor=request.user, data=data),
        context={"nav": "companies"}, message=_("会社を登録しました。"),
        duplicates=lambda data: duplicates_of(request, data),
    )  # fmt: skip


def duplicates_of(request, data: dict, *, exclude_id=None):
    found = dedup.probable_duplicates(request.user, dedup.COMPANY, data, exclude_id=exclude_id)
    return dedup.describe(dedup.COMPANY, found)


@page_view
@require_http_methods(["GET", "POST"])
def company_edit(request, pk: int):
    company = get_for_user(Company, request.user, pk, for_write=True)
    return edit_page(
        request, obj=company, form_class=CompanyForm, initial_for=company_initial,
        template="contacts/company_form.html", context={"nav": "companies"},
        duplicates=lambda data: duplicates_of(request, data, exclude_id=company.pk),
        update=lambda data, version: services.update_company(
            actor=request.user, company=company, data=data, expected_version=version
        ),
    )  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def company_delete(request, pk: int):
    company = get_for_user(Company, request.user, pk, for_write=True)
    if request.method == "POST":
        services.delete_company(actor=request.user, company=company)
        messages.success(request, _("「%(name)s」をゴミ箱に移しました。") % {"name": company})
        return redirect("contacts:company_list")
    return render(request, "contacts/confirm_delete.html", {"object": company, "nav": "companies"})


@page_view
@require_http_methods(["GET", "POST"])
def site_create(request, company_pk: int):
    company = get_for_user(Company, request.user, company_pk, for_write=True)

    def create(data):
        services.add_site(actor=request.user, company=company, data=data)
        return company

    return create_page(
        request, form=SiteForm(request.POST or None), template="contacts/site_form.html", create=create,
        context={"company": company, "nav": "companies"}, message=_("拠点を追加しました。"),
    )  # fmt: skip


@page_view
@require_http_methods(["POST"])
def site_delete(request, company_pk: int, pk: int):
    company = get_for_user(Company, request.user, company_pk, for_write=True)
    site = get_child(company.sites, pk)
    services.delete_site(actor=request.user, site=site)
    messages.success(request, _("拠点「%(name)s」を削除しました。") % {"name": site.name})
    return redirect(company)
