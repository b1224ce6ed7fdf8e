"""The attacker's crawl: seeded secrets, every URL pattern and API route filled with the seeded records' ids, and
the text a reader would get out of each response (HTML, JSON, CSV, xlsx, vCard, PDF).

The canaries are strings that appear nowhere but in the seeded records, so a canary in a response is a leak:
- SECRET: the owner's private records (a person, a company, an activity, an insight, a task, an attachment, a
  deleted person, a merged pair, an import). Every reader (a teammate, the read-only user, a member of another
  team) must never read them. Each private record carries 鍵穴 in its name or text, so one token finds them all.
- MASKED: the masked fields of a public person (mobile, personal e-mail, birthday, street). The read-only user and
  the other team see them masked; a teammate, who may edit the person, sees them.
- TEAM: records of 営業1部 (visibility team); the other team must not read them.
"""

import contextlib
import html
import io
import json
import re
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from kizuna.contacts import services as contacts
from kizuna.contacts.dedup.tasks import scan_duplicates
from kizuna.contacts.services import merge as merging
from kizuna.core.notices import Notice, notify
from kizuna.imports import services as imports
from kizuna.timeline import services as timeline
from tests import factories

SECRET = (
    "鍵穴",
    "秘子",
    "消子",
    "鍵穴精機",
    "鍵穴会議",
    "鍵穴の",
    "鍵穴資料",
    "鍵穴名簿",
    "鍵穴課長",
    "カギアナ",
    "kagiana@hidden.example",
    "3141-5926",
    "31415926",
    "3999-1111",
)
MASKED = ("090-2718-2818", "27182818", "2718-2818", "masked-mail@home.example", "1937-0", "1937/", "1937年",
          "9-8-7")  # fmt: skip
TEAM = ("班内", "ハンナイ", "team-only@hannai.example")

READERS = ("teammate", "readonly", "outsider")


def canaries(reader: str) -> tuple[str, ...]:
    found = SECRET
    if reader in ("readonly", "outsider"):
        found += MASKED
    if reader == "outsider":
        found += TEAM
    return found


