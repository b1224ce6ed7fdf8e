"""Signatures match the Standard Webhooks specification's published test vector, so any of its libraries verifies
Kizuna's deliveries."""

import base64
from datetime import UTC, datetime

from kizuna.webhooks import signing

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR = {"message_id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "body": b'{"test": 2432232314}',
          "at": datetime.fromtimestamp(1614265330, tz=UTC)}  # fmt: skip


def test_the_published_vector():
    headers = signing.headers(**VECTOR, secrets_=[VECTOR_SECRET])
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_two_secrets_sign_side_by_side():
    other = signing.new_secret()
    both = signing.headers(**VECTOR, secrets_=[other, VECTOR_SECRET])["webhook-signature"].split(" ")
    assert len(both) == 2 and both[1] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_new_secrets_are_32_random_bytes():
    a, b = signing.new_secret(), signing.new_secret()
    assert a != b and a.startswith("whsec_") and len(base64.b64decode(a.removeprefix("whsec_"))) == 32
