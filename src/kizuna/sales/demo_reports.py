"""Demo data (core.demo): 日報 for the reps over the last three weeks — most submitted, the older ones confirmed by
their manager, some with a comment thread — and lifecycle stages from the demo's deals (dated when the deal was
made or won), so the feed, the 週報 and the journey funnel tell a story on `make run`."""

from datetime import timedelta

from django.utils import timezone

from kizuna.core.permissions import Scope, has_perm, scope_of

from .models import Deal, Stage
from .services import daily_reports, journey
from .services.report_drafts import build_draft, day_bounds

IMPRESSIONS = [
    "新ラインの稟議が来月に回る見込み。決裁者は工場長なので、次回は工場長同席の場を作りたい。",
    "価格より納期の相談が多かった。短納期品の在庫を営業所で持てないか確認したい。",
    "競合が値下げ提案をしている様子。価格以外の価値（品質データ、立ち上げ支援）を整理して伝える。",
    "技術の同行で話が一気に進んだ。仕様の詰めは技術に任せ、こちらは導入時期と予算を押さえる。",
    "担当者が異動予定とのこと。後任の方を紹介してもらえるよう次回お願いする。",
    "",
]
PLANS = ["午前: 見積作成、午後: 訪問2件", "社内会議のあと既存顧客へ電話フォロー", "展示会の準備と来場者へのお礼メール",
         "技術と同行訪問（試作品の評価）", ""]  # fmt: skip
COMMENTS = ["工場長との面談、同行しますので日程を調整してください。", "競合の動き、来週の営業会議で共有しましょう。",
            "よく進みました。見積の前提条件だけ確認をお願いします。"]  # fmt: skip
REPLIES = ["承知しました。候補日を送ります。", "資料をまとめておきます。"]


def _managers(users) -> dict:
    return {u.team_id: u for u in users if u.team_id and scope_of(u) == Scope.TEAM}


def load(users, rng) -> str:
    reps = [u for u in users if has_perm(u, "daily_report", "create") and not u.is_superuser
            and scope_of(u) == Scope.STANDARD]  # fmt: skip
    managers = _managers(users)
    today = timezone.localdate()
    made = confirmed = commented = 0
    for rep in reps[:6]:
        manager = managers.get(rep.team_id)
        for back in range(1, 22):
            day = today - timedelta(days=back)
            if day.weekday() >= 5 or build_draft(rep, day).is_empty:
                continue
            data = {"impressions": rng.choice(IMPRESSIONS), "plan": rng.choice(PLANS)}
            report = daily_reports.save_report(actor=rep, day=day, data=data, submit=back > 1 or rng.random() < 0.5)
            made += 1
            if manager is None or report.status == report.Status.DRAFT:
                continue
            if rng.random() < 0.35:
                daily_reports.add_comment(actor=manager, report=report, data={"body": rng.choice(COMMENTS)})
                commented += 1
                if rng.random() < 0.5:
                    daily_reports.add_comment(actor=rep, report=report, data={"body": rng.choice(REPLIES)})
            if back > 3 and rng.random() < 0.8:
                daily_reports.confirm_report(actor=manager, report=report)
                confirmed += 1
    moved = _lifecycles(users, rng)
    return f"daily reports {made} (confirmed {confirmed}, commented {commented}), lifecycle changes {moved}"


def _lifecycles(users, rng) -> int:
    """Stages from the deals, dated when each deal was made or won; a few early-stage companies set by hand."""
    moved = 0
    for deal in Deal.objects.alive().select_related("company", "stage").order_by("created_at", "id"):
        when = deal.created_at
        if deal.stage.kind == Stage.Kind.WON and deal.won_on:
            when = day_bounds(deal.won_on)[0] + timedelta(hours=10)
        moved += len(journey.refresh_for_deal(deal, reason="demo", at=when))
    from kizuna.contacts.models import Company

    from .models.journey import JourneyStage, Lifecycle

    quiet = Company.objects.alive().exclude(pk__in=Lifecycle.objects.filter(company__isnull=False).values("company_id"))
    for company in quiet.order_by("pk")[:40]:
        if rng.random() < 0.5 and company.owner is not None:
            journey.set_stage(actor=company.owner, obj=company, stage=JourneyStage.INTEREST, reason="展示会で来場")
            moved += 1
    return moved
