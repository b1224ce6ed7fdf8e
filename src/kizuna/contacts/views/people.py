import time

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.contacts import services
from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.filters import PERSON_SORTS, extra_params, filter_people, guests_param, sorted_by
from kizuna.contacts.forms import EmploymentForm, PersonForm, company_label
from kizuna.contacts.masking import mask_people, mask_person
from kizuna.contacts.models import Employment, Person
from kizuna.contacts.panels import render_panels
from kizuna.core import audit, japanese
from kizuna.core.exceptions import PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.history import record_context
from kizuna.core.pages import create_page, edit_page, list_page, page_view, require_writer
from kizuna.core.permissions import has_perm
from kizuna.core.records import get_child, get_for_user
from kizuna.core.sharing import note_view
from kizuna.customfields import access as custom_access
from kizuna.customfields import filters as custom_filters
from kizuna.customfields import lists as custom_lists


@page_view
def person_list(request):
    params = {k: request.GET.get(k, "") for k in ("q", "owner", "tag", "stage", "prefecture", "company")}
    if params["owner"] == "me":
        params["owner"] = request.user.pk
    params["guests"] = guests_param(request.GET.get("guests", ""), q=params["q"])
    queryset = filter_people(
        Person.objects.visible_to(request.user)
        .select_related("company", "owner")
        .prefetch_related("tags", "contact_points"),
        user=request.user,
        custom=custom_filters.params_from(request.GET),
        extra=extra_params(request.GET),
        **{k: v for k, v in params.items() if v},
    )
    queryset, sorts = sorted_by(
        queryset, user=request.user, object_type="person", sort=request.GET.get("sort", ""), sorts=PERSON_SORTS
    )
    custom = custom_lists.context(request, "person")

    def prepare(items):
        mask_people(request.user, items)
        custom_lists.fill_cells(items, custom["custom_columns"])

    return list_page(
        request, queryset=queryset, sorts=sorts, template="contacts/person_list.html",
        partial="contacts/partials/person_table.html",
        extra={"nav": "people", "filters": request.GET, "prefectures": japanese.PREFECTURES,
               "stages": Person.Stage.choices, "guests": params["guests"], **custom},
        prepare=prepare,
    )  # fmt: skip


@page_view
def person_detail(request, pk: int):
    person = get_for_user(Person, request.user, pk)
    note_view(request.user, person)
    person = Person.objects.select_related("company", "owner").prefetch_related("tags", "contact_points").get(pk=pk)
    mask_person(request.user, person, revealed=_revealed(request, person))
    jobs = person.employments.alive().select_related("company", "site").order_by("-start_date", "-id")
    review = [point for point in person.contact_points.all() if point.needs_review]
    context = {"object": person, "nav": "people", "jobs": jobs, "panels": render_panels(request, "person", person),
               "review_points": review, "unparsed": person.unparsed_entries,
               "can_reveal": has_perm(request.user, "person", "reveal"),
               "custom_rows": custom_access.rows(request.user, person),
               **record_context(request, person)}  # fmt: skip
    return render(request, "contacts/person_detail.html", context)


_REVEAL_SECONDS = 600


def _revealed(request, person) -> bool:
    until = request.session.get("revealed", {}).get(str(person.pk), 0)
    return until > time.time() and has_perm(request.user, "person", "reveal")  # a role that lost it sees masks


@page_view
@require_POST
def person_reveal(request, pk: int):
    """Show a person's masked values for ten minutes: an explicit, audited act of a role granted "reveal"."""
    person = get_for_user(Person, request.user, pk)
    if not has_perm(request.user, "person", "reveal"):
        raise PermissionDenied()
    audit.record(actor=request.user, action="reveal", obj=person,
                 changes={"fields": [None, ["mobile", "personal_email", "home_address", "birthday"]]})  # fmt: skip
    revealed = request.session.get("revealed", {})
    revealed[str(person.pk)] = time.time() + _REVEAL_SECONDS
    request.session["revealed"] = revealed
    return redirect(person.get_absolute_url())


@page_view
@require_POST
def person_review(request, pk: int):
    """要確認 on the person page: confirm an off-plan number, or take a value kept unparsed off the list."""
    person = get_for_user(Person, request.user, pk, for_write=True)
    if "point" in request.POST:
        services.confirm_contact_point(actor=request.user, person=person, point_id=request.POST["point"])
        messages.success(request, _("番号を確認済みにしました。"))
    else:
        services.resolve_unparsed_value(
            actor=request.user, person=person, kind=request.POST.get("kind", ""), value=request.POST.get("value", "")
        )
        messages.success(request, _("要確認の一覧から外しました（履歴には残ります）。"))
    return redirect(person.get_absolute_url())


