"""Page plumbing every app shares: domain errors become 404/403/4xx pages, keyset-paged lists, create and edit
forms that call a service, warn about probable duplicates and keep the user's input on an edit conflict."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .conflict import differences
from .exceptions import DomainError, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from .models import AuditEvent
from .pagination import paginate
from .permissions import has_perm


def page_view(view):
    """Login required; domain access errors become the usual 404 and 403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        except DomainError as exc:  # bad input, a conflict, too many requests: a 4xx page that says why
            return error_page(request, exc)

    return wrapper


def error_page(request, exc: DomainError):
    response = render(request, "error.html", {"message": exc.summary, "status": exc.status}, status=exc.status)
    if retry_after := getattr(exc, "retry_after", None):
        response["Retry-After"] = str(retry_after)
    return response


def require_writer(user, object_type: str, action: str = "create"):
    if not has_perm(user, object_type, action):
        raise PermissionDenied()


def list_page(request, *, queryset, sorts: dict, template: str, partial: str, extra: dict, prepare=None):
    """A keyset-paged list; `prepare(items)` adjusts the page's rows before they are shown (masking)."""
    sort_key = request.GET.get("sort", "updated")
    sort = sorts.get(sort_key, sorts["updated"])
    try:
        page = paginate(queryset, sort=sort, cursor=request.GET.get("cursor") or None, limit=25)
    except ValidationFailed as exc:
        messages.warning(request, exc.message)
        page = paginate(queryset, sort=sort, limit=25)
    if prepare:
        prepare(page.items)
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {
        "page": page,
        "sort": sort_key,
        "base_query": params.urlencode(),
        "can_create": has_perm(request.user, queryset.model.permission_type, "create"),
        **extra,
    }
    return render(request, partial if request.htmx and not request.htmx.boosted else template, context)


def probable_duplicates(request, check, data) -> list:
    """The duplicate check before saving, unless the user already saw it and chose to continue."""
    if check is None or request.POST.get("confirm_duplicates"):
        return []
    return check(data)


def create_page(request, *, form, create, template: str, context: dict, message: str, duplicates=None):
    """GET shows the empty form; a valid POST calls the create service and redirects to what it returns.
    `duplicates(data)` lists probable duplicates, shown above the save button before anything is written."""
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if found := probable_duplicates(request, duplicates, data):
            return render(request, template, {"form": form, "duplicates": found, **context})
        try:
            target = create(data)
        except ValidationFailed as exc:
            form.add_service_errors(exc.field_errors)
        else:
            messages.success(request, message)
            return redirect(target)
    return render(request, template, {"form": form, **context})


def edit_page(request, *, obj, form_class, initial_for, update, template: str, context: dict, duplicates=None):
    """GET shows the record in the form; POST validates, then saves through `update(data, version)`."""
    if request.method == "GET":
        form = form_class(initial=initial_for(obj), user=request.user)
        return render(request, template, {"form": form, "object": obj, **context})
    form = form_class(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, template, {"form": form, "object": obj, **context})
    if found := probable_duplicates(request, duplicates, form.service_data()):
        return render(request, template, {"form": form, "object": obj, "duplicates": found, **context})
    return save_with_conflict_check(
        request, form=form, obj=obj, save=update, template=template, context=context, initial_for=initial_for
    )


def save_with_conflict_check(request, *, form, obj, save, template, context, initial_for):
    """Run the update service; on a stale version keep the user's input, show what the other person saved,
    and arm the form with the current version so a second submit overwrites on purpose."""
    try:
        save(form.service_data(), form.cleaned_data.get("version"))
    except ValidationFailed as exc:
        form.add_service_errors(exc.field_errors)
    except StaleVersion:
        obj.refresh_from_db()
        latest = AuditEvent.objects.for_object(obj).exclude(actor=request.user).first()
        theirs = differences(form, initial_for(obj), request.user)
        data = form.data.copy()
        data["version"] = obj.version
        form = type(form)(data, user=request.user)
        form.is_valid()
        context |= {
            "conflict": {
                "by": latest.actor_name if latest else "",
                "at": latest.at if latest else None,
                "fields": theirs,
            }
        }
    else:
        messages.success(request, _("保存しました。"))
        return redirect(obj.get_absolute_url())
    return render(
        request, template, context | {"form": form, "object": obj}, status=409 if "conflict" in context else 422
    )
