"""Object types are registered by the app that owns them: a new app's records become a row of the permission
matrix, and the built-in roles grant it on the next migrate without losing what an admin tuned."""

import pytest

from kizuna.accounts.models import Role
from kizuna.accounts.roles import clean_permissions, ensure_builtin_roles
from kizuna.core import permissions
from kizuna.core.permissions import APPLICABLE_ACTIONS, OBJECT_TYPES, register_object_type


@pytest.fixture
def widget_type():
    register_object_type("widget", "ウィジェット", ("view", "create", "edit", "delete", "export"))
    yield "widget"
    OBJECT_TYPES.pop("widget")
    APPLICABLE_ACTIONS.pop("widget")


def test_the_apps_register_their_own_types():
    assert list(OBJECT_TYPES)[:2] == ["person", "company"]
    assert {"activity", "insight", "task", "relationship"} <= set(OBJECT_TYPES)
    assert APPLICABLE_ACTIONS["relationship"] == ["view", "create", "delete"]
    assert APPLICABLE_ACTIONS["person"] == list(permissions.ACTIONS)


def test_unknown_actions_are_refused():
    with pytest.raises(ValueError):
        register_object_type("gadget", "ガジェット", ("view", "fly"))
    assert "gadget" not in OBJECT_TYPES


@pytest.mark.django_db
def test_builtin_roles_gain_a_new_type_and_keep_what_an_admin_tuned(widget_type):
    member = Role.objects.get(key="member")
    member.permissions = {**member.permissions, "task": []}  # an admin took tasks away from members
    member.save()

    ensure_builtin_roles()

    member.refresh_from_db()
    assert member.permissions["widget"] == ["view", "create", "edit", "delete", "export"]
    assert member.permissions["task"] == []
    assert Role.objects.get(key="readonly").permissions["widget"] == ["view", "export"]
    assert Role.objects.get(key="admin").permissions["widget"] == APPLICABLE_ACTIONS["widget"]

    member.permissions = {**member.permissions, "widget": ["view"]}
    member.save()
    ensure_builtin_roles()
    member.refresh_from_db()
    assert member.permissions["widget"] == ["view"]  # listed once, decided by the admin from then on


def test_the_matrix_accepts_a_registered_type(widget_type):
    cleaned = clean_permissions({"widget": ["export", "view"]})
    assert cleaned["widget"] == ["view", "export"]
