"""Quote pages: the list, a deal's quotes, the draft form (lines as rows, one more row by htmx), the quote with its
versions and actions (PDF, 提出, 受諾/不採用, 新しい版), and 設定 → 見積書 (the issuer). Every write goes through
sales.services.quotes; a quote is reached through its deal."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kizuna.core.exceptions import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import can_write_record, is_admin
from kizuna.core.records import get_for_user

from . import forms_quotes as forms
from . import tax
from .models import Deal, Quote, TaxRate
from .services import issuer as issuer_services
from .services import quote_documents
from .services import quotes as services
from .services.products import products_visible_to

STATUS_FILTERS = ("", *Quote.Status.values)


def _product_choices(user):
    return list(products_visible_to(user).filter(active=True).order_by("code").values("pk", "code", "name")[:500])


@page_view
@require_GET
def quote_list(request):
    status = request.GET.get("status", "")
    qs = Quote.objects.visible_to(request.user).filter(is_latest=True).select_related("deal")
    if status in Quote.Status.values:
        qs = qs.filter(status=status)
    quotes = list(qs.order_by("-id")[:200])
    return render(request, "sales/quotes/list.html", {"nav": "deals", "quotes": quotes, "status": status,
                                                      "statuses": Quote.Status.choices})  # fmt: skip


@page_view
@require_GET
def deal_quotes(request, pk: int):
    deal = get_for_user(Deal, request.user, pk)
    quotes = list(services.quotes_of(request.user, deal))
    return render(request, "sales/quotes/deal_quotes.html", {
        "nav": "deals", "deal": deal, "quotes": quotes, "can_write": can_write_record(request.user, deal)})  # fmt: skip


@page_view
@require_POST
def quote_new(request, pk: int):
    deal = get_for_user(Deal, request.user, pk, for_write=True)
    try:
        quote = services.create_quote(actor=request.user, deal=deal)
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
        return redirect("sales:deal_quotes", pk=deal.pk)
    messages.success(request, _("見積書 %(number)s を作成しました。") % {"number": quote.display_number})
    return redirect("sales:quote_edit", pk=quote.pk)


@page_view
@require_GET
def quote_detail(request, pk: int):
    quote = services.get_quote_for_user(request.user, pk)
    lines = list(quote.lines.all())
    versions = list(Quote.objects.visible_to(request.user).filter(number=quote.number).order_by("-revision"))
    return render(request, "sales/quotes/detail.html", {
        "nav": "deals", "quote": quote, "lines": lines, "totals": tax.compute(lines, quote.discount),
        "has_reduced": any(line.tax_rate == TaxRate.REDUCED for line in lines), "versions": versions,
        "can_write": can_write_record(request.user, quote.deal),
        "next_statuses": services.TRANSITIONS[quote.status] if quote.is_latest else ()})  # fmt: skip


def _form_context(request, quote, form, lines, errors):
    """A writer who may not see the deal's company or the addressee gets the placeholder instead of their fields
    (the form then leaves them as they are); the addressee choices are the deal's people the writer sees."""
    from kizuna.contacts.models import Company, Person
    from kizuna.core.visibility import placeholder

    hidden = services.hidden_parts(request.user, quote)
    people = Person.objects.visible_to(request.user).filter(pk__in=quote.deal.people.values("pk"))
    return {"nav": "deals", "quote": quote, "form": form, "rows": forms.line_rows(lines, extra=3),
            "errors": errors, "rates": TaxRate.choices, "products": _product_choices(request.user),
            "people": list(people[:100]), "hidden": hidden, "hidden_company": placeholder(Company),
            "hidden_person": placeholder(Person)}  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def quote_edit(request, pk: int):
    quote = services.get_quote_for_user(request.user, pk, for_write=True)
    if not quote.editable:
        messages.error(request, _("提出済みの見積書や古い版は変更できません。新しい版を作ってください。"))
        return redirect("sales:quote_detail", pk=quote.pk)
    errors, status = {}, 200
    if request.method == "POST":
        data = forms.posted_quote(request.POST)
        try:
            services.update_quote(actor=request.user, quote=quote, data=data,
                                  expected_version=request.POST.get("version") or None)  # fmt: skip
            messages.success(request, _("見積書を保存しました。"))
            return redirect("sales:quote_detail", pk=quote.pk)
        except ValidationFailed as exc:
            errors, status = exc.field_errors or {"": [exc.message]}, 422
        except StaleVersion:
            errors, status = (
                {"": [_("ほかの人がこの見積書を先に変更しました。内容を確かめてもう一度保存してください。")]},
                409,
            )
            quote.refresh_from_db()
        except Conflict as exc:
            errors, status = {"": [exc.message]}, 409
        form, lines = data, data["lines"]
    else:
        form = {key: getattr(quote, key) for key in forms.QUOTE_TEXT}
        form["customer_person"] = quote.customer_person_id or ""
        lines = list(quote.lines.all())
    return render(request, "sales/quotes/form.html", _form_context(request, quote, form, lines, errors), status=status)


