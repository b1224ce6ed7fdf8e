"""A form post past the size limit gets a Japanese 400 page (not Django's English one) and writes nothing."""

from django.test import Client

from kizuna.contacts.models import Person


def test_a_post_past_the_limit_gets_a_japanese_400_and_writes_nothing(cast):
    client = Client()
    client.force_login(cast.owner)
    response = client.post("/people/new/", {"family_name": "あ" * 4_000_000})  # 12 MB, the limit is 10 MB
    assert response.status_code == 400 and "大きすぎる" in response.content.decode()
    assert not Person.objects.exists()