# --- the seeded world ----------------------------------------------------------------------------------------
def seed(cast) -> SimpleNamespace:
    """Everything made by the owner (team 営業1部) through the real services."""
    o = cast.owner
    secret_co = factories.company(o, "株式会社鍵穴精機", name_kana="カギアナセイキ", visibility="private",
                                  phone="03-3999-1111", notes="鍵穴社の内部メモ")  # fmt: skip
    secret = factories.person(
        o, "鍵穴", "秘子", family_name_kana="カギアナ", given_name_kana="ヒメコ", visibility="private",
        phones=[{"value": "090-3141-5926", "label": "mobile"}], emails=[{"value": "kagiana@hidden.example"}],
        notes="鍵穴さんの内部メモ", company=secret_co.pk, title="鍵穴課長",
    )  # fmt: skip
    twin_mobile = [{"value": "090-3141-5926", "label": "mobile"}]
    secret_twin = factories.person(o, "鍵穴", "秘子", family_name_kana="カギアナ", given_name_kana="ヒメコ",
                                   visibility="private", phones=twin_mobile)  # fmt: skip
    gone = factories.person(o, "鍵穴", "消子", visibility="private")
    contacts.delete_person(actor=o, person=gone)
    team_co = factories.company(o, "株式会社班内商会", name_kana="ハンナイショウカイ", visibility="team")
    team_person = factories.person(o, "班内", "丑男", family_name_kana="ハンナイ", given_name_kana="ウシオ",
                                   visibility="team", emails=[{"value": "team-only@hannai.example"}],
                                   company=team_co.pk)  # fmt: skip
    public_co = factories.company(o, "株式会社公開工業", visibility="public", parent=secret_co.pk)
    public = factories.person(
        o, "公開", "太郎", visibility="public", company=secret_co.pk, title="部長", birthday="1937/7/29",
        postcode="100-0005", prefecture="東京都", city="千代田区", street="丸の内9-8-7",
        phones=[{"value": "090-2718-2818", "label": "mobile"}, {"value": "03-5555-0000", "label": "office"}],
        emails=[{"value": "masked-mail@home.example", "label": "personal"}],
    )  # fmt: skip
    twin = factories.person(o, "公開", "太郎", visibility="public",
                            phones=[{"value": "090-2718-2818", "label": "mobile"}])  # fmt: skip
    contacts.add_employment(actor=o, person=public, data={"company": team_co.pk, "title": "顧問", "current": False})
    contacts.add_site(actor=o, company=public_co, data={"name": "大阪営業所"})
    contacts.update_person(actor=o, person=public, data={"notes": "公開の更新"})  # a history row naming secret_co
    # A custom field only managers read (and admins): its value on the public person is a secret to every reader,
    # on the page, in the API, exports, search and the person's history.
    from kizuna.customfields import services as custom_fields

    custom_fields.create_field(
        actor=cast.admin,
        data={"object_type": "person", "key": "vault", "type": "text", "label_ja": "与信", "read_roles": ["manager"]},
    )
    contacts.update_person(actor=cast.admin, person=public, data={"custom": {"vault": "鍵穴の与信枠"}})

    activity = timeline.create_activity(actor=o, data={
        "subject": "公開の訪問", "body": "三者で打ち合わせ", "visibility": "public",
        "people": [public.pk, secret.pk, team_person.pk], "companies": [public_co.pk, secret_co.pk, team_co.pk],
        "heard_from": secret.pk,
    })  # fmt: skip
    secret_activity = timeline.create_activity(actor=o, data={
        "subject": "鍵穴会議", "body": "鍵穴の本文", "visibility": "private", "people": [public.pk],
        "companies": [public_co.pk],
    })  # fmt: skip
    team_activity = timeline.create_activity(actor=o, data={
        "subject": "班内の打合せ", "body": "班内の記録", "visibility": "team", "people": [public.pk]})  # fmt: skip
    attachment = timeline.add_attachment(
        actor=o, activity=secret_activity, upload=SimpleUploadedFile("鍵穴資料.txt", "鍵穴の添付".encode())
    )
    insights = [
        timeline.create_insight(actor=o, data={"person": public.pk, "statement": "鍵穴の見立て",
                                               "visibility": "private", "evidence": [activity.pk]}),
        timeline.create_insight(actor=o, data={"company": public_co.pk, "statement": "公開の見立て",
                                               "heard_from": secret.pk, "visibility": "public"}),
        timeline.create_insight(actor=o, data={"person": public.pk, "statement": "班内の見立て",
                                               "visibility": "team"}),
    ]  # fmt: skip
    tasks = [
        timeline.create_follow_up(actor=o, data={"title": "鍵穴の宿題", "activity": activity.pk,
                                                 "visibility": "private", "person": public.pk}),
        timeline.create_follow_up(actor=o, data={"title": "公開の宿題", "company": secret_co.pk,
                                                 "person": secret.pk, "assignee": cast.teammate.pk}),
        timeline.create_follow_up(actor=o, data={"title": "班内の宿題", "visibility": "team",
                                                 "person": team_person.pk, "assignee": cast.outsider.pk}),
    ]  # fmt: skip
    relationships = [
        timeline.create_relationship(actor=o, data={"from_person": public.pk, "to_person": secret.pk,
                                                    "kind": "custom", "label": "鍵穴の縁"}),
        timeline.create_relationship(actor=o, data={"from_person": public.pk, "to_person": team_person.pk,
                                                    "kind": "boss"}),
    ]  # fmt: skip
    scan_duplicates.call("person", 0.5)
    scan_duplicates.call("company", 0.5)
    merge = merging.merge_records(actor=o, kind="person", survivor=secret, others=[secret_twin])
    # Notices about the private activity: the owner's names it; the teammate's and the outsider's must not.
    about_secret = Notice(kind="mention", title="鍵穴会議であなたに言及しました", body="鍵穴の本文",
                          obj=secret_activity, url=secret_activity.get_absolute_url())  # fmt: skip
    notices = notify([o, cast.teammate, cast.outsider], about_secret)
    upload = SimpleUploadedFile("鍵穴名簿.csv", "氏名,携帯電話\r\n鍵穴 輸入,090-3141-5926\r\n".encode("cp932"))
    job = imports.upload(actor=o, file=upload, filename="鍵穴名簿.csv", kind="person")
    rules = _automation_rules(cast)
    webhook, webhook_delivery = _webhook(cast)
    _beat()
    support = _support(cast, secret, team_person, public)
    deals, pipelines = _deals(cast, secret_co=secret_co, team_co=team_co, public_co=public_co, secret=secret,
                              public=public, team_person=team_person)  # fmt: skip
    daily_reports, segments = _daily_reports(cast)
    return SimpleNamespace(
        deals=deals, pipelines=pipelines, support=support, daily_reports=daily_reports, segments=segments,
        webhook=webhook, webhook_delivery=webhook_delivery,
        cast=cast, secret_co=secret_co, secret=secret, gone=gone, team_co=team_co, team_person=team_person,
        public_co=public_co, public=public, twin=twin, activity=activity, secret_activity=secret_activity,
        team_activity=team_activity, attachment=attachment, insights=insights, tasks=tasks,
        relationships=relationships, merge=merge, job=job, notifications=[n.pk for n in notices],
        people=[secret, gone, team_person, public, twin], companies=[secret_co, team_co, public_co],
        activities=[activity, secret_activity, team_activity],
        employments=[job_ for person in (secret, team_person, public) for job_ in person.employments.all()],
        sites=list(public_co.sites.all()),
        users=[cast.owner, cast.outsider, cast.admin], rules=rules, **_sales(cast, deals),
    )  # fmt: skip


