"""The rule pages in English."""

from django.test import Client


def test_the_rule_pages_read_in_english(cast, rule):
    r = rule(actions=[{"action": "record.add_tag", "params": {"tag": "VIP"}}])
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(cast.admin)
    client.cookies["django_language"] = "en"
    page = client.get("/settings/automation/").content.decode()
    assert "Automation rules" in page and "Run history" in page and "Add a tag" in page
    form = client.get(f"/settings/automation/{r.pk}/").content.decode()
    assert "Conditions (all must hold)" in form and "Add an action" in form
