"""Calendars and policies in 設定 and the API: administrators only, clear Japanese errors, audit rows, the preview
of the coming holidays, and a ticket's SLA for whoever sees the ticket."""

import pytest
from django.test import Client

from kizuna.core.exceptions import PermissionDenied, ValidationFailed
from kizuna.core.models import AuditEvent
from kizuna.support.models import BusinessCalendar, CalendarDay, SlaPolicy
from kizuna.support.sla import admin

from .sla_fixtures import at, policy, send, ticket

pytestmark = pytest.mark.django_db


def test_calendar_service_parses_hours_and_refuses_bad_ones(cast):
    hours = {"0": "9:00-12:00、13:00-18:00", "5": ["10:00〜15:00"], "6": ""}
    calendar = admin.save_calendar(actor=cast.admin, data={"name": "コールセンター", "hours": hours})
    assert calendar.hours["0"] == [[540, 720], [780, 1080]] and calendar.hours["5"] == [[600, 900]]
    assert AuditEvent.objects.filter(action="sla.calendar.create", object_id=str(calendar.pk)).exists()
    with pytest.raises(ValidationFailed) as bad:
        admin.save_calendar(actor=cast.admin, data={"name": "夜間", "hours": {"0": "22:00-06:00"}, "timezone": "火星"})
    errors = bad.value.field_errors
    assert "日をまたぐ時間帯は2日に分けてください" in errors["hours.0"][0] and "火星" in errors["timezone"][0]
    with pytest.raises(ValidationFailed) as bad:
        admin.save_calendar(actor=cast.admin, data={"name": "コールセンター", "hours": {"0": "9時から"}})
    assert (
        "同じ名前" in bad.value.field_errors["name"][0]
        and "9:00-12:00 のように" in bad.value.field_errors["hours.0"][0]
    )
    with pytest.raises(PermissionDenied):
        admin.save_calendar(actor=cast.manager, data={"name": "x", "hours": {}})


def test_days_policies_and_order(cast):
    calendar = BusinessCalendar.objects.get(is_default=True)
    day = admin.add_day(
        actor=cast.admin, calendar=calendar, data={"date": "2026/12/28", "kind": "closed", "note": "棚卸"}
    )
    assert day.date.isoformat() == "2026-12-28"
    with pytest.raises(ValidationFailed) as bad:
        admin.add_day(actor=cast.admin, calendar=calendar, data={"date": "2026-12-28", "kind": "holiday"})
    assert set(bad.value.field_errors) == {"date", "kind"}
    first = admin.save_policy(actor=cast.admin, data={"name": "標準", "calendar": calendar.pk,
                                                      "first_response_minutes": "60"})  # fmt: skip
    second = admin.save_policy(actor=cast.admin, data={"name": "緊急", "calendar": calendar.pk, "priority": "urgent",
                                                       "first_response_minutes": 15})  # fmt: skip
    assert second.position > first.position
    admin.move_policy(actor=cast.admin, policy=second, direction="up")
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["緊急", "標準"]
    with pytest.raises(ValidationFailed) as bad:
        admin.save_policy(actor=cast.admin, data={"name": "空", "calendar": calendar.pk, "resolution_minutes": "一日"})
    assert "一日" in bad.value.field_errors["resolution_minutes"][0]
    assert "first_response_minutes" in bad.value.field_errors  # no target at all
    with pytest.raises(ValidationFailed):
        admin.delete_calendar(actor=cast.admin, calendar=calendar)  # policies use it
    assert CalendarDay.objects.count() == 1


def test_api_reads_for_everyone_and_writes_for_admins(cast, api):
    api, member = api(cast.admin, scopes=("read", "write", "admin")), api(cast.owner)
    created = api.post("/api/v1/calendars", {"name": "土曜営業", "hours": {"5": ["9:00-12:00"]}})
    assert created.status_code == 201 and created.json()["hours"]["5"] == ["9:00-12:00"]
    cal_id = created.json()["id"]
    assert member.get(f"/api/v1/calendars/{cal_id}").status_code == 200
    assert member.post("/api/v1/calendars", {"name": "x", "hours": {}}).status_code == 403
    bad = api.post("/api/v1/calendars", {"name": "夜", "hours": {"0": ["18:00-9:00"]}})
    assert bad.status_code == 422
    day = api.post(f"/api/v1/calendars/{cal_id}/days", {"date": "2027-01-09", "kind": "closed", "note": "棚卸"})
    assert day.status_code == 201
    preview = api.get(f"/api/v1/calendars/{cal_id}").json()
    assert preview["days"][0]["note"] == "棚卸"
    made = api.post("/api/v1/sla-policies", {"name": "標準", "calendar": cal_id, "first_response_minutes": 30})
    assert made.status_code == 201 and made.json()["calendar"] == cal_id
    assert [p["name"] for p in member.get("/api/v1/sla-policies").json()] == ["標準"]


def test_ticket_sla_api_follows_ticket_visibility(cast, api):
    policy()
    t = ticket(at(2026, 12, 7, 9), owner=cast.owner)
    send("ticket.created", t, t.created_at)
    body = api(cast.teammate).get(f"/api/v1/tickets/{t.pk}/sla").json()
    assert body["policy"] == "標準" and body["targets"][0]["target"] == "first_response"
    assert api(cast.outsider).get(f"/api/v1/tickets/{t.pk}/sla").status_code == 404


def test_settings_pages(cast):
    client = Client()
    client.force_login(cast.admin)
    calendar = BusinessCalendar.objects.get(is_default=True)
    page = client.get(f"/support/settings/calendars/{calendar.pk}/")
    assert page.status_code == 200 and "年末年始" in page.content.decode()
    saved = client.post(f"/support/settings/calendars/{calendar.pk}/", {
        "name": "標準", "timezone": "Asia/Tokyo", "hours_0": "9:00-17:00", "national_holidays": "on"})  # fmt: skip
    assert saved.status_code == 302
    calendar.refresh_from_db()
    assert calendar.hours["0"] == [[540, 1020]] and not calendar.year_end_closed
    refused = client.post(f"/support/settings/calendars/{calendar.pk}/", {"name": "標準", "hours_0": "25:00-26:00"})
    assert refused.status_code == 422 and "25:00-26:00" in refused.content.decode()
    data = {"name": "標準", "calendar": calendar.pk, "first_response_minutes": "60"}
    assert client.post("/support/settings/sla-policies/new/", data).status_code == 302
    assert "標準" in client.get("/support/settings/sla-policies/").content.decode()
    member = Client()
    member.force_login(cast.owner)
    assert member.get("/support/settings/sla-policies/").status_code == 403


def test_ticket_panel_tag_shows_due_times_and_history(cast):
    from django.template import Context, Template

    policy()
    t = ticket(at(2026, 12, 7, 9), owner=cast.owner)
    send("ticket.created", t, t.created_at)
    html = Template("{% load support_sla %}{% ticket_sla ticket %}").render(Context({"ticket": t}))
    assert "初回応答" in html and "12/7 10:00" in html