def _sales(cast, deals) -> dict:
    """A quote on the private deal (鍵穴) and one on the public deal of the private company (its 宛名 is that
    company: hidden from readers who may not see it), both issued to their timelines, and a product."""
    from kizuna.sales.models import QuoteIssuer
    from kizuna.sales.services import products as product_services
    from kizuna.sales.services import quote_documents, quotes

    o = cast.owner
    hidden, shown = deals[0], deals[1]
    QuoteIssuer.objects.create(pk=1, name="株式会社絆テック", registration_number="T7000012050002")
    product = product_services.create_product(actor=cast.admin, data={"code": "P-1", "name": "公開の部品"})
    secret_quote = quotes.create_quote(actor=o, deal=hidden, data={"lines": [{"name": "鍵穴の治具"}],
                                                                   "notes": "鍵穴の値引条件"})  # fmt: skip
    public_quote = quotes.create_quote(actor=o, deal=shown, data={"lines": [{"product": product.pk}]})
    for quote in (secret_quote, public_quote):  # readers get the filed PDF, or a masked rendering
        quote_documents.issue(actor=o, quote=quote)
    return {"quotes": [secret_quote, public_quote], "products": [product]}


def _daily_reports(cast):
    """The owner's 日報 of today (team: 班内, citing the three activities; a manager's comment) and of yesterday
    (private: 鍵穴), and the owner's own saved segment (鍵穴): no reader may read the private ones."""
    from datetime import timedelta

    from django.utils import timezone

    from kizuna.sales.services import daily_reports, segments

    o, today = cast.owner, timezone.localdate()
    team = daily_reports.save_report(actor=o, day=today, data={"impressions": "班内の所感"}, submit=True)
    daily_reports.add_comment(actor=cast.manager, report=team, data={"body": "班内のコメント"})
    private = daily_reports.save_report(actor=o, day=today - timedelta(days=1), submit=True,
                                        data={"impressions": "鍵穴の所感", "visibility": "private"})  # fmt: skip
    segment = segments.create_segment(actor=o, data={"name": "鍵穴の顧客", "object_type": "company",
                                                     "filters": {"lifecycle": ["purchase"]}})  # fmt: skip
    return [team, private], [segment]


def _automation_rules(cast) -> list:
    """A manager's rule (team 営業1部) and an administrator's rule over every record."""
    from kizuna.automation import services as automation

    data = {"name": "顧客化", "trigger": "person.updated",
            "actions": [{"action": "record.add_tag", "params": {"tag": "VIP"}}]}  # fmt: skip
    return [automation.create_rule(actor=cast.manager, data=data), automation.create_rule(actor=cast.admin, data=data)]


