"""Support reports: each number from aggregate queries over the tickets a user may see, its drill-down lists the
same tickets, and the CSV export opens in Excel (UTF-8 with BOM)."""

import pytest
from django.test import Client

from kizuna.core.models import AuditEvent
from kizuna.support.models import CallReason, Channel, Message, SurveyResponse, Ticket
from kizuna.support.services import support_reports as reports

from .sla_fixtures import at, policy, send, ticket

pytestmark = pytest.mark.django_db
PERIOD = reports.Period.parse("2026-12-01", "2026-12-31")


@pytest.fixture
def data(cast):
    """Five tickets in 営業1部 (one private to the manager) and one of 営業2部."""
    policy(first_response_minutes=60, resolution_minutes=480)
    mail = Channel.objects.create(kind="email", name="メール", slug="mail")
    phone = Channel.objects.create(kind="phone", name="代表電話", slug="phone")
    reason = CallReason.objects.create(parent=CallReason.objects.create(name="請求"), name="再発行")
    made = {}
    for name, created, channel, owner, tags in (
        ("fast", at(2026, 12, 7, 9), mail, cast.owner, ["納期"]),
        ("slow", at(2026, 12, 7, 10), mail, cast.owner, ["納期", "品質"]),
        ("call", at(2026, 12, 8, 14), phone, cast.teammate, ["品質"]),
        ("open", at(2026, 12, 9, 9), None, cast.owner, []),
        ("other", at(2026, 12, 7, 9), mail, cast.outsider, ["納期"]),
    ):
        t = ticket(created, owner=owner, channel=channel, tags=tags, call_reason=reason if channel == phone else None)
        send("ticket.created", t, created)
        made[name] = t
    send("ticket.replied", made["fast"], at(2026, 12, 7, 9, 30))
    send("ticket.replied", made["slow"], at(2026, 12, 7, 13, 30))  # 150 business minutes: breached
    send("ticket.replied", made["call"], at(2026, 12, 8, 14, 10))
    for name, when in (("fast", at(2026, 12, 7, 10)), ("call", at(2026, 12, 8, 15))):
        Ticket.objects.filter(pk=made[name].pk).update(status="resolved", resolved_at=when)
        made[name].refresh_from_db()
        send("ticket.status_changed", made[name], when, changes={"status": ["open", "resolved"]})
    Message.objects.create(ticket=made["fast"], direction="out", channel_kind="email", sent_at=at(2026, 12, 7, 9, 30))
    Message.objects.create(ticket=made["call"], direction="in", channel_kind="phone", author=cast.teammate,
                           sent_at=at(2026, 12, 8, 14), meta={"duration": 300})  # fmt: skip
    Message.objects.create(ticket=made["call"], direction="out", channel_kind="phone", author=cast.teammate,
                           sent_at=at(2026, 12, 8, 14, 10), meta={"duration_seconds": 180})  # fmt: skip
    SurveyResponse.objects.create(ticket=made["fast"], agent=cast.owner, team=cast.team_a, rating=5,
                                  answered_at=at(2026, 12, 10, 9))  # fmt: skip
    SurveyResponse.objects.create(ticket=made["call"], agent=cast.teammate, team=cast.team_a, rating=2,
                                  answered_at=at(2026, 12, 10, 9))  # fmt: skip
    return made


def test_volume_by_channel_reason_and_hour_sees_only_visible_tickets(cast, data):
    vol = reports.volume(cast.owner, PERIOD)
    assert vol["total"] == 4  # 営業2部's ticket is not counted for a member of 営業1部
    assert {r["key"]: r["count"] for r in vol["by_channel"]} == {"email": 2, "phone": 1, "none": 1}
    assert {r["label"]: r["count"] for r in vol["by_reason"]} == {"請求 / 再発行": 1, "未設定": 3}
    hours = {r["key"]: r["count"] for r in vol["by_hour"]}
    assert hours[9] == 2 and hours[10] == 1 and hours[14] == 1  # hours of the day in JST
    assert reports.volume(cast.admin, PERIOD)["total"] == 5


