"""Timeline pages: the panels on person and company pages, one-line capture, activities, insights, my tasks."""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.forms import PersonForm
from kizuna.contacts.models import Company, Person
from kizuna.core import audit
from kizuna.core.exceptions import NotFound, ValidationFailed
from kizuna.core.pages import create_page, edit_page, page_view, require_writer
from kizuna.core.permissions import can_write_record
from kizuna.core.records import get_for_user
from kizuna.core.sharing import note_view

from . import brief, cards, queries, services, sources
from . import panels as activity_panels
from .forms import ActivityForm, FollowUpForm, InsightForm
from .graph import echarts_data, relationship_graph
from .models import Activity, Attachment, FollowUp, Insight, Relationship
from .services import cards as card_services

SUBJECTS = {"person": Person, "company": Company}
TIMELINE_CHANGED = "kizuna:timeline-changed"  # an htmx event: panels that show activities or tasks reload


# --- panels on the person and company pages -------------------------------------------------------
def _subject(kind: str, obj) -> dict:
    return {"person": obj} if kind == "person" else {"company": obj}


def insight_cards(request, obj) -> str:
    kind = "person" if isinstance(obj, Person) else "company"
    cards = list(queries.insights(request.user, **_subject(kind, obj), with_people=kind == "company")[:20])
    context = {"cards": cards, "kind": kind, "object": obj, "can_add": can_write_record(request.user, obj),
               "seen_people": queries.seen_people(request.user, cards)}  # fmt: skip
    if kind == "person":
        context["temperature"] = queries.temperature(request.user, obj)
    return render_to_string("timeline/partials/insight_cards.html", context, request=request)


def timeline_panel(request, obj) -> str:
    kind = "person" if isinstance(obj, Person) else "company"
    page = sources.merged(request.user, sources.Filters(**_subject(kind, obj)))
    follow_ups = queries.open_follow_ups(request.user).filter(**_subject(kind, obj))[:20]
    context = {"page": page, "kind": kind, "object": obj, "kinds": _kinds(),
               "users": get_user_model().objects.filter(is_active=True).order_by("username"),
               "seen_people": _seen_people(request.user, page),
               "follow_ups": follow_ups, "can_add": can_write_record(request.user, obj),
               "graph": relationship_graph(request.user, obj) if kind == "company" else None}  # fmt: skip
    if kind == "person":
        context |= _relationships(request.user, obj)
        context["attachments"] = obj.attachments.alive()
    if context["graph"]:
        context["graph_data"] = echarts_data(context["graph"])
        context["relmap_id"] = f"relmap-data-{obj.pk}"
    return render_to_string("timeline/partials/timeline_panel.html", context, request=request)


def home_today(request, _obj=None) -> str:
    """The home page's day: tasks overdue, today and tomorrow; accounts cooling down; what colleagues did on my
    accounts; insights to confirm; for a manager, the team's week."""
    groups = queries.my_follow_ups(request.user)
    tomorrow = timezone.localdate() + timedelta(days=1)
    feed = queries.colleague_activity(request.user)
    context = {"overdue": groups["overdue"], "today": groups["today"],
               "tomorrow": [t for t in groups["upcoming"] if t.due_date == tomorrow],
               "quiet": queries.quiet_accounts(request.user, days=30, limit=6), "feed": feed,
               "seen_people": queries.seen_people(request.user, feed),
               "to_confirm": queries.insights_to_confirm(request.user),
               "team": queries.team_week(request.user)}  # fmt: skip
    return render_to_string("timeline/partials/home_today.html", context, request=request)


def _kinds() -> list:
    """The timeline filter: the activity kinds, then the other sources (tasks done, an app's records)."""
    return [*Activity.Kind.choices, *sources.kind_choices()]


def _seen_people(user, page) -> set[int]:
    return queries.seen_people(user, [e.obj for e in page.items if e.source == "activity"])


def _date(value):
    """A date filter of the timeline (2026-04-01): a day that does not exist is an input error, not a 500."""
    try:
        return parse_date(value) if value else None
    except ValueError:
        raise ValidationFailed(_("日付「%(value)s」は存在しない日です。") % {"value": value[:20]}) from None