def _support(cast, secret, team_person, public) -> SimpleNamespace:
    """A private ticket of the secret person (with an attachment and a survey), a team ticket, a public one."""
    from kizuna.support.models import Channel, SurveyResponse
    from kizuna.support.services import csat
    from kizuna.support.services.intake import IncomingAttachment, Sender, receive

    channel = Channel.objects.create(kind="email", name="窓口", slug="crawl-mail", team=cast.team_a)
    hidden = receive(channel=channel, sender=Sender(name="鍵穴 秘子", email="kagiana@hidden.example"),
                     subject="鍵穴の問い合わせ", body_text="鍵穴の本文です",
                     attachments=[IncomingAttachment("鍵穴資料.txt", "鍵穴の添付".encode())])  # fmt: skip
    hidden.ticket.visibility, hidden.ticket.owner = "private", cast.owner
    hidden.ticket.save()
    team = receive(channel=channel, sender=Sender(email="team-only@hannai.example"), subject="班内の問い合わせ",
                   body_text="班内の記録")  # fmt: skip
    open_ = receive(channel=channel, sender=Sender(email="public@example.jp"), subject="公開の問い合わせ",
                    body_text="公開の本文")  # fmt: skip
    survey = SurveyResponse.objects.create(ticket=hidden.ticket, agent=cast.owner)
    _knowledge(cast)
    tickets = [hidden.ticket, team.ticket, open_.ticket]
    messages = [hidden.message, team.message, open_.message]
    return SimpleNamespace(
        tickets=_ids(tickets),
        messages=_ids(messages),
        attachments=_ids(hidden.message.attachments.all()),
        survey=csat.token_for(survey),
    )


def _knowledge(cast) -> None:
    """A FAQ brand, a private article marked for the public FAQ (a draft: it must show nowhere but to its owner) and
    a public one."""
    from kizuna.support.services import knowledge

    knowledge.save_brand(actor=cast.admin, data={"name": "公開FAQ", "slug": "crawl-faq"})
    knowledge.create_article(actor=cast.owner, data={"title": "鍵穴の手順", "body": "鍵穴の社内手順です。",
                                                     "audience": "public", "visibility": "private"})  # fmt: skip
    knowledge.create_article(actor=cast.owner, data={"title": "公開の手順", "body": "公開の本文", "audience": "public"})


def _webhook(cast):
    """An admin's subscription (owned by the admin, who sees every record) with one delivery of a person event."""
    from kizuna.core import events
    from kizuna.core.models import OutboxEvent
    from kizuna.webhooks import services as webhooks

    hook, _ = webhooks.create_subscription(actor=cast.admin, data={
        "name": "鍵穴連携", "url": "https://93.184.215.14/hook", "event_types": ["person.created"]})  # fmt: skip
    events.relay()
    webhooks.handle_event(OutboxEvent.objects.filter(type="person.created").first())
    return hook, hook.deliveries.first()


def _deals(cast, *, secret_co, team_co, public_co, secret, public, team_person):
    """A private deal (鍵穴 in its title), a public deal of the private company with the private person in it and
    a line item, a team deal; a team pipeline besides the default one."""
    from kizuna.sales.models import Pipeline, Stage
    from kizuna.sales.services import deals as sales
    from kizuna.sales.services import pipelines

    o = cast.owner
    hidden = sales.create_deal(
        actor=o,
        data={
            "title": "鍵穴商談",
            "company": public_co.pk,
            "visibility": "private",
            "next_step": "鍵穴の次の一手",
            "amount": 31415926,
            "contacts": [{"person": public.pk, "role": "decision_maker"}],
        },
    )
    shown = sales.create_deal(
        actor=o,
        data={
            "title": "公開商談",
            "company": secret_co.pk,
            "visibility": "public",
            "contacts": [{"person": secret.pk, "role": "decision_maker"}, {"person": public.pk, "role": "contact"}],
            "lines": [{"name": "公開部品", "quantity": 2, "unit_price": 1000}],
        },
    )
    sales.move_deal(actor=o, deal=shown, stage=Stage.objects.get(pipeline__is_default=True, name="提案"))
    team = sales.create_deal(
        actor=o,
        data={
            "title": "班内商談",
            "company": team_co.pk,
            "visibility": "team",
            "contacts": [{"person": team_person.pk, "role": "owner"}],
        },
    )
    timeline.create_activity(
        actor=o, data={"body": "鍵穴商談の打合せ", "visibility": "private", "links": [{"type": "deal", "id": shown.pk}]}
    )
    extra = pipelines.create_pipeline(
        actor=cast.admin,
        data={
            "name": "保守更新",
            "team": cast.team_b.pk,
            "stages": [
                {"name": "更新案内", "probability": 30},
                {"name": "受注", "probability": 100, "kind": "won"},
                {"name": "失注", "probability": 0, "kind": "lost"},
            ],
        },
    )
    return [hidden, shown, team], [Pipeline.objects.get(is_default=True), extra]


