"""The assistant on the ticket page (suggested articles, summary, reply draft, suggested call reason and priority),
the FAQ gaps report, and 設定 → アシスタント (the outside language model, the classifiers and their accuracy)."""

import csv
import io
import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kizuna.core import audit
from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.pages import page_view
from kizuna.core.permissions import has_perm, is_admin
from kizuna.core.records import get_for_user
from kizuna.core.spreadsheet import escape_formula

from ..models import Article, AssistCall, AssistModel, Ticket
from ..services import assist, classifier, faq_gaps, llm, macros
from ..services.tickets import can_work, sees_notes


def _ticket(request, pk: int) -> Ticket:
    return get_for_user(Ticket, request.user, pk)


@require_http_methods(["GET", "POST"])
@page_view
def suggestions(request, pk: int):
    """Top 3 articles for the ticket and the reply being written (`body_text`), with the suggested reason and
    priority. The page posts the draft (a long Japanese draft would not fit in a URL); it changes nothing."""
    ticket = _ticket(request, pk)
    draft = (request.POST if request.method == "POST" else request.GET).get("body_text", "")[:4000]
    hits = assist.suggest_articles(request.user, ticket, draft=draft) if has_perm(request.user, "article", "view") \
        else []  # fmt: skip
    context = {"ticket": ticket, "hits": hits, "can_work": can_work(request.user, ticket),
               "prediction": classifier.predict(ticket)}  # fmt: skip
    return render(request, "support/knowledge/partials/suggestions.html", context)


@require_GET
@page_view
def summary(request, pk: int):
    ticket = _ticket(request, pk)
    result = assist.summarize(ticket, sees_notes=sees_notes(request.user))
    context = {"ticket": ticket, "summary": result, "llm": llm.enabled(), "can_work": can_work(request.user, ticket)}
    return render(request, "support/knowledge/partials/summary.html", context)


def _thread_text(request, ticket: Ticket) -> str:
    rows = ticket.messages.order_by("sent_at", "id")
    if not sees_notes(request.user):
        rows = rows.exclude(direction="note")
    names = {"in": _("お客様"), "out": _("担当者"), "note": _("社内メモ")}
    return "\n\n".join(f"[{names.get(m.direction, '')}] {assist.clean_body(m.body_text)}" for m in rows)


@require_POST
@page_view
def summary_llm(request, pk: int):
    """The language model's summary (sent out only when an admin turned it on; logged)."""
    ticket = _ticket(request, pk)
    if not can_work(request.user, ticket):
        raise PermissionDenied()
    result = assist.summarize(ticket, sees_notes=sees_notes(request.user))
    improved, error = "", ""
    try:
        improved = llm.improve(actor=request.user, ticket=ticket, purpose="summary", text=_thread_text(request, ticket))
    except llm.LlmError as exc:
        error = str(exc)
    return render(request, "support/knowledge/partials/summary.html",
                  {"ticket": ticket, "summary": result, "llm": llm.enabled(), "improved": improved,
                   "llm_error": error, "can_work": True})  # fmt: skip


@require_POST
@page_view
def draft(request, pk: int):
    """The reply box filled with a draft: the chosen (or best) article inside the chosen macro."""
    ticket = _ticket(request, pk)
    if not can_work(request.user, ticket):
        raise PermissionDenied()
    article_id, macro_id = request.POST.get("article", ""), request.POST.get("macro", "")
    article = None
    if article_id.isdigit() and len(article_id) < 12:
        article = Article.objects.visible_to(request.user).filter(pk=int(article_id)).first()
    macro = None
    if macro_id.isdigit() and len(macro_id) < 12:
        macro = macros.macros_for(request.user).filter(pk=int(macro_id)).first()
    text = assist.draft_reply(user=request.user, ticket=ticket, article=article, macro=macro)
    error = ""
    if request.POST.get("llm") == "1":
        try:
            text = llm.improve(actor=request.user, ticket=ticket, purpose="draft",
                               text=_thread_text(request, ticket) + "\n\n[下書き]\n" + text)  # fmt: skip
        except llm.LlmError as exc:
            error = str(exc)
    response = render(request, "support/partials/reply_body.html", {"ticket": ticket, "draft": text})
    if error:
        response["HX-Trigger"] = json.dumps({"kb-llm-error": error})  # ASCII (\\u escapes): a header is latin-1
    return response


# --- FAQ gaps ---------------------------------------------------------------------------------------------------
def _days(request) -> int:
    value = request.GET.get("days", "90")
    return max(7, min(int(value), 730)) if value.isdigit() and len(value) < 5 else 90


@require_GET
@page_view
def gaps_report(request):
    if not has_perm(request.user, "ticket", "view"):
        raise PermissionDenied()
    days = _days(request)
    show_all = request.GET.get("all") == "1"
    rows = faq_gaps.faq_gaps(request.user, days=days, only_gaps=not show_all)
    return render(request, "support/knowledge/gaps.html", {
        "nav": "support", "rows": rows, "days": days, "show_all": show_all,
        "may_create": has_perm(request.user, "article", "create")})  # fmt: skip


@require_GET
@page_view
def gaps_export(request):
    if not has_perm(request.user, "ticket", "view"):
        raise PermissionDenied()
    days = _days(request)
    rows = faq_gaps.faq_gaps(request.user, days=days, limit=500, only_gaps=request.GET.get("all") != "1")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [_("大分類"), _("コールリーズン"), _("件数"), _("紐づく記事"), _("近い記事"), _("近さ（BM25）"), _("FAQの不足")]
    )
    for g in rows:
        values = (g.reason.parent.name if g.reason.parent_id else "", g.reason.name, g.tickets, g.linked,
                  g.best_article.title if g.best_article else "", f"{g.best_score:.1f}",
                  _("はい") if g.is_gap else _("いいえ"))  # fmt: skip
        writer.writerow([escape_formula(str(v)) for v in values])
    audit.record(actor=request.user, action="export", object_type="support.faq_gaps", changes={"days": days})
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="faq-gaps-{days}d.csv"'
    return response


# --- 設定 → アシスタント ----------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@page_view
def assist_settings(request):
    if not is_admin(request.user):
        raise PermissionDenied()
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("form") == "train":
                classifier.queue_training(actor=request.user)
                messages.success(request, _("学習を受け付けました。ワーカーが処理します。"))
            else:
                post = request.POST
                llm.save_config(actor=request.user, data={
                    "llm_enabled": post.get("llm_enabled") == "1", "llm_url": post.get("llm_url", ""),
                    "llm_model": post.get("llm_model", ""), "llm_api_key": post.get("llm_api_key", ""),
                    "clear_api_key": post.get("clear_api_key") == "1",
                    "mask_personal_data": post.get("mask_personal_data") == "1"})  # fmt: skip
                messages.success(request, _("保存しました。"))
            return redirect("support:assist_settings")
        except ValidationFailed as exc:
            errors = [m for ms in (exc.field_errors or {}).values() for m in ms] or [exc.message]
    models = {t: classifier.current(t) for t in AssistModel.Target.values}
    return render(request, "support/knowledge/assist_settings.html", {
        "nav": "settings", "tab": "assist", "config": llm.config(), "errors": errors,
        "reason_model": models["reason"], "priority_model": models["priority"],
        "runs": AssistModel.objects.all()[:10], "calls": AssistCall.objects.select_related("actor", "ticket")[:20],
    }, status=422 if errors else 200)  # fmt: skip