def _relationships(user, person) -> dict:
    visible = Person.objects.visible_to(user)
    rels = (
        Relationship.objects.alive().filter(Q(from_person=person) | Q(to_person=person))
        .filter(from_person__in=visible.values("pk"), to_person__in=visible.values("pk"))
        .select_related("from_person", "to_person")
    )  # fmt: skip
    colleagues = visible.filter(company_id=person.company_id).exclude(pk=person.pk) if person.company_id else []
    return {"relationships": list(rels), "colleagues": list(colleagues[:200]),
            "relationship_kinds": Relationship.Kind.choices}  # fmt: skip


@page_view
@require_POST
def relationship_create(request, pk: int):
    person = get_for_user(Person, request.user, pk, for_write=True)
    data = {"from_person": person.pk, "to_person": request.POST.get("to_person"), "kind": request.POST.get("kind"),
            "label": request.POST.get("label", "")}  # fmt: skip
    try:
        services.create_relationship(actor=request.user, data=data)
    except ValidationFailed as exc:
        messages.error(request, exc.summary)
    else:
        messages.success(request, _("関係を登録しました。"))
    return redirect(person.get_absolute_url())


@page_view
@require_POST
def relationship_delete(request, pk: int):
    rel = services.get_relationship_for_user(request.user, pk, for_write=True)
    person = rel.from_person
    services.delete_relationship(actor=request.user, relationship=rel)
    messages.success(request, _("関係を削除しました。"))
    return redirect(person.get_absolute_url())


@page_view
def entries(request, kind: str, pk: int):
    """The next page or a filtered timeline (htmx)."""
    if kind not in SUBJECTS:
        raise NotFound()
    obj = get_for_user(SUBJECTS[kind], request.user, pk)
    selected = [k for k in request.GET.getlist("kind") if k]
    filters = {"by_user": request.GET.get("user") or None, "since": _date(request.GET.get("since")),
               "until": _date(request.GET.get("until"))}  # fmt: skip
    try:
        page = sources.merged(request.user, sources.Filters(**_subject(kind, obj), kinds=tuple(selected), **filters),
                              cursor=request.GET.get("cursor") or None)  # fmt: skip
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=422)
    more = urlencode([("kind", k) for k in selected] + [(k, request.GET[k]) for k in ("user", "since", "until")
                                                         if request.GET.get(k)])  # fmt: skip
    context = {"page": page, "kind": kind, "object": obj, "more_query": more,
               "seen_people": _seen_people(request.user, page)}  # fmt: skip
    return render(request, "timeline/partials/entries.html", context)


# --- one-line capture ------------------------------------------------------------------------------
def _resolve(post) -> dict:
    return {key.removeprefix("resolve:"): value for key, value in post.items() if key.startswith("resolve:") and value}


def _captured_at(post):
    """A line written offline carries when it was written (the capture bar adds it when it saves from the queue)."""
    value = post.get("captured_at", "")
    try:
        return parse_datetime(value) if value else None
    except ValueError:
        return None


@page_view
@require_POST
def capture(request):
    """Preview first (what will be created, which 田中); `save` writes it and offers undo."""
    require_writer(request.user, "activity")
    text = request.POST.get("text", "")
    resolve = _resolve(request.POST)
    try:
        if request.POST.get("save"):
            saved = services.save_capture(request.user, text, resolve=resolve,
                                          with_insight=bool(request.POST.get("with_insight")),
                                          captured_at=_captured_at(request.POST))  # fmt: skip
            context = {"saved": saved}
        else:
            context = {"plan": services.plan_capture(request.user, text, resolve=resolve), "text": text}
    except ValidationFailed as exc:
        context = {"error": exc.message, "text": text,
                   "plan": services.plan_capture(request.user, text, resolve={})}  # fmt: skip
    if not request.htmx:
        if "saved" in context:
            messages.success(request, _("記録しました。"))
            return redirect(context["saved"].activity.get_absolute_url())
        return render(request, "timeline/capture_page.html", context)
    response = render(request, "timeline/partials/capture_result.html", context)
    if "saved" in context:
        response["HX-Trigger"] = TIMELINE_CHANGED  # the page's timeline and task lists reload themselves
    return response