def _note_review(request, person: Person) -> None:
    """After a save: say which values were kept for review instead of being refused."""
    unread = [e["value"] for e in person.unparsed_values or []]
    off_plan = [str(p) for p in person.contact_points.all() if p.needs_review]
    if unread:
        messages.warning(request, _("読み取れなかった値を入力のまま残しました（要確認）: %(values)s")
                         % {"values": "、".join(unread)})  # fmt: skip
    if off_plan:
        messages.info(request, _("番号計画にない番号として登録しました（要確認）: %(values)s")
                      % {"values": "、".join(off_plan)})  # fmt: skip


def _create_person(request, data: dict) -> Person:
    person = services.create_person(actor=request.user, data=data)
    _note_review(request, person)
    return person


def _update_person(request, person: Person, data: dict, version) -> dict:
    changes = services.update_person(actor=request.user, person=person, data=data, expected_version=version)
    if {"phones", "emails", "unparsed_values"} & changes.keys():
        _note_review(request, person)
    return changes


@page_view
@require_http_methods(["GET", "POST"])
def person_create(request):
    require_writer(request.user, "person")
    return create_page(
        request, form=PersonForm(request.POST or None, user=request.user, with_company=True),
        template="contacts/person_form.html", create=lambda data: _create_person(request, data),
        context={"nav": "people"}, message=_("人を登録しました。"),
        duplicates=lambda data: duplicates_of(request, data),
    )  # fmt: skip


def duplicates_of(request, data: dict, *, exclude_id=None):
    found = dedup.probable_duplicates(
        request.user, dedup.PERSON, data, exclude_id=exclude_id, company=data.get("company")
    )
    return dedup.describe(dedup.PERSON, found)


@page_view
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = get_for_user(Person, request.user, pk, for_write=True)
    return edit_page(
        request, obj=person, form_class=PersonForm, initial_for=PersonForm.initial_for,
        template="contacts/person_form.html", context={"nav": "people"},
        duplicates=lambda data: duplicates_of(request, data | {"company": person.company}, exclude_id=person.pk),
        update=lambda data, version: _update_person(request, person, data, version),
    )  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def person_delete(request, pk: int):
    person = get_for_user(Person, request.user, pk, for_write=True)
    if request.method == "POST":
        services.delete_person(actor=request.user, person=person)
        messages.success(request, _("「%(name)s」をゴミ箱に移しました。") % {"name": person})
        return redirect("contacts:person_list")
    return render(request, "contacts/confirm_delete.html", {"object": person, "nav": "people"})


# --- careers -------------------------------------------------------------------------------------------
def _employment(request, person_pk: int, pk: int) -> Employment:
    person = get_for_user(Person, request.user, person_pk, for_write=True)
    return get_child(person.employments.select_related("company"), pk)


def _employment_form_page(request, form, person, employment=None):
    context = {"form": form, "person": person, "employment": employment, "nav": "people"}
    return render(request, "contacts/employment_form.html", context)


@page_view
@require_http_methods(["GET", "POST"])
def employment_create(request, person_pk: int):
    person = get_for_user(Person, request.user, person_pk, for_write=True)

    def create(data):
        services.add_employment(actor=request.user, person=person, data=data)
        return person

    return create_page(
        request, form=EmploymentForm(request.POST or None, user=request.user),
        template="contacts/employment_form.html", create=create,
        context={"person": person, "employment": None, "nav": "people"}, message=_("職歴を追加しました。"),
    )  # fmt: skip


@page_view
@require_http_methods(["GET", "POST"])
def employment_edit(request, person_pk: int, pk: int):
    employment = _employment(request, person_pk, pk)
    if request.method == "GET":
        initial = {
            "company": company_label(employment.company), "department": employment.department,
            "title": employment.title, "is_primary": employment.is_primary, "version": employment.version,
            "start_date": employment.start_date.strftime("%Y/%m/%d") if employment.start_date else "",
            "end_date": employment.end_date.strftime("%Y/%m/%d") if employment.end_date else "",
        }  # fmt: skip
        form = EmploymentForm(initial=initial, user=request.user)
        return _employment_form_page(request, form, employment.person, employment)
    form = EmploymentForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.update_employment(
                actor=request.user, employment=employment, data=form.service_data(),
                expected_version=form.cleaned_data.get("version"),
            )  # fmt: skip
        except ValidationFailed as exc:
            form.add_service_errors(exc.field_errors)
        except StaleVersion as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("職歴を更新しました。"))
            return redirect(employment.person)
    return _employment_form_page(request, form, employment.person, employment)


@page_view
@require_http_methods(["POST"])
def employment_delete(request, person_pk: int, pk: int):
    employment = _employment(request, person_pk, pk)
    services.delete_employment(actor=request.user, employment=employment)
    messages.success(request, _("職歴を削除しました。"))
    return redirect(employment.person)