@page_view
@require_GET
def quote_line_row(request):
    """One more blank line row for the form (htmx)."""
    try:
        n = max(1, min(int(request.GET.get("n", "1")), services.MAX_LINES))
    except ValueError:
        n = 1
    row = forms.line_rows([], extra=1)[0] | {"n": n}
    return render(request, "sales/quotes/partials/line_row.html", {"row": row, "rates": TaxRate.choices,
                                                                   "next": n + 1})  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def quote_pdf(request, pk: int):
    """GET: the PDF (writes nothing). POST (「PDFを発行」): the same, filed on the deal's timeline once per state."""
    quote = services.get_quote_for_user(request.user, pk)
    if request.method == "POST":
        pdf = quote_documents.issue(actor=request.user, quote=quote)
    else:
        pdf = quote_documents.pdf_of(quote)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{quote.display_number}.pdf"'
    return response


@page_view
@require_POST
def quote_status(request, pk: int):
    quote = services.get_quote_for_user(request.user, pk, for_write=True)
    status = request.POST.get("status", "")
    version = request.POST.get("version") or None
    try:
        if status == Quote.Status.SENT:
            quote_documents.send(actor=request.user, quote=quote, expected_version=version)
            messages.success(request, _("提出済みにしました。PDF を商談のタイムラインに残しました。"))
        else:
            services.set_status(actor=request.user, quote=quote, status=status, expected_version=version)
            messages.success(request, _("状態を「%(status)s」にしました。") % {"status": quote.get_status_display()})
    except (Conflict, ValidationFailed, StaleVersion) as exc:
        messages.error(request, exc.summary)
    return redirect("sales:quote_detail", pk=quote.pk)


@page_view
@require_POST
def quote_revise(request, pk: int):
    quote = services.get_quote_for_user(request.user, pk, for_write=True)
    copy = services.new_revision(actor=request.user, quote=quote)
    messages.success(request, _("第%(n)s版を作りました。") % {"n": copy.revision})
    return redirect("sales:quote_edit", pk=copy.pk)


@page_view
@require_POST
def quote_delete(request, pk: int):
    quote = services.get_quote_for_user(request.user, pk, for_write=True)
    try:
        services.delete_quote(actor=request.user, quote=quote)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("sales:quote_detail", pk=quote.pk)
    messages.success(request, _("下書きの見積書 %(number)s を削除しました。") % {"number": quote.display_number})
    return redirect("sales:deal_quotes", pk=quote.deal_id)


# --- 設定 → 見積書 -------------------------------------------------------------------------------------------------
@page_view
@require_http_methods(["GET", "POST"])
def issuer_settings(request):
    if not is_admin(request.user):
        raise PermissionDenied()
    issuer = services.get_issuer()
    errors, status = {}, 200
    form = {key: getattr(issuer, key) for key in forms.ISSUER_FIELDS}
    if request.method == "POST":
        form = forms.posted_issuer(request.POST)
        try:
            issuer_services.update_issuer(
                actor=request.user, data=form, seal=request.FILES.get("seal"),
                remove_seal=request.POST.get("remove_seal") == "on", expected_version=request.POST.get("version"),
            )  # fmt: skip
            messages.success(request, _("見積書の発行者を保存しました。"))
            return redirect("sales:issuer_settings")
        except ValidationFailed as exc:
            errors, status = exc.field_errors or {"": [exc.message]}, 422
        except StaleVersion:
            errors, status = {"": [_("ほかの人が先に変更しました。内容を確かめてもう一度保存してください。")]}, 409
    return render(request, "sales/quotes/issuer.html", {"nav": "settings", "issuer": issuer, "form": form,
                                                         "errors": errors}, status=status)  # fmt: skip


@page_view
@require_GET
def issuer_seal(request):
    if not is_admin(request.user):
        raise PermissionDenied()
    handle = issuer_services.open_seal()
    if handle is None:
        raise Http404()
    return FileResponse(handle, content_type=issuer_services.seal_type())