@page_view
@require_POST
def capture_undo(request, pk: int):
    activity = get_for_user(Activity, request.user, pk, for_write=True)
    try:
        notices = services.undo_capture(actor=request.user, activity=activity)
    except ValidationFailed as exc:  # not made by a capture: delete it from its own page instead
        return HttpResponse(exc.message, status=422)
    if request.htmx:
        kept = format_html_join("", '<li class="flash-warning">{}</li>', ((n,) for n in notices))
        body = format_html('<ul class="flash capture-undone"><li>{}</li>{}</ul>', _("取り消しました。"), kept)
        return HttpResponse(body, headers={"HX-Trigger": TIMELINE_CHANGED})
    messages.success(request, _("取り消しました。"))
    for notice in notices:
        messages.warning(request, notice)
    return redirect("timeline:tasks")


# --- activities ------------------------------------------------------------------------------------
def _context_subject(request):
    """?person=ID or ?company=ID: the record the new activity or insight is about."""
    for kind, model in SUBJECTS.items():
        if request.GET.get(kind) or request.POST.get(f"_{kind}"):
            return kind, get_for_user(model, request.user, request.GET.get(kind) or request.POST.get(f"_{kind}"))
    return None, None


def _people_around(user, kind, obj) -> list:
    """The people an activity about `obj` may name as its source: the company's current people the user sees."""
    company = obj if kind == "company" else obj.company if kind == "person" and obj.company_id else None
    if company is None:
        return [obj] if obj else []
    return list(Person.objects.visible_to(user).filter(company=company).order_by("pk")[:200])


@page_view
@require_http_methods(["GET", "POST"])
def activity_create(request):
    require_writer(request.user, "activity")
    kind, obj = _context_subject(request)
    form = ActivityForm(request.POST or None, people=_people_around(request.user, kind, obj),
                        initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)})  # fmt: skip

    def create(data):
        data["source"] = data.get("source") or "web"
        if kind:
            data["people" if kind == "person" else "companies"] = [obj]
        with transaction.atomic():
            activity = services.create_activity(actor=request.user, data=data)
            for upload in request.FILES.getlist("files"):
                services.add_attachment(actor=request.user, upload=upload, activity=activity)
        return obj.get_absolute_url() if obj else activity.get_absolute_url()

    return create_page(request, form=form, create=create, template="timeline/activity_form.html",
                       context={"subject": obj, "subject_kind": kind}, message=_("活動を記録しました。"))  # fmt: skip


@page_view
def activity_detail(request, pk: int):
    activity = get_for_user(Activity, request.user, pk)
    note_view(request.user, activity)
    context = {"activity": activity, "can_edit": can_write_record(request.user, activity),
               "seen_people": queries.seen_people(request.user, [activity]),
               "attachments": activity.attachments.alive(),
               "insights": activity.insights.visible_to(request.user),
               "follow_ups": activity.follow_ups.visible_to(request.user),
               "panels": activity_panels.render_panels(request, activity)}  # fmt: skip
    return render(request, "timeline/activity_detail.html", context)


@page_view
def attachment(request, pk: int):
    """Served only to someone who can see what it is attached to; never rendered inline unless an image."""
    item = Attachment.objects.alive().filter(pk=pk).first()
    if item is None:
        raise NotFound()
    parent = item.access_parent
    get_for_user(type(parent), request.user, parent.pk)
    response = FileResponse(services.open_attachment(item), content_type=item.content_type,
                            as_attachment=not item.is_image, filename=item.name)  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    return response


@page_view
@require_POST
def attachment_add(request, kind: str, pk: int):
    model = {"person": Person, "activity": Activity}.get(kind)
    if model is None:
        raise NotFound()
    parent = get_for_user(model, request.user, pk, for_write=True)
    try:
        for upload in request.FILES.getlist("files"):
            services.add_attachment(actor=request.user, upload=upload, **{kind: parent})
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    return redirect(parent.get_absolute_url())