# --- the routes ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    pattern: str  # as Django writes it: people/<int:pk>/
    name: str
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def routes() -> list[Route]:
    """Every URL pattern of the site, the API's included, from the resolver itself."""
    found = []

    def walk(resolver, prefix):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern))
                found.append(Route(pattern, entry.name or "", params))

    walk(get_resolver(), "")
    return list({route.pattern: route for route in reversed(found)}.values())[::-1]  # the API lists a path per method


def _ids(records):
    return [record.pk for record in records]


def _custom_field_ids() -> list[int]:
    from kizuna.customfields.models import CustomField

    return _ids(CustomField.objects.all()) or [1]


def _sla_ids(model_name: str) -> list[int]:
    from django.apps import apps

    return _ids(apps.get_model("support", model_name).objects.all()) or [1]


def _faq_brands() -> list[str]:
    from kizuna.support.models import FaqBrand

    return list(FaqBrand.objects.values_list("slug", flat=True))


def fills(route: Route, w) -> list[dict] | None:
    """The path parameters to try for a route: every seeded record of the route's kind (hidden ones included).
    None means the route is unknown to the crawl — test_every_route_is_crawled names it."""
    if not route.params:
        return [{}]
    p = route.pattern
    people, companies, activities = _ids(w.people), _ids(w.companies), _ids(w.activities)
    insights, tasks, relationships = _ids(w.insights), _ids(w.tasks), _ids(w.relationships)
    by_prefix = [  # (prefix of the pattern, name of its one id parameter, ids)
        ("people/<int:pk>", "pk", people), ("companies/<int:pk>", "pk", companies),
        ("timeline/activities/<int:pk>", "pk", activities), ("timeline/capture/<int:pk>", "pk", activities),
        ("timeline/attachments/<int:pk>", "pk", [w.attachment.pk]), ("timeline/insights/<int:pk>", "pk", insights),
        ("timeline/tasks/<int:pk>", "pk", tasks), ("timeline/relationships/<int:pk>", "pk", relationships),
        ("timeline/people/<int:pk>", "pk", people), ("timeline/handover/company/<int:pk>", "pk", companies),
        ("imports/<int:pk>", "pk", [w.job.pk]), ("privacy/people/<int:pk>", "pk", people),
        ("duplicates/merges/<int:pk>", "pk", [w.merge.pk]), ("settings/users/<int:pk>", "pk", _ids(w.users)),
        ("settings/custom-fields/<int:pk>", "pk", _custom_field_ids()),
        ("api/v1/custom-fields/<field_id>", "field_id", _custom_field_ids()),
        ("accounts/users/<int:user_id>", "user_id", _ids(w.users)),
        ("accounts/tokens/<int:token_id>", "token_id", [1, 2]),
        ("api/v1/people/<person_id>", "person_id", people), ("api/v1/companies/<company_id>", "company_id", companies),
        ("api/v1/activities/<activity_id>", "activity_id", activities),
        ("api/v1/capture/<activity_id>", "activity_id", activities),
        ("api/v1/insights/<insight_id>", "insight_id", insights), ("api/v1/tasks/<task_id>", "task_id", tasks),
        ("api/v1/relationships/<relationship_id>", "relationship_id", relationships),
        ("api/v1/merges/<merge_id>", "merge_id", [w.merge.pk]), ("api/v1/imports/<job_id>", "job_id", [w.job.pk]),
        ("api/v1/users/<user_id>", "user_id", _ids(w.users)),
        ("settings/webhooks/<int:pk>", "pk", [w.webhook.pk]),
        ("api/v1/webhooks/<subscription_id>", "subscription_id", [w.webhook.pk]),
        ("api/v1/duplicates/scan/<task_id>", "task_id", ["00000000-0000-0000-0000-000000000000"]),
        ("notifications/<int:pk>", "pk", w.notifications),
        ("api/v1/notifications/<notification_id>", "notification_id", w.notifications),
        ("calendar/feed/<str:token>", "token", ["kzcal_not-a-valid-token", "x"]),  # a bad secret: 404
        ("settings/automation/<int:pk>", "pk", _ids(w.rules)),
        ("sales/reports/daily/<int:pk>", "pk", _ids(w.daily_reports)),
        ("sales/segments/<int:pk>", "pk", _ids(w.segments)),
        ("api/v1/segments/<segment_id>", "segment_id", _ids(w.segments)),
        ("api/v1/reports/daily/<report_id>", "report_id", _ids(w.daily_reports)),
        ("api/v1/automation/rules/<rule_id>", "rule_id", _ids(w.rules)),
        ("support/tickets/<int:pk>", "pk", w.support.tickets), ("support/messages/<int:pk>", "pk", w.support.messages),
        ("support/attachments/<int:pk>", "pk", w.support.attachments),
        ("support/survey/<str:token>", "token", [w.support.survey, "x"]),
        ("api/v1/tickets/<ticket_id>", "ticket_id", w.support.tickets),
        ("support/cti/calls/<int:pk>", "pk", [1]),  # POST only: GET is a 405
        ("support/live/tickets/<int:pk>", "pk", w.support.tickets),
        ("support/settings/channels/new/<slug:kind>", "kind", ["email", "chat", "nonsense"]),
        ("support/settings/channels/<int:pk>", "pk", _sla_ids("Channel")),
        ("support/settings/calendars/<int:pk>", "pk", _sla_ids("BusinessCalendar")),
        ("api/v1/calendars/<calendar_id>", "calendar_id", _sla_ids("BusinessCalendar")),
        ("support/settings/sla-policies/<int:pk>", "pk", _sla_ids("SlaPolicy")),
        ("api/v1/sla-policies/<policy_id>", "policy_id", _sla_ids("SlaPolicy")),
        ("api/v1/tickets/<ticket_id>/sla", "ticket_id", _sla_ids("Ticket")),
        ("sales/deals/<int:pk>", "pk", _ids(w.deals)), ("sales/board/deals/<int:pk>", "pk", _ids(w.deals)),
        ("sales/pipelines/<int:pk>", "pk", _ids(w.pipelines)),
        ("sales/board/stages/<int:stage>", "stage", [*_open_stage_ids(), 999999]),
        ("api/v1/deals/<deal_id>", "deal_id", _ids(w.deals)),
        ("api/v1/pipelines/<pipeline_id>", "pipeline_id", _ids(w.pipelines)),
        ("sales/quotes/<int:pk>", "pk", _ids(w.quotes)), ("sales/settings/products/<int:pk>", "pk", _ids(w.products)),
        ("api/v1/quotes/<quote_id>", "quote_id", _ids(w.quotes)),
        ("api/v1/products/<product_id>", "product_id", _ids(w.products)),
        ("support/knowledge/<int:pk>", "pk", _sla_ids("Article")), ("api/v1/articles/<article_id>", "article_id",
                                                                    _sla_ids("Article")),
    ]  # fmt: skip
    for prefix, name, ids in by_prefix:
        if p.startswith(prefix) and route.params == (name,):
            return [{name: i} for i in ids]
    pairs = {  # routes with two parameters: (kind, id) or (parent, child)
        ("kind", "pk"): (
            [{"kind": "person", "pk": i} for i in people] + [{"kind": "company", "pk": i} for i in companies]
            + [{"kind": "activity", "pk": i} for i in activities]
        ),
        ("object_type", "pk"): (
            [{"object_type": "person", "pk": i} for i in people] + [{"object_type": "company", "pk": i}
                                                                    for i in companies]
            + [{"object_type": "activity", "pk": i} for i in activities]
        ),
        ("kind", "record_id"): (
            [{"kind": "people", "record_id": i} for i in people]
            + [{"kind": "companies", "record_id": i} for i in companies]
            + [{"kind": "activities", "record_id": i} for i in activities]
            + [{"kind": "insights", "record_id": i} for i in insights]
            + [{"kind": "tasks", "record_id": i} for i in tasks]
        ),
        ("person_pk", "pk"): [{"person_pk": e.person_id, "pk": e.pk} for e in w.employments],
        ("person_id", "employment_id"): [{"person_id": e.person_id, "employment_id": e.pk} for e in w.employments],
        ("company_pk", "pk"): [{"company_pk": s.company_id, "pk": s.pk} for s in w.sites],
        ("company_id", "site_id"): [{"company_id": s.company_id, "site_id": s.pk} for s in w.sites],
        ("uidb64", "token"): [{"uidb64": "MQ", "token": "set-password"}],
        ("pk", "delivery_pk"): [{"pk": w.webhook.pk, "delivery_pk": w.webhook_delivery.pk}],
        ("subscription_id", "delivery_id"): [{"subscription_id": w.webhook.pk,
                                              "delivery_id": w.webhook_delivery.pk}],
        ("site", "action"): [{"site": "no-such-site", "action": a} for a in ("config", "messages")],
        ("pk", "day_pk"): [{"pk": c, "day_pk": 1} for c in _sla_ids("BusinessCalendar")],
        ("calendar_id", "day_id"): [{"calendar_id": c, "day_id": 1} for c in _sla_ids("BusinessCalendar")],
        ("pk", "person_pk"): [{"pk": d.pk, "person_pk": c.person_id} for d in w.deals for c in d.contacts.all()],
        ("pk", "position"): [{"pk": d.pk, "position": 0} for d in w.deals],
        ("brand", "pk"): [{"brand": b, "pk": a} for b in ("no-such-brand", *_faq_brands())
                          for a in _sla_ids("Article")],
    }  # fmt: skip
    if route.params in pairs:
        return pairs[route.params]
    single = {
        "kind": [{"kind": k} for k in ("person", "company")],
        "person_pk": [{"person_pk": i} for i in people],
        "company_pk": [{"company_pk": i} for i in companies],
        "key": [{"key": k} for k in ("member", "readonly", "admin")],
        "channel": [{"channel": "no-such-channel"}],  # LINE and CTI hooks: POST only
        "brand": [{"brand": b} for b in ("no-such-brand", *_faq_brands())],  # the public FAQ
    }
    if len(route.params) == 1 and route.params[0] in single:
        return single[route.params[0]]
    return None


