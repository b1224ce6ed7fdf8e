"""Deals from the capture line: `#山田製作所 $検査治具更新 300万 !月末 工場長が乗り気`.

`$<案件名>` names a deal of the company written with `#`; an amount may follow (300万, 1.2億, ¥3,000,000, 5000円)
and then `!<受注予定日>` (月末, 来月末, 12/25, 来週金曜 — whatever the capture line reads as a date). When the
company has an open deal of that name (one the writer may see), the note is linked to it and a given amount or
date updates it; otherwise a deal is created in the first stage of the writer's team pipeline, with the people
written with `@` as 窓口. The rest of the line is the activity, linked to the deal. Registered as a capture marker
(timeline.capture.register_marker) from SalesConfig.ready.

Undoing the capture (timeline's 取り消し) deletes a deal the line created — through the deal service, audited, so it
can be restored — unless the deal was changed since (edited or moved, another activity or a quote on it, or the user
may not delete deals): then the deal stays and the undo says so. A deal the line only linked to is left as it is."""

import re

from django.utils.translation import gettext as _

from kizuna.core.japanese import parse_relative_date
from kizuna.core.permissions import has_perm
from kizuna.timeline.capture import MarkerPlan, MarkerSaved

from .models import CapturedDeal, Deal, DealContact, Stage
from .money import format_yen, parse_yen

_AMOUNT = r"[¥￥]?[0-9０-９][0-9０-９,，.．]*(?:千万|百万|千|万|億)?円?"
PATTERN = re.compile(
    r"[$＄](?P<title>[^\s0-9０-９$＄@＠#＃!！][^\s$＄@＠#＃!！]*)"  # "$100" is money, not a deal
    rf"(?:[ 　]+(?P<amount>{_AMOUNT})(?=[\s　!！]|$))?"
    r"(?:[ 　]*[!！](?P<close>[^\s　@＠#＃!！]+))?"
)


def plan(actor, matches, capture_plan, today) -> MarkerPlan:
    out = MarkerPlan(data=[])
    if not has_perm(actor, "deal", "create"):
        out.problems.append(_("商談を作成する権限がありません。"))
        out.blocking = True
        return out
    companies = capture_plan.companies
    company = companies[0].chosen if companies else None
    if company is None:
        out.blocking = True
        if not companies:
            out.problems.append(_("商談には「#会社名」を書いてください（例: #山田製作所 $検査治具更新 300万）。"))
        elif not companies[0].candidates:
            out.problems.append(_("商談の会社「#%(name)s」が見つかりません。") % {"name": companies[0].text})
        return out  # an ambiguous company is chosen in the preview first
    for match in matches:
        title = match["title"].strip()[:200]
        amount = parse_yen(match["amount"]) if match.get("amount") else None
        close = parse_relative_date(match["close"], today) if match.get("close") else None
        if match.get("amount") and amount is None:
            out.problems.append(_("「%(text)s」は金額として読めません。") % {"text": match["amount"]})
        if match.get("close") and close is None:
            out.problems.append(_("「%(text)s」は日付として読めないため、受注予定日なしで扱います。")
                                % {"text": match["close"]})  # fmt: skip
        existing = (Deal.objects.visible_to(actor).filter(company=company, title=title, stage__kind=Stage.Kind.OPEN)
                    .order_by("-updated_at").first())  # fmt: skip
        item = {"title": title, "amount": amount, "close": close, "company": company, "deal": existing}
        out.data.append(item)
        details = "".join([f" {format_yen(amount)}" if amount is not None else "",
                           f" {_('受注予定')} {close:%Y/%m/%d}" if close else ""])  # fmt: skip
        if existing is not None:
            out.summary.append((_("商談"), _("既存の商談「%(title)s」に紐づけ%(details)s")
                                % {"title": title, "details": details}))  # fmt: skip
        else:
            out.summary.append((_("商談"), _("「%(title)s」を%(company)sに作成%(details)s")
                                % {"title": title, "company": company.name, "details": details}))  # fmt: skip
    out.body = _("商談「%(title)s」") % {"title": out.data[0]["title"]} if out.data else ""
    return out


def save(actor, marked: MarkerPlan, capture_plan) -> MarkerSaved:
    from .services import deals as services

    saved = MarkerSaved()
    for item in marked.data:
        deal = item["deal"]
        changes = {}
        if item["amount"] is not None:
            changes["amount"] = item["amount"]
        if item["close"] is not None:
            changes["expected_close_on"] = item["close"]
        if deal is None:
            contacts = [{"person": p.pk, "role": DealContact.Role.CONTACT} for p in capture_plan.chosen_people]
            deal = services.create_deal(actor=actor, data={"title": item["title"], "company": item["company"].pk,
                                                           "contacts": contacts, **changes})  # fmt: skip
            CapturedDeal.objects.create(deal=deal, version=deal.version)
            saved.lines.append(_("商談を作成: %(title)s %(amount)s") % {"title": deal.title,
                                                                    "amount": format_yen(deal.amount)})  # fmt: skip
        else:
            if changes:
                services.update_deal(actor=actor, deal=deal, data=changes)
            saved.lines.append(_("商談に紐づけ: %(title)s") % {"title": deal.title})
        saved.links.append({"type": "deal", "id": deal.pk})
        saved.objects.append(deal)
    return saved


def _changed_since(deal: Deal, origin: CapturedDeal, activity) -> bool:
    from kizuna.timeline.models import ActivityLink

    others = ActivityLink.objects.filter(object_type="deal", object_id=deal.pk, activity__deleted_at__isnull=True)
    return (deal.version != origin.version or others.exclude(activity=activity).exists()
            or deal.quotes.alive().exists())  # fmt: skip


def undo(actor, activity) -> list[str]:
    """The deals this capture created go again (soft delete through the service, audited); one changed since stays,
    with a notice. Runs in the transaction of timeline.services.undo_capture, before the activity is deleted."""
    from kizuna.core.permissions import can_write_record
    from kizuna.timeline.models import ActivityLink

    from .services import deals as services

    linked = ActivityLink.objects.filter(activity=activity, object_type="deal").values_list("object_id", flat=True)
    notices = []
    for origin in CapturedDeal.objects.filter(deal_id__in=list(linked)).select_related("deal").order_by("deal_id"):
        deal = origin.deal
        # The deal and this activity were written in one transaction: its first link is the capture that made it.
        first = (ActivityLink.objects.filter(object_type="deal", object_id=deal.pk).order_by("activity_id")
                 .values_list("activity_id", flat=True).first())  # fmt: skip
        if first != activity.pk or deal.deleted_at is not None:
            continue
        if _changed_since(deal, origin, activity):
            notices.append(_("商談「%(title)s」はこの入力の後に変更されたため、削除せずに残しました。不要なら商談の"
                             "ページから削除してください。") % {"title": deal.title})  # fmt: skip
        elif not can_write_record(actor, deal, "delete"):
            notices.append(_("商談「%(title)s」を削除する権限がないため、残しました。") % {"title": deal.title})
        else:
            services.delete_deal(actor=actor, deal=deal, version=origin.version)
    return notices