@page_view
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    activity = get_for_user(Activity, request.user, pk, for_write=True)
    first = Person.objects.visible_to(request.user).filter(pk__in=activity.people.values("pk")).order_by("pk").first()

    def form_class(*args, **kwargs):
        around = _people_around(request.user, "person", first) if first else []
        return ActivityForm(*args, people=around, heard_from=activity.heard_from, **kwargs)

    return edit_page(
        request, obj=activity, form_class=form_class, initial_for=ActivityForm.initial_for,
        template="timeline/activity_form.html", context={"object": activity},
        update=lambda data, version: services.update_activity(
            actor=request.user, activity=activity, data=data, expected_version=version
        ),
    )  # fmt: skip


@page_view
@require_POST
def activity_delete(request, pk: int):
    activity = get_for_user(Activity, request.user, pk, for_write=True)
    services.delete_activity(actor=request.user, activity=activity)
    messages.success(request, _("活動を削除しました。"))
    target = activity.companies.first() or activity.people.first()
    return redirect(target.get_absolute_url() if target else "timeline:tasks")


# --- insights --------------------------------------------------------------------------------------
@page_view
@require_http_methods(["GET", "POST"])
def insight_create(request):
    require_writer(request.user, "insight")
    kind, obj = _context_subject(request)
    if obj is None:
        raise ValidationFailed(_("人か会社を指定してください。"))

    def create(data):
        services.create_insight(actor=request.user, data=data | {kind: obj.pk})
        return obj.get_absolute_url()

    return create_page(request, form=InsightForm(request.POST or None), create=create,
                       template="timeline/insight_form.html", context={"subject": obj, "subject_kind": kind},
                       message=_("インサイトを記録しました。"))  # fmt: skip


@page_view
@require_POST
def insight_confirm(request, pk: int):
    insight = get_for_user(Insight, request.user, pk, for_write=True)
    services.confirm_insight(actor=request.user, insight=insight)
    messages.success(request, _("「今も正しい」と確認しました。"))
    return redirect(insight.subject.get_absolute_url())


@page_view
@require_POST
def insight_delete(request, pk: int):
    insight = get_for_user(Insight, request.user, pk, for_write=True)
    services.delete_insight(actor=request.user, insight=insight)
    messages.success(request, _("インサイトを削除しました。"))
    return redirect(insight.subject.get_absolute_url())


# --- follow-ups ------------------------------------------------------------------------------------
@page_view
def tasks(request):
    try:
        days = max(1, min(int(request.GET.get("days", 30)), 365))
    except ValueError:
        days = 30
    context = {"nav": "tasks", "groups": queries.my_follow_ups(request.user), "days": days,
               "quiet": queries.quiet_accounts(request.user, days=days), "form": FollowUpForm()}  # fmt: skip
    return render(request, "timeline/tasks.html", context)


@page_view
@require_POST
def task_create(request):
    require_writer(request.user, "task")
    kind, obj = _context_subject(request)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.create_follow_up(actor=request.user, data=form.service_data() | ({kind: obj.pk} if obj else {}))
        except ValidationFailed as exc:
            messages.error(request, exc.summary)
        else:
            messages.success(request, _("タスクを追加しました。"))
    return redirect(obj.get_absolute_url() if obj else "timeline:tasks")


@page_view
@require_POST
def task_complete(request, pk: int):
    from django.utils.http import url_has_allowed_host_and_scheme

    follow_up = get_for_user(FollowUp, request.user, pk, for_write=True)
    services.complete_follow_up(actor=request.user, follow_up=follow_up, done=request.POST.get("done", "1") == "1")
    if request.htmx:  # the page's task lists, counts and timeline reload themselves
        return HttpResponse(f'<span class="muted">{_("完了")}</span>', headers={"HX-Trigger": TIMELINE_CHANGED})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "timeline:tasks"  # missing, or off this site (https://evil, //evil, /\evil): the task list
    return redirect(target)