def queries(route: Route, w) -> list[dict]:
    """Query strings that make a route show more: searches for the canaries, filters by hidden records, formats."""
    hidden_person, hidden_company = w.secret.pk, w.secret_co.pk
    probes = [{"q": q} for q in ("鍵穴", "カギアナ", "3141", "kagiana", "2718", "masked-mail", "班内", "公開")]
    extra = {
        "search/quick/": probes,
        "people/": [*probes, {"company": hidden_company}, {"company": w.team_co.pk}, {"tag": "鍵穴"},
                    {"custom.vault": "鍵穴"}, {"sort": "-custom.vault"}, {"cols_set": "1", "col": "vault"}],
        "companies/": [*probes, {"parent": hidden_company}],
        "companies/options/": [*probes, {"company": hidden_company}, {"parent": hidden_company}],
        "export/<str:kind>/": [{"format": f} for f in ("csv", "xlsx", "vcf")] + [{"encoding": "cp932"},
                                                                                 {"custom.vault": "鍵穴"}],
        "duplicates/<str:kind>/": [{"status": "open"}],
        "duplicates/<str:kind>/review/": [
            {"ids": f"{w.public.pk},{w.twin.pk}"}, {"ids": f"{hidden_person},{w.public.pk}"},
            {"ids": f"{w.secret_co.pk},{w.public_co.pk}"},
        ],
        "timeline/insights/new/": [{"person": hidden_person}, {"company": hidden_company}, {"person": w.public.pk}],
        "timeline/tasks/new/": [
            {"person": hidden_person}, {"company": hidden_company}, {"activity": w.secret_activity.pk},
        ],
        "timeline/activities/new/": [{"person": hidden_person}, {"company": hidden_company}],
        "timeline/cards/new/": [{"company": hidden_company}],
        "timeline/tasks/": [{"days": 365}, {"status": "open"}],
        "timeline/handover/": [{"company": hidden_company}, {"company": w.public_co.pk}, {"user": w.cast.owner.pk}],
        "timeline/handover/company/<int:pk>/brief/": [{"format": "pdf"}],
        "timeline/<str:kind>/<int:pk>/entries/": [{"kind": "note"}, {"user": w.cast.owner.pk}],
        "people/<int:pk>/": [{"tab": "history"}, {"tab": "timeline"}],
        "companies/<int:pk>/": [{"tab": "history"}, {"tab": "people"}],
        "audit/": [{"q": "鍵穴"}],
        "api/v1/search": probes,
        "api/v1/people": [{"q": "鍵穴"}, {"company": hidden_company}, {"q": "2718"}, {"custom.vault": "鍵穴"},
                          {"sort": "-custom.vault"}],
        "api/v1/custom-fields": [{"object_type": "person"}, {"object_type": "person", "removed": "true"}],
        "api/v1/companies": [{"q": "鍵穴"}, {"parent": hidden_company}],
        "api/v1/activities": [{"person": w.public.pk}, {"company": hidden_company}],
        "api/v1/insights": [{"person": w.public.pk}, {"company": w.public_co.pk}],
        "api/v1/tasks": [{"person": hidden_person}, {"status": "open"}],
        "api/v1/people/duplicates": [{"min_score": 0.1}],
        "api/v1/duplicates": [{"kind": "person"}, {"kind": "company"}],
        "api/v1/people/<person_id>/timeline": [{"kind": "note"}],
        "sales/quotes/": [{"status": "draft"}],
        "sales/deals/export/": [{"format": "csv", "encoding": "cp932"}, {"format": "xlsx"}],
        "sales/settings/products/export/": [{"format": "xlsx"}],
        "api/v1/quotes": [{"deal": w.deals[0].pk}, {"latest": "false"}],
        "api/v1/products": [{"q": "公開"}],
    }  # fmt: skip
    return [{}, *extra.get(route.pattern, [])]


