"""Attachments: kept outside the static root, type from the bytes, size limit, served only to readers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kizuna.timeline import services
from kizuna.timeline.models import Attachment
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tanaka(cast):
    return factories.person(cast.owner, "田中", "太郎")


def test_card_photo_on_a_person_is_served_only_to_readers(cast, tanaka, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(cast.owner)
    client.post(f"/timeline/person/{tanaka.pk}/attachments/new/", {"files": SimpleUploadedFile("名刺.png", PNG)})
    item = Attachment.objects.get()
    assert item.content_type == "image/png" and (tmp_path / item.path).exists()
    assert str(tmp_path) not in str(settings.STATIC_ROOT)
    response = client_for(cast.teammate).get(f"/timeline/attachments/{item.pk}/")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    assert client_for(cast.outsider).get(f"/timeline/attachments/{item.pk}/").status_code == 404


def test_type_comes_from_the_bytes_and_size_is_limited(cast, tanaka, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(Exception, match="受け付けられない"):
        services.add_attachment(actor=cast.owner, person=tanaka,
                                upload=SimpleUploadedFile("virus.png", b"MZ\x90\x00\xff\xfe\x00\x01"))  # fmt: skip
    settings.KIZUNA_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(Exception, match="大きすぎます"):
        services.add_attachment(actor=cast.owner, person=tanaka, upload=SimpleUploadedFile("a.png", PNG))
    assert not Attachment.objects.exists()


def test_html_is_never_served_inline(cast, tanaka, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = services.add_attachment(actor=cast.owner, person=tanaka,
                                   upload=SimpleUploadedFile("x.png", b"<script>alert(1)</script>"))  # fmt: skip
    response = client_for(cast.owner).get(f"/timeline/attachments/{item.pk}/")
    assert item.content_type == "text/plain" and response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment")


def test_activity_form_takes_files(cast, tanaka, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client_for(cast.owner).post(f"/timeline/activities/new/?person={tanaka.pk}", {
        "kind": "visit", "occurred_at": "2026-11-20T10:00", "body": "図面を受領", "source": "visit",
        "confidence": "certain", "visibility": "team", "files": SimpleUploadedFile("図面.pdf", b"%PDF-1.7 ..."),
    })  # fmt: skip
    assert response.status_code == 302
    assert Attachment.objects.get().activity.body == "図面を受領"
