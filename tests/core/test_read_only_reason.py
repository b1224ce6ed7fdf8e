"""A record its reader may see but not change says why, on its page, in words that name whom to ask."""

from django.test import Client

from kizuna.contacts.models import Person
from kizuna.core.permissions import Visibility
from tests import factories


def _reason(user, person) -> str:
    client = Client()
    client.force_login(user)
    html = client.get(person.get_absolute_url()).content.decode()
    start = html.find('class="muted small read-only-reason">')
    return html[start:].split(">", 1)[1].split("<", 1)[0] if start >= 0 else ""


def test_the_reason_names_the_role_the_owner_or_the_team(cast):
    owned = factories.person(cast.outsider, "佐藤", "一郎", visibility="public")
    assert _reason(cast.owner, owned) == (
        "この記録は担当者（outsider）と営業2部のメンバーが編集できます。変更が必要なら担当者に依頼してください。"
    )
    assert _reason(cast.outsider, owned) == ""  # its owner may edit it: no reason shown
    assert _reason(cast.readonly, owned).startswith("あなたのロール（")
    guest = Person.objects.create(family_name="チャットのお客様", name_search="ちゃっとのおきゃくさま",
                                  visibility=Visibility.PUBLIC, team=cast.team_b)  # fmt: skip
    team_only = "この記録は営業2部のメンバーが編集できます。変更が必要ならそのチームに依頼してください。"
    assert _reason(cast.owner, guest) == team_only
    Person.objects.filter(pk=guest.pk).update(team=None)
    assert _reason(cast.owner, guest) == "この記録には担当者も担当チームもないため、管理者だけが編集できます。"
