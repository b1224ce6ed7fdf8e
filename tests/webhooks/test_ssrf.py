"""No webhook to internal addresses: refused when saved and again when sent (DNS rebinding), unless an admin
allowed the host; only http(s); the request goes to the address that was checked."""

import ipaddress

import pytest

from kizuna.contacts import services as contacts
from kizuna.core import events
from kizuna.core.exceptions import ValidationFailed
from kizuna.webhooks import services, ssrf
from kizuna.webhooks.models import Attempt, Delivery


def create(cast, url):
    return services.create_subscription(
        actor=cast.admin, data={"name": "外部", "url": url, "event_types": ["person.created"]}
    )


@pytest.fixture
def dns(monkeypatch):
    """A resolver the test controls: name → addresses (the rest does not resolve)."""
    table: dict[str, list[str]] = {}

    def resolve(host, port):
        if host not in table:
            raise OSError("no such host")
        return table[host]

    monkeypatch.setattr(ssrf, "resolve", resolve)
    return table


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://[::ffff:10.0.0.1]/", "http://0.0.0.0/",
    "http://192.168.1.10/", "http://172.16.5.4/", "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/",
    "http://[fe80::1]/", "http://[fc00::1]/", "http://[ff02::1]/", "http://[::]/", "http://[64:ff9b::a00:1]/",
    "http://[2002:7f00:1::]/", "http://127.1/", "http://2130706433/",
])  # fmt: skip
def test_internal_addresses_are_refused_when_saved(cast, settings, url):
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationFailed) as err:
        create(cast, url)
    assert "url" in err.value.field_errors


def test_a_name_that_resolves_to_loopback_is_refused(cast, settings):
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationFailed) as err:
        create(cast, "http://localhost:8080/hook")  # the machine's own resolver: 127.0.0.1 / ::1
    assert "内部のアドレス" in err.value.field_errors["url"][0]


def test_a_name_with_one_internal_address_among_public_ones_is_refused(cast, settings, dns):
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = []
    dns["hooks.example.com"] = ["93.184.215.14", "10.0.0.7"]
    with pytest.raises(ValidationFailed):
        create(cast, "https://hooks.example.com/kizuna")


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/", "file:///etc/passwd", "gopher://x/", "hooks.example.com",
                                 "https://user:pw@hooks.example.com/", "http://[::1/"])  # fmt: skip
def test_only_plain_http_and_https_urls(cast, url):
    with pytest.raises(ValidationFailed):
        create(cast, url)


def test_public_addresses_pass(cast, settings, dns):
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = []
    dns["hooks.example.com"] = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    sub, _ = create(cast, "https://hooks.example.com/kizuna")
    target = ssrf.check(sub.url)
    assert target.address == "93.184.215.14" and target.host == "hooks.example.com" and target.port == 443


def test_the_allow_list_lets_an_admin_use_an_internal_host(cast, settings, dns):
    dns["hooks.internal"] = ["10.20.30.40"]
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = ["hooks.internal", "192.168.50.0/24"]
    create(cast, "http://hooks.internal/kizuna")
    create(cast, "http://192.168.50.9/kizuna")
    with pytest.raises(ValidationFailed):
        create(cast, "http://192.168.51.9/kizuna")


def test_rebinding_after_saving_is_refused_when_sending(cast, settings, dns):
    """Public when saved, loopback when sent: the send-time check refuses, nothing is requested, the attempt is
    logged with why."""
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = []
    dns["rebind.example.com"] = ["93.184.215.14"]
    create(cast, "http://rebind.example.com/kizuna")
    contacts.create_person(actor=cast.owner, data={"family_name": "山田", "given_name": "花子"})
    events.dispatch_pending()
    dns["rebind.example.com"] = ["127.0.0.1"]
    assert services.send_due() == 1
    attempt = Attempt.objects.get()
    assert attempt.response_code is None and "内部のアドレス" in attempt.error and attempt.address == ""
    assert Delivery.objects.get().status == "pending"  # retried later, checked again then


def test_a_name_that_does_not_resolve_yet_is_saved_but_not_sent(cast, settings, dns):
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = []
    create(cast, "https://not-yet.example.com/kizuna")
    contacts.create_person(actor=cast.owner, data={"family_name": "山田", "given_name": "花子"})
    events.dispatch_pending()
    services.send_due()
    assert "解決できません" in Attempt.objects.get().error


def test_the_request_goes_to_the_checked_address_with_the_urls_host(settings, dns, receiver):
    """What the sender connects to is the address the check returned, never a second lookup."""
    from kizuna.webhooks import sender

    dns["hooks.example.com"] = ["127.0.0.1"]
    settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS = ["hooks.example.com"]
    target = ssrf.check(f"http://hooks.example.com:{receiver.port}/x?y=1")
    dns["hooks.example.com"] = ["10.9.9.9"]  # a rebinding answer after the check is never asked for
    result = sender.post(target, b"{}", {})
    assert result.status == 200
    (req,) = receiver.requests
    assert req.headers["Host"] == f"hooks.example.com:{receiver.port}" and req.path == "/x?y=1"


def test_embedded_ipv4_counts_as_itself():
    assert ssrf.forbidden(ipaddress.ip_address("::ffff:169.254.169.254"))
    assert not ssrf.forbidden(ipaddress.ip_address("::ffff:93.184.215.14"))
