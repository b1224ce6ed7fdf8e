"""Small builders that go through the real services, so tests exercise the same path as users."""

from kizuna.contacts import services


def company(actor, name="株式会社山田製作所", **data):
    return services.create_company(actor=actor, data={"name": name, **data})


def person(actor, family="田中", given="太郎", **data):
    data.setdefault("family_name_kana", "タナカ")
    data.setdefault("given_name_kana", "タロウ")
    return services.create_person(actor=actor, data={"family_name": family, "given_name": given, **data})


def make_manager(cast, username="manager_b"):
    """A manager of the other team (営業2部)."""
    from tests.conftest import make_user

    return make_user(username, "manager", cast.team_b)


def relayed_events():
    """The outbox once the relay has made the record events of every audit row written so far (what the worker does
    first after a commit): tests read it inside their own, never committed, transaction."""
    from kizuna.core import events
    from kizuna.core.models import OutboxEvent

    events.relay()
    return OutboxEvent.objects