def urls(route: Route, w) -> list[str]:
    out = []
    for kwargs in fills(route, w) or []:
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m, k=kwargs: str(k[m.group(1)]), route.pattern)
        for query in queries(route, w):
            out.append(path + ("?" + urllib.parse.urlencode(query) if query else ""))
    return out


# --- what a reader gets out of a response --------------------------------------------------------------------
PDFTOTEXT = shutil.which("pdftotext")


def readable(response) -> str:
    """Every way a canary could show in the body: decoded, unescaped, unquoted; PDF and xlsx as their text."""
    content = response.content if not getattr(response, "streaming", False) else b"".join(response.streaming_content)
    kind = response.get("Content-Type", "")
    texts = []
    if "pdf" in kind:
        texts.append(_pdf_text(content))
    elif "spreadsheetml" in kind:
        texts.append(_xlsx_text(content))
    elif "json" in kind:
        with contextlib.suppress(ValueError):
            texts.append(json.dumps(json.loads(content), ensure_ascii=False))
    for encoding in ("utf-8", "cp932", "utf-16"):
        try:
            texts.append(content.decode(encoding))
            break
        except UnicodeDecodeError:
            continue
    else:
        texts.append(content.decode("utf-8", "replace"))
    texts += [urllib.parse.unquote(html.unescape(text)) for text in texts]
    texts += [value for key, value in response.items() if key.lower() in ("content-disposition", "location")]
    return "\n".join(texts)