def test_times_attainment_fcr_aht_and_csat(cast, data):
    times = reports.times(cast.owner, PERIOD)
    assert times["first_response"]["count"] == 3
    assert times["first_response"]["avg"] == pytest.approx((30 + 150 + 10) / 3, abs=0.1)
    assert times["resolution"]["count"] == 2
    first = next(r for r in reports.attainment(cast.owner, PERIOD) if r["target"] == "first_response")
    assert (first["total"], first["met"], first["breached"], first["rate"]) == (3, 2, 1, pytest.approx(66.7))
    assert reports.first_contact_resolution(cast.owner, PERIOD) == {"resolved": 2, "fcr": 2, "rate": 100.0}
    aht = reports.handle_time(cast.owner, PERIOD)
    assert aht["count"] == 2 and aht["avg"] == 240.0  # duration and duration_seconds both read
    csat = reports.csat(cast.owner, PERIOD)
    assert csat["count"] == 2 and csat["avg"] == 3.5 and csat["satisfied"] == 50.0
    assert {r["label"]: r["score"] for r in csat["by_agent"]} == {"田中 一郎": 5.0, "teammate": 2.0}


def test_backlog_age_and_voc_trends(cast, data):
    now = at(2026, 12, 12, 12)
    assert {r["key"]: r["count"] for r in reports.backlog(cast.owner, now=now)} == {
        "d1": 0, "d3": 0, "d7": 2, "d30": 0, "older": 0}  # fmt: skip
    voc = reports.voc_trends(cast.owner, PERIOD)
    assert voc["weeks"][0].isoformat() == "2026-11-30" and len(voc["weeks"]) == 5
    series = {s["tag"]: s for s in voc["series"]}
    assert series["納期"]["total"] == 2 and series["品質"]["counts"][1] == 2


def test_each_drill_down_lists_the_tickets_behind_its_number(cast, data):
    def numbers(metric, key=""):
        return sorted(t.pk for t in reports.tickets(cast.owner, PERIOD, metric, key))

    assert numbers("channel", "email") == sorted([data["fast"].pk, data["slow"].pk])
    assert numbers("first_response_breached") == [data["slow"].pk]
    assert numbers("fcr") == sorted([data["fast"].pk, data["call"].pk])
    assert numbers("hour", "14") == [data["call"].pk]
    assert numbers("tag", "納期") == sorted([data["fast"].pk, data["slow"].pk])
    assert numbers("csat", str(cast.teammate.pk)) == [data["call"].pk]
    with pytest.raises(reports.PeriodError):
        reports.tickets(cast.owner, PERIOD, "nonsense")


def test_bad_periods_are_refused_clearly():
    for start, end in (("2026-13-01", ""), ("2026-12-31", "2026-12-01"), ("2020-01-01", "2026-01-01")):
        with pytest.raises(reports.PeriodError):
            reports.Period.parse(start, end)


def test_dashboard_drill_down_and_csv_pages(cast, data):
    client = Client()
    client.force_login(cast.owner)
    page = client.get("/support/reports/", {"start": "2026-12-01", "end": "2026-12-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "metric=channel&amp;key=email" in html and "<script>" not in html
    listing = client.get("/support/reports/tickets/", {"start": "2026-12-01", "end": "2026-12-31",
                                                      "metric": "first_response_breached"})  # fmt: skip
    assert listing.status_code == 200 and data["slow"].subject in listing.content.decode()
    assert f"/support/tickets/{data['slow'].pk}/" in listing.content.decode()
    bad = client.get("/support/reports/", {"start": "2026/99/01"})
    assert bad.status_code == 200 and "2026-04-01 のように" in bad.content.decode()
    csv = client.get("/support/reports/export.csv", {"start": "2026-12-01", "end": "2026-12-31", "section": "channel"})
    assert csv["Content-Type"].startswith("text/csv") and csv.content.startswith(b"\xef\xbb\xbf")
    assert "メール" in csv.content.decode("utf-8-sig") or "email" in csv.content.decode("utf-8-sig")
    assert AuditEvent.objects.filter(action="export", object_type="support.report").exists()
    assert client.get("/support/reports/export.csv", {"section": "nope"}).status_code == 400
