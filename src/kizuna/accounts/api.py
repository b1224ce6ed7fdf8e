"""/api/v1/me, and for administrators /roles and /users: the permission matrix and users' access as data.
Administration through a token needs its `admin` scope as well as an administrator's role."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from kizuna.core.api import ErrorOut, expected_version, set_etag
from kizuna.core.exceptions import NotFound, PermissionDenied
from kizuna.core.permissions import ACTIONS, OBJECT_TYPES, has_perm, is_admin, scope_of
from kizuna.core.schemas import Strict, fits_bigint

from . import roles as role_services
from .models import Role, Team, User

router = Router(tags=["accounts"])
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 412, 422, 428)}


class RoleOut(Schema):
    key: str
    name: str
    description: str
    builtin: bool
    scope: str
    administers: bool
    require_two_factor: bool
    permissions: dict[str, list[str]]
    version: int


class RoleIn(Strict):
    key: str = Field(..., max_length=40)
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=300)
    scope: str = "standard"
    administers: bool = False
    require_two_factor: bool = False
    permissions: dict[str, list[str]] = Field(default_factory=dict)


class RolePatch(Strict):
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=300)
    scope: str | None = None
    administers: bool | None = None
    require_two_factor: bool | None = None
    permissions: dict[str, list[str]] | None = None


class TeamRef(Schema):
    id: int
    name: str


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    team: TeamRef | None
    is_active: bool


class UserPatch(Strict):
    role: str | None = Field(None, max_length=40)
    team: int | None = Field(None, description="team id; 0 removes the team")
    is_active: bool | None = None


class MeOut(UserOut):
    scope: str
    administers: bool
    permissions: dict[str, list[str]]
    token_scopes: list[str] | None = Field(None, description="scopes of the token used, when one was")


def _require_admin(request) -> None:
    if not is_admin(request.user):
        raise PermissionDenied(_("管理者だけが使えます。"))
    token = getattr(request, "api_token", None)
    if token is not None and not token.allows("admin"):
        raise PermissionDenied(_("この API トークンには %(scope)s の権限がありません。") % {"scope": "admin"})


def _user_out(user) -> dict:
    team = {"id": user.team.pk, "name": user.team.name} if user.team_id else None
    return {"id": user.pk, "username": user.username, "display_name": user.display_name, "email": user.email,
            "role": user.role, "team": team, "is_active": user.is_active}  # fmt: skip


def _by_id(model, pk: int):
    found = model.objects.filter(pk=pk).first() if fits_bigint(pk) else None
    if found is None:
        raise NotFound()
    return found


def _role(key: str) -> Role:
    role = Role.objects.filter(key=key).first()
    if role is None:
        raise NotFound()
    return role


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest):
    """Who the caller is and what their role lets them do (clients use it to show only what works)."""
    user = request.user
    token = getattr(request, "api_token", None)
    return {
        **_user_out(user),
        "scope": scope_of(user),
        "administers": is_admin(user),
        "permissions": {t: [a for a in ACTIONS if has_perm(user, t, a)] for t in OBJECT_TYPES},
        "token_scopes": list(token.scopes) if token is not None else None,
    }


@router.get("/roles", response={200: list[RoleOut], **ERRORS})
def list_roles(request: HttpRequest):
    _require_admin(request)
    return list(Role.objects.all())


@router.post("/roles", response={201: RoleOut, **ERRORS})
def create_role(request: HttpRequest, response: HttpResponse, payload: RoleIn):
    _require_admin(request)
    role = role_services.create_role(actor=request.user, data=payload.dict())
    set_etag(response, role)
    return Status(201, role)


@router.get("/roles/{key}", response={200: RoleOut, **ERRORS})
def get_role(request: HttpRequest, response: HttpResponse, key: str):
    _require_admin(request)
    role = _role(key)
    set_etag(response, role)
    return role


@router.patch("/roles/{key}", response={200: RoleOut, **ERRORS})
def patch_role(request: HttpRequest, response: HttpResponse, key: str, payload: RolePatch):
    _require_admin(request)
    role = _role(key)
    version = expected_version(request, role)
    data = payload.dict(exclude_unset=True)
    role_services.update_role(actor=request.user, role=role, data=data, expected_version=version)
    set_etag(response, role)
    return role


@router.delete("/roles/{key}", response={204: None, **ERRORS})
def delete_role(request: HttpRequest, key: str):
    _require_admin(request)
    role_services.delete_role(actor=request.user, role=_role(key))
    return Status(204, None)


@router.get("/users", response={200: list[UserOut], **ERRORS})
def list_users(request: HttpRequest):
    _require_admin(request)
    return [_user_out(u) for u in User.objects.select_related("team").order_by("username")]


@router.patch("/users/{user_id}", response={200: UserOut, **ERRORS})
def patch_user(request: HttpRequest, user_id: int, payload: UserPatch):
    """Change a user's role, team or whether they may log in (audited)."""
    _require_admin(request)
    user = _by_id(User, user_id)
    data = payload.dict(exclude_unset=True)
    team: Team | bool | None = False  # False: leave the team as it is
    if "team" in data:
        team = _by_id(Team, data["team"]) if data["team"] else None
    role_services.set_user_access(
        actor=request.user, user=user, role=data.get("role"), team=team, is_active=data.get("is_active")
    )
    user.refresh_from_db()
    return _user_out(user)