# --- handover (引き継ぎ) ----------------------------------------------------------------------------
@page_view
@require_http_methods(["GET", "POST"])
def handover(request):
    """Pick who hands over to whom and which accounts; preview; then move them in one step."""
    users = get_user_model().objects.filter(is_active=True).exclude(role="readonly").order_by("username")
    data = request.POST if request.method == "POST" else request.GET
    context = {"nav": "handover", "users": users, "data": data}
    from_user = users.filter(pk=data.get("from_user") or 0).first()
    to_user = users.filter(pk=data.get("to_user") or 0).first()
    if from_user:
        context["accounts"] = Company.objects.visible_to(request.user).filter(owner=from_user).order_by("name_key")
    if from_user and to_user:
        chosen = [int(i) for i in data.getlist("company") if i.isdigit()]
        try:
            if request.method == "POST" and data.get("confirm"):
                plan = services.hand_over(actor=request.user, from_user=from_user, to_user=to_user, company_ids=chosen)
                counts = {"c": len(plan.companies), "p": len(plan.people), "t": len(plan.follow_ups), "to": to_user}
                done = _("%(c)d 社・%(p)d 人・%(t)d 件のタスクを %(to)s さんに引き継ぎました。")
                messages.success(request, done % counts)
                return redirect("timeline:tasks")
            context["plan"] = services.plan_handover(actor=request.user, from_user=from_user, to_user=to_user,
                                                     company_ids=chosen)  # fmt: skip
            context["chosen"] = chosen
        except ValidationFailed as exc:
            context["error"] = exc.summary
    return render(request, "timeline/handover.html", context)


@page_view
def company_brief(request, pk: int):
    company = get_for_user(Company, request.user, pk)
    context = brief.company_brief(request.user, company)
    audit.record(actor=request.user, action="brief.view", obj=company, changes={"format": [None, request.GET.get(
        "format", "html")]})  # fmt: skip
    if request.GET.get("format") == "pdf":
        html = render_to_string("timeline/brief.html", context | {"pdf": True}, request=request)
        try:
            pdf = brief.render_pdf(html, base_url=request.build_absolute_uri("/"))
        except OSError:  # WeasyPrint without Pango on this machine
            messages.error(request, _("PDFを作成できません（サーバーに Pango がありません）。HTML 版を表示します。"))
            return redirect("timeline:company_brief", pk=pk)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f"inline; filename=handover-{company.pk}.pdf"
        return response
    return render(request, "timeline/brief.html", context)


# --- business cards and signatures --------------------------------------------------------------------
_PENDING = "card_pending"


@page_view
@require_http_methods(["GET", "POST"])
def card_create(request):
    """名刺・署名から登録: read the card (OCR) or the pasted text, pre-fill the person form, confirm, save."""
    require_writer(request.user, "person")
    context = {"nav": "people"}
    if request.method == "POST" and request.POST.get("step") == "save":
        form = PersonForm(request.POST, user=request.user, with_company=True)
        form.fields["company"].allow_new = True  # a card's company that is new is registered with the person
        token = request.POST.get("token", "")
        pending = request.session.get(_PENDING, {}).get(token, [])

        def create(values):
            person = card_services.create_from_card(actor=request.user, values=values, pending=pending)
            return person.get_absolute_url()

        return create_page(request, form=form, create=create, template="timeline/card_form.html",
                           context=context | {"token": token, "step": "save"}, message=_("名刺から登録しました。"),
                           duplicates=lambda values: dedup.describe(dedup.PERSON, dedup.probable_duplicates(
                               request.user, dedup.PERSON, values, company=_known(values.get("company")))))  # fmt: skip
    if request.method == "POST":
        try:
            reading = card_services.read_cards(
                actor=request.user, images=request.FILES.getlist("images"), text=request.POST.get("text", "")
            )
        except (ValidationFailed, cards.OcrUnavailable) as exc:
            context["error"] = str(getattr(exc, "message", exc))
            return render(request, "timeline/card_form.html", context)
        token = uuid.uuid4().hex
        request.session[_PENDING] = {token: reading.pending}
        context |= {"form": PersonForm(initial=reading.fields, user=request.user, with_company=True), "token": token,
                    "step": "save", "ocr_text": reading.text}  # fmt: skip
    return render(request, "timeline/card_form.html", context)


def _known(company):
    """A company record for the duplicate check; a new name from the card has no colleagues yet."""
    return None if isinstance(company, str) else company
