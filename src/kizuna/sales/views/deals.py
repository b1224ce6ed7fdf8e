"""Deal pages: the list (filters, sort, totals per stage), create and edit, the deal page."""

from django.contrib import messages
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kizuna.accounts.models import Team, User
from kizuna.contacts.forms import company_label
from kizuna.contacts.models import Company, Person
from kizuna.core.exceptions import ValidationFailed
from kizuna.core.history import record_context
from kizuna.core.pages import create_page, edit_page, list_page, page_view, require_writer
from kizuna.core.permissions import can_write_record
from kizuna.core.records import get_for_user
from kizuna.core.sharing import note_view
from kizuna.customfields import access as custom_access
from kizuna.timeline.queries import activities_linked_to

from ..forms import DealForm, deal_initial
from ..models import Deal, DealContact, DealSource, Stage
from ..queries import DEAL_SORTS, DealFilters, deals_for, pipelines_for, stage_totals
from ..services import deals as services


def _filters(request) -> DealFilters:
    try:
        return DealFilters.from_params(request.GET, request.user)
    except ValidationFailed as exc:
        messages.warning(request, exc.summary)
        return DealFilters()


def _choices(request) -> dict:
    pipelines = pipelines_for(request.user)
    stages = list(Stage.objects.filter(pipeline__in=pipelines).select_related("pipeline"))
    return {
        "pipelines": pipelines,
        "stages": stages,
        "owners": User.objects.filter(is_active=True).order_by("username"),
        "teams": Team.objects.order_by("name"),
        "sources": DealSource.choices,
        "kinds": Stage.Kind.choices,
    }


@page_view
def deal_list(request):
    filters = _filters(request)
    queryset = filters.apply(deals_for(request.user))
    totals = stage_totals(filters.apply(Deal.objects.visible_to(request.user)))
    choices = _choices(request)
    stage_rows = [(s, totals[s.pk]) for s in choices["stages"] if s.pk in totals]
    company = None
    if filters.company:
        company = Company.objects.visible_to(request.user).filter(pk=filters.company).first()
    return list_page(
        request, queryset=queryset, sorts=DEAL_SORTS, template="sales/deals/list.html",
        partial="sales/partials/deal_table.html",
        extra={"nav": "deals", "filters": request.GET, "stage_totals": stage_rows,
               "total_count": sum(t["count"] for _s, t in stage_rows),
               "total_amount": sum(t["amount"] for _s, t in stage_rows), "company": company, **choices},
    )  # fmt: skip


def _prefill(request) -> dict:
    """ "商談を作成" from a company or person page: ?company=<id> and/or ?person=<id>."""
    initial = {}
    company_id, person_id = request.GET.get("company", ""), request.GET.get("person", "")
    if person_id.isdigit():
        person = Person.objects.visible_to(request.user).filter(pk=person_id).select_related("company").first()
        if person is not None:
            initial["person"] = person
            if person.company_id and Company.objects.visible_to(request.user).filter(pk=person.company_id).exists():
                initial["company"] = company_label(person.company)
    if company_id.isdigit():
        company = Company.objects.visible_to(request.user).filter(pk=company_id).first()
        if company is not None:
            initial["company"] = company_label(company)
    return initial


@page_view
@require_http_methods(["GET", "POST"])
def deal_create(request):
    require_writer(request.user, "deal")
    prefill = _prefill(request)
    person = prefill.pop("person", None)
    form = DealForm(request.POST or None, initial=prefill, user=request.user, creating=True)

    def create(data):
        if person is not None:
            data["contacts"] = [{"person": person.pk, "role": DealContact.Role.CONTACT}]
        return services.create_deal(actor=request.user, data=data)

    return create_page(
        request, form=form, template="sales/deals/form.html", create=create,
        context={"nav": "deals", "person": person}, message=_("商談を登録しました。"),
    )  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def deal_edit(request, pk: int):
    deal = get_for_user(Deal, request.user, pk, for_write=True)
    return edit_page(
        request, obj=deal, form_class=DealForm, initial_for=deal_initial, template="sales/deals/form.html",
        update=lambda data, version: services.update_deal(actor=request.user, deal=deal, data=data, version=version),
        context={"nav": "deals"},
    )  # fmt: skip


def deal_context(request, deal: Deal) -> dict:
    """What the deal page shows; also used to re-render its parts after a change."""
    changes = list(deal.stage_changes.select_related("from_stage", "to_stage", "by").order_by("-at", "-id"))
    people = Person.objects.visible_to(request.user)
    contacts = list(deal.contacts.filter(person__in=people.values("pk")).select_related("person", "person__company"))
    lines = list(deal.lines.select_related("product"))
    return {
        "object": deal,
        "deal": deal,
        "nav": "deals",
        "can_edit": can_write_record(request.user, deal),
        "stages": list(deal.pipeline.stages.all()),
        "stage_changes": changes,
        "contacts": contacts,
        "roles": DealContact.Role.choices,
        "lines": lines,
        "lines_total": sum(line.subtotal for line in lines),
        "activities": list(activities_linked_to(request.user, deal)[:50]),
        "custom_rows": custom_access.rows(request.user, deal),
    }


@page_view
def deal_detail(request, pk: int):
    deal = get_for_user(Deal, request.user, pk)
    note_view(request.user, deal)
    deal = deals_for(request.user).get(pk=deal.pk)
    return render(request, "sales/deals/detail.html", deal_context(request, deal) | record_context(request, deal))
