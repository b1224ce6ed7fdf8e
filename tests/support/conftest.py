import pytest

from kizuna.support.models import Channel


@pytest.fixture
def channel(cast):
    return Channel.objects.create(kind="email", name="サポート窓口", slug="support-mail", team=cast.team_a)


@pytest.fixture
def line_channel(cast):
    return Channel.objects.create(kind="line", name="公式LINE", slug="line", team=cast.team_a)
