"""Three months of a contact center (core.demo): channels of every kind (メール, LINE, Webチャット, 電話), the
call-reason taxonomy, macros, agents' settings, and realistic Japanese tickets written through intake and the ticket
services — answered, waiting for the customer, resolved with a call reason, some complaints, and satisfaction answers.
Nothing is sent: replies are recorded with the channels' senders paused."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from kizuna.contacts.models import ContactPoint, Person
from kizuna.core.permissions import has_perm

from .channels import senders_paused
from .models import AgentProfile, CallReason, Channel, Message, SurveyResponse, Ticket
from .services import conversations, csat, macros, reasons
from .services import tickets as service
from .services.intake import Sender, receive

CHANNELS = [("email", "サポート窓口（メール）", "support-mail"), ("line", "公式LINE", "line-official"),
            ("chat", "Webチャット", "web-chat"), ("phone", "サポートダイヤル", "support-phone")]  # fmt: skip
# (call reason, subject, customer's words, agent's answer)
STORIES = [
    (
        "請求書の再発行",
        "請求書の再発行のお願い",
        "{month}月分の請求書を紛失してしまいました。再発行をお願いできますか。",
        "{name}様\n\nお問い合わせありがとうございます。{month}月分の請求書を本日再発行し、ご登録の住所へ郵送いたしました。",
    ),
    (
        "請求金額の確認",
        "請求金額について",
        "今月の請求額が先月より高いようです。内訳を教えてください。",
        "{name}様\n\n今月はオプション利用分が加算されております。明細をお送りしますのでご確認ください。",
    ),
    (
        "支払い方法の変更",
        "支払方法を口座振替にしたい",
        "来月から支払いを口座振替に変更したいのですが、手続きを教えてください。",
        "{name}様\n\n口座振替依頼書をお送りします。ご記入・ご捺印のうえご返送ください。",
    ),
    (
        "不具合",
        "管理画面にログインできません",
        "昨日から管理画面でエラーが表示され、ログインできません。至急対応をお願いします。",
        "{name}様\n\nご不便をおかけし申し訳ございません。認証サーバーの設定を修正いたしました。再度お試しください。",
    ),
    (
        "使い方",
        "CSVの取り込み方法",
        "顧客データをCSVで取り込みたいのですが、文字コードは何にすればよいですか。",
        "{name}様\n\nShift_JIS（CP932）とUTF-8のどちらでも取り込めます。手順書を添付いたします。",
    ),
    (
        "仕様の確認",
        "型番ABC-200の耐熱温度",
        "ABC-200の耐熱温度と、連続使用時の条件を教えてください。",
        "{name}様\n\nABC-200の耐熱温度は120℃、連続使用は100℃以下を推奨しております。",
    ),
    (
        "納期の確認",
        "注文品の納期について",
        "先週注文した部品の納期を教えてください。ラインの立ち上げに間に合うか心配です。",
        "{name}様\n\nご注文品は来週水曜日の出荷予定です。出荷後に追跡番号をお知らせいたします。",
    ),
    (
        "配送状況",
        "荷物が届きません",
        "出荷済みの連絡をいただいた荷物がまだ届いていません。",
        "{name}様\n\n運送会社に確認したところ、明日午前中のお届け予定です。ご迷惑をおかけしております。",
    ),
    (
        "届いた商品の破損",
        "届いた商品が破損していました",
        "本日届いた商品の外箱がつぶれており、中身も割れていました。",
        "{name}様\n\n大変申し訳ございません。代替品を本日手配いたしました。破損品は着払いでご返送ください。",
    ),
    (
        "解約",
        "解約の手続きについて",
        "今月末で契約を解約したいと考えています。必要な手続きを教えてください。",
        "{name}様\n\n解約届をお送りします。月末までにご提出いただければ当月末での解約となります。",
    ),
    (
        "ログインできない",
        "パスワードを忘れました",
        "パスワードを忘れてしまいログインできません。",
        "{name}様\n\nパスワード再設定のご案内をお送りしました。メール記載のリンクから再設定してください。",
    ),
    (
        "対応へのご不満",
        "対応が遅すぎます",
        "先週から何度も問い合わせていますが、まだ回答がありません。どうなっているのですか。",
        "{name}様\n\nご連絡が遅くなり誠に申し訳ございません。責任者より本日中にお電話いたします。",
    ),
]
MACROS = [
    ("お礼（初回返信）", "{{お客様名}} 様\n\nお問い合わせいただきありがとうございます。\n担当の{{担当者名}}です。"
     "（お問い合わせ番号: {{問い合わせ番号}}）\n\n"),
    ("確認中のご連絡", "{{お客様名}} 様\n\nお問い合わせの件（{{問い合わせ番号}}）、ただいま担当部署に確認しております。"
     "本日中に改めてご連絡いたします。\n\n{{担当者名}}"),
    ("解決のご確認", "{{お客様名}} 様\n\nその後、問題は解消されましたでしょうか。"
     "ご不明点があればこのままご返信ください。\n\n{{担当者名}}"),
]  # fmt: skip


def _agents(users) -> list:
    return [u for u in users if has_perm(u, "ticket", "edit") and not u.is_superuser and u.username != "admin"]


def _setup(agents, support_team) -> dict:
    reasons.seed_default()
    channels = {}
    for kind, name, slug in CHANNELS:
        channels[kind], _ = Channel.objects.get_or_create(slug=slug, defaults={
            "kind": kind, "name": name, "team": support_team,
            "settings": {"assignment": "round_robin" if kind in ("email", "chat") else "manual"}})  # fmt: skip
    for agent in agents:
        if agent.team_id == getattr(support_team, "pk", None):
            AgentProfile.objects.get_or_create(user=agent, defaults={"skills": ["請求", "技術"], "channel_kinds": []})
    return channels


def _sender(person: Person | None, kind: str, rng) -> Sender:
    if person is None:
        n = rng.randint(1000, 9999)
        return {
            "email": Sender(name="", email=f"guest{n}@example.jp"),
            "line": Sender(name="LINEユーザー", line_user_id=f"Udemo{n}"),
            "chat": Sender(name="", chat_visitor_id=f"v-{n}"),
            "phone": Sender(phone=f"090-{n}-{rng.randint(1000, 9999)}"),
        }[kind]
    points = {p.kind: p.value for p in ContactPoint.objects.filter(person=person)}
    name = f"{person.family_name} {person.given_name}".strip()
    if kind == "line":
        return Sender(name=name, line_user_id=f"Udemo{person.pk:08d}")
    if kind == "chat":
        return Sender(name=name, email=points.get("email", ""), chat_visitor_id=f"chat-{person.pk}")
    if kind == "phone":
        return Sender(name=name, phone=points.get("phone", ""))
    return Sender(name=name, email=points.get("email", f"demo{person.pk}@example.jp"))


def load(users, rng) -> str:
    agents = _agents(users)
    if not agents:
        return "no agents"
    support = next((a for a in agents if a.team and "サポート" in a.team.name), agents[0])
    channels = _setup(agents, support.team)
    for name, body in MACROS:
        if not macros.Macro.objects.filter(name=name).exists():
            macros.save_macro(actor=users[0], data={"name": name, "body": body})
    by_name = {r.name: r for r in CallReason.objects.filter(parent__isnull=False)}
    people = list(Person.objects.alive().filter(company__isnull=False).order_by("pk")[:400])
    now = timezone.now()
    counts = {"tickets": 0, "complaints": 0, "resolved": 0, "csat": 0}
    with senders_paused():
        for i in range(180):
            kind = rng.choice(["email", "email", "email", "line", "line", "chat", "phone", "phone"])
            person = rng.choice(people) if people and rng.random() < 0.8 else None
            reason_name, subject, words, answer = rng.choice(STORIES)
            asked = now - timedelta(days=rng.uniform(0, 90), hours=rng.uniform(0, 8))
            asked = asked.replace(hour=rng.randint(9, 18))
            month = asked.month - 1 or 12
            got = receive(
                channel=channels[kind], sender=_sender(person, kind, rng), subject=subject if kind == "email" else "",
                body_text=words.format(month=month), external_id=f"demo-{kind}-{i}", sent_at=asked,
            )  # fmt: skip
            ticket, counts["tickets"] = got.ticket, counts["tickets"] + 1
            agent = ticket.owner or support
            age = (now - asked).days
            _answer(ticket, agent, answer, asked, rng, age)
            if reason_name == "対応へのご不満" or rng.random() < 0.04:
                conversations.set_complaint(actor=agent, ticket=ticket, is_complaint=True, reason="お客様が強くご不満")
                counts["complaints"] += 1
            if age > 5 and rng.random() < 0.8:
                counts["resolved"] += 1
                done = service.set_status(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), status="resolved",
                                          call_reason=by_name[reason_name].pk)  # fmt: skip
                resolved_at = asked + timedelta(hours=rng.uniform(2, 72))
                Ticket.objects.filter(pk=done.pk).update(resolved_at=resolved_at)
                if age > 20:
                    service.set_status(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk), status="closed")
                    Ticket.objects.filter(pk=done.pk).update(closed_at=resolved_at + timedelta(days=7))
                counts["csat"] += _survey(done, rng, resolved_at)
            _backdate(ticket, asked)
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def _answer(ticket, agent, answer, asked, rng, age) -> None:
    name = str(ticket.person) if ticket.person_id else "お客様"
    if age < 1 and rng.random() < 0.5:
        return  # still waiting for a first answer
    if rng.random() < 0.3:
        service.add_note(actor=agent, ticket=ticket, body_text="過去にも同様のお問い合わせあり。丁寧に対応すること。")
    message = service.reply(actor=agent, ticket=Ticket.objects.get(pk=ticket.pk),
                            body_text=answer.format(name=name, month=asked.month - 1 or 12),
                            status="waiting" if rng.random() < 0.3 else "")  # fmt: skip
    replied = asked + timedelta(minutes=rng.randint(10, 600))
    Message.objects.filter(pk=message.pk).update(sent_at=replied)
    Ticket.objects.filter(pk=ticket.pk).update(first_responded_at=replied, last_message_at=replied)


def _survey(ticket, rng, resolved_at) -> int:
    survey = SurveyResponse.objects.filter(ticket=ticket).first()
    if survey is None or rng.random() > 0.6:
        return 0
    rating = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 3, 6, 8])[0]
    comment = rng.choice(
        ["", "丁寧に対応していただきました。", "回答が早くて助かりました。", "もう少し早く連絡がほしかった。"]
    )
    csat.answer(token=csat.token_for(survey), rating=rating, comment=comment)
    SurveyResponse.objects.filter(pk=survey.pk).update(
        sent_at=resolved_at, answered_at=resolved_at + timedelta(hours=5)
    )
    Message.objects.filter(ticket=ticket, meta__survey=survey.pk).update(sent_at=resolved_at)
    return 1


def _backdate(ticket, asked) -> None:
    """The services stamp now; the demo's history happened over three months."""
    Ticket.objects.filter(pk=ticket.pk).update(created_at=asked, updated_at=F("last_message_at"))
    Message.objects.filter(ticket_id=ticket.pk, direction=Message.Direction.NOTE).update(
        sent_at=asked + timedelta(minutes=5)
    )