def _pdf_text(content: bytes) -> str:
    if not PDFTOTEXT or not content.startswith(b"%PDF"):
        return content.decode("latin-1")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        return subprocess.run([PDFTOTEXT, pdf.name, "-"], capture_output=True, text=True, check=True).stdout


def _xlsx_text(content: bytes) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)


@dataclass
class Report:
    requests: int = 0
    statuses: dict = field(default_factory=dict)
    leaks: list = field(default_factory=list)  # (url, canary)
    seen: set = field(default_factory=set)  # canaries found (the owner's crawl must find every one)
    crashes: list = field(default_factory=list)
    routes: set = field(default_factory=set)  # patterns requested


def _beat() -> None:
    """The clock and the worker are alive: /readyz answers 200 like the other pages."""
    from kizuna.ops import heartbeat

    heartbeat.beat()
    heartbeat.worker_beat.call()


@contextlib.contextmanager
def beats_never_late():
    """A slow crawl outlasts a heartbeat: the clock and the worker are alive all along, and /readyz must say so."""
    from kizuna.ops import heartbeat

    with mock.patch.object(heartbeat, "LATE_AFTER", timedelta(days=1)):
        yield


def crawl(client, w, look_for: tuple[str, ...], only=None) -> Report:
    """GET every URL of every route as the client's user; note each canary found in a body."""
    report = Report()
    for route in routes():
        if only is not None and not only(route):
            continue
        for url in urls(route, w):
            with beats_never_late():  # a slow crawl outlasts a beat: the clock and the worker are alive all along
                response = client.get(url)
            report.requests += 1
            report.routes.add(route.pattern)
            report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                report.crashes.append((url, response.status_code))
                continue
            text = readable(response)
            echoed = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)
            for canary in look_for:
                if canary in text and not any(canary in value for _, value in echoed):  # a query shown back
                    report.seen.add(canary)
                    report.leaks.append((url, canary))
    return report


def _open_stage_ids() -> list[int]:
    from kizuna.sales.models import Stage

    return list(Stage.objects.filter(kind="open").values_list("pk", flat=True))
