"""The people list shows the address book first: people an inquiry registered on its own stay out until touched."""

from django.test import Client

from kizuna.contacts import services
from kizuna.contacts.models import Person
from kizuna.contacts.search import index_person
from kizuna.core import audit
from kizuna.core.permissions import Visibility
from tests import factories


def _guest(team, name="チャットのお客様"):
    """What an inbound channel registers for an unknown sender: no author, owner or company (support.intake)."""
    person = Person(family_name=name, name_search=name, visibility=Visibility.PUBLIC, team=team)
    person.save()
    audit.record(actor=None, action="create", obj=person, changes={"source": [None, "Webチャット"]})
    index_person(person)
    return person


def _names(client, query=""):
    html = client.get(f"/people/{query}").content.decode()
    return html, {name for name in ("チャットのお客様", "髙橋", "guest4305") if f">{name}" in html}


def test_guests_stay_out_of_the_list_until_searched_shown_or_touched(cast):
    factories.person(cast.owner, "髙橋", "")
    guest, other = _guest(cast.team_a), _guest(cast.team_a, "guest4305")
    client = Client()
    client.force_login(cast.owner)
    html, names = _names(client)
    assert names == {"髙橋"} and 'id="guests-hidden"' in html
    assert _names(client, "?guests=include")[1] == {"髙橋", "チャットのお客様", "guest4305"}
    assert _names(client, "?guests=only")[1] == {"チャットのお客様", "guest4305"}
    assert _names(client, "?q=guest")[1] == {"guest4305"}  # a search finds them without asking
    assert _names(client, "?guests=bogus")[1] == {"髙橋"}  # an unknown value is the default
    services.update_person(actor=cast.owner, person=guest, data={"notes": "佐藤様の件"})
    assert _names(client)[1] == {"髙橋", "チャットのお客様"}  # someone confirmed them: part of the address book
    assert other.pk in {row["id"] for row in client.get("/api/v1/people").json()["items"]}  # the API lists all
    assert "guest4305" not in client.get("/").content.decode()  # nor on the home's recently updated
    assert "登録元の窓口" in client.get(other.get_absolute_url()).content.decode()  # its history names the channel
