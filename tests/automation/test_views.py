"""設定 → 自動化ルール pages: list with order and switch, the form with condition and action rows, run history, dry
run; managers reach them through the 設定 menu, members do not."""

import re

import pytest
from django.test import Client

from kizuna.automation.models import Rule, RuleRun
from kizuna.contacts import services as contacts
from kizuna.core.models import AuditEvent
from tests import factories
from tests.automation.conftest import drain

TAG = [{"action": "record.add_tag", "params": {"tag": "VIP"}}]
BASE = "/settings/automation/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_reaches_rules_from_the_menu_and_members_do_not(cast):
    page = client_for(cast.manager).get("/people/").content.decode()
    assert f'href="{BASE}"' in page
    page = client_for(cast.owner).get("/people/").content.decode()
    assert f'href="{BASE}"' not in page
    assert client_for(cast.owner).get(BASE).status_code == 403
    listing = client_for(cast.manager).get(BASE).content.decode()
    assert "/settings/roles/" not in listing  # the administrators' tabs stay hidden from managers


def test_create_a_rule_from_the_form(cast):
    client = client_for(cast.manager)
    form = client.get(BASE + "new/").content.decode()
    uid = re.search(r'name="act" value="(\w+)"', form).group(1)
    response = client.post(BASE + "new/", {
        "name": "顧客になったら", "trigger": "person.updated", "enabled": "on",
        "cond_field": ["lifecycle_stage", ""], "cond_op": ["changed_to", "equals"], "cond_value": ["customer", ""],
        "act": [uid, "second"], f"act_{uid}_action": "record.add_tag", f"act_{uid}_tag": "VIP",
        "act_second_action": "timeline.create_task", "act_second_title": "{{ name }} さんへお礼",
        "act_second_days": "2", "act_second_business_days": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get()
    assert rule.team == cast.team_a and rule.conditions == [
        {"field": "lifecycle_stage", "op": "changed_to", "value": "customer"}]  # fmt: skip
    assert [a["action"] for a in rule.actions] == ["record.add_tag", "timeline.create_task"]
    assert rule.actions[1]["params"] == {"title": "{{ name }} さんへお礼", "days": 2, "business_days": True,
                                         "assignee": ""}  # fmt: skip
    edit = client.get(f"{BASE}{rule.pk}/").content.decode()
    assert 'value="customer"' in edit and "{{ name }} さんへお礼" in edit


def test_a_refused_form_keeps_what_was_typed(cast):
    response = client_for(cast.admin).post(BASE + "new/", {
        "name": "", "trigger": "person.updated", "cond_field": ["no_such"], "cond_op": ["equals"],
        "cond_value": ["x"], "act": ["a1"], "act_a1_action": "record.add_tag", "act_a1_tag": "保持"})  # fmt: skip
    assert response.status_code == 422
    page = response.content.decode()
    assert "名前を入力してください" in page and "no_such" in page and 'value="保持"' in page
    assert not Rule.objects.exists()


def test_htmx_rows(cast):
    client = client_for(cast.admin)
    row = client.get(BASE + "rows/condition/?trigger=company.updated").content.decode()
    assert 'name="cond_field"' in row and 'value="changed_to"' in row
    row = client.get(BASE + "rows/action/?trigger=task.updated").content.decode()
    assert "record.add_tag" not in row and "timeline.create_task" in row  # tasks have no tags
    params = client.get(BASE + "rows/params/?uid=abc&act_abc_action=record.set_field&trigger=person.updated")
    assert 'name="act_abc_field"' in params.content.decode() and "lifecycle_stage" in params.content.decode()
    options = client.get(BASE + "rows/fields/?trigger=company.updated").content.decode()
    assert 'value="industry"' in options and 'value="days_since_contact"' in options
    assert client.get(BASE + "rows/none/").content == b""


def test_toggle_move_delete(cast, rule):
    first, second = rule(name="一", actions=TAG), rule(name="二", actions=TAG)
    client = client_for(cast.admin)
    response = client.post(f"{BASE}{first.pk}/toggle/", {}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "無効" in response.content.decode()
    first.refresh_from_db()
    assert first.enabled is False
    client.post(f"{BASE}{second.pk}/move/", {"direction": "up"})
    assert list(Rule.objects.values_list("name", flat=True)) == ["二", "一"]
    client.post(f"{BASE}{first.pk}/delete/")
    assert list(Rule.objects.values_list("name", flat=True)) == ["二"]
    assert AuditEvent.objects.filter(action__startswith="automation.rule.", actor=cast.admin).count() == 5


def test_run_history_and_dry_run_pages(cast, rule):
    r = rule(conditions=[{"field": "lifecycle_stage", "op": "changed_to", "value": "customer"}], actions=[
        {"action": "record.set_field", "params": {"field": "prefecture", "value": "ない県"}}])  # fmt: skip
    person = factories.person(cast.owner, "山田", "花子")
    contacts.update_person(actor=cast.owner, person=person, data={"lifecycle_stage": "customer"})
    drain()
    client = client_for(cast.manager if r.team_id else cast.admin)
    page = client.get(f"{BASE}{r.pk}/runs/").content.decode()
    assert "山田 花子" in page and "失敗" in page and "ない県" in page
    before = RuleRun.objects.count()
    page = client.post(f"{BASE}{r.pk}/dry-run/", {"object_id": person.pk}).content.decode()
    assert "このレコードは条件を満たします" in page and "ない県" in page
    assert RuleRun.objects.count() == before
    page = client.post(f"{BASE}{r.pk}/dry-run/", {"object_number": "99999999999"}).content.decode()
    assert "見つかりません" in page


@pytest.mark.parametrize("path", ["", "new/", "rows/condition/", "rows/action/"])
def test_read_only_and_members_get_403(cast, path):
    for user in (cast.readonly, cast.owner, cast.outsider):
        assert client_for(user).get(BASE + path).status_code == 403


def test_another_teams_manager_gets_404(cast, rule):
    r = rule(actor=cast.manager, actions=TAG)
    other = factories.make_manager(cast)
    for path in ("", "runs/", "dry-run/"):
        assert client_for(other).get(f"{BASE}{r.pk}/{path}").status_code == 404
    assert client_for(other).post(f"{BASE}{r.pk}/delete/").status_code == 404
    assert Rule.objects.filter(pk=r.pk).exists()


def test_the_rule_list_and_api_list_do_not_grow_with_the_rules(cast, rule, django_assert_max_num_queries):
    from tests.conftest import ApiClient

    for i in range(12):
        rule(name=f"ルール{i}", actions=TAG, team=cast.team_a.pk if i % 2 else None)
    client = client_for(cast.admin)
    api = ApiClient(cast.admin)
    with django_assert_max_num_queries(12):
        assert client.get(BASE).status_code == 200
    with django_assert_max_num_queries(11):  # the token check and its audit row (PostgreSQL: + its lock) included
        assert len(api.get("/api/v1/automation/rules").json()) == 12
