"""/api/v1/custom-fields: the definitions of a record type's custom fields (anyone signed in reads those their
role may read); administrators add, change, remove, restore and purge them."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kizuna.core.api import ErrorOut
from kizuna.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from kizuna.core.permissions import is_admin
from kizuna.core.schemas import Bounded

from . import access, registry, services
from .models import CustomField
from .schemas import CustomFieldIn, CustomFieldOut, CustomFieldPatch

router = Router(tags=["custom-fields"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 412, 422)}


class CustomFieldListParams(Bounded):
    object_type: str = ""
    removed: bool = False


def _require_admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied(_("管理者だけが使えます。"))
    token = getattr(request, "api_token", None)
    if token is not None and not token.allows("admin"):
        raise PermissionDenied(_("この API トークンには %(scope)s の権限がありません。") % {"scope": "admin"})


def _field(request, field_id: int) -> CustomField:
    _require_admin(request)
    field = CustomField.objects.filter(pk=field_id).first()
    if field is None:
        raise NotFound()
    return field


@router.get("/custom-fields", response={200: list[CustomFieldOut], **ERRORS})
def list_fields(request: HttpRequest, params: Query[CustomFieldListParams]):
    """The custom fields of `object_type` (person, company, ...) that the caller may read, in order, with the
    JSON type of their values. `removed=true` (administrators) lists the removed ones waiting for a purge."""
    if registry.get(params.object_type) is None:
        message = _("object_type は %(types)s のいずれかです。") % {"types": ", ".join(registry.object_types())}
        raise ValidationFailed(field_errors={"object_type": [message]})
    if params.removed:
        _require_admin(request)
        return list(CustomField.objects.filter(object_type=params.object_type, removed_at__isnull=False))
    return access.readable(request.user, params.object_type)


@router.post("/custom-fields", response={201: CustomFieldOut, **ERRORS})
def create_field(request: HttpRequest, payload: CustomFieldIn):
    _require_admin(request)
    return Status(201, services.create_field(actor=request.user, data=payload.dict()))


@router.patch("/custom-fields/{field_id}", response={200: CustomFieldOut, **ERRORS})
def patch_field(request: HttpRequest, field_id: int, payload: CustomFieldPatch):
    field = _field(request, field_id)
    services.update_field(actor=request.user, field=field, data=payload.dict(exclude_unset=True))
    return field


@router.delete("/custom-fields/{field_id}", response={204: None, **ERRORS})
def remove_field(request: HttpRequest, field_id: int):
    """Hide the field everywhere; its values stay on the records until it is purged."""
    services.remove_field(actor=request.user, field=_field(request, field_id))
    return Status(204, None)


@router.post("/custom-fields/{field_id}/restore", response={200: CustomFieldOut, **ERRORS})
def restore_field(request: HttpRequest, field_id: int):
    field = _field(request, field_id)
    services.restore_field(actor=request.user, field=field)
    return field


@router.post("/custom-fields/{field_id}/purge", response={202: CustomFieldOut, **ERRORS})
def purge_field(request: HttpRequest, field_id: int):
    """Delete a removed field's values from every record (the worker does it in batches), then the field."""
    field = _field(request, field_id)
    services.purge_field(actor=request.user, field=field)
    return Status(202, field)
