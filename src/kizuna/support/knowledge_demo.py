"""Demo knowledge (core.demo, after the support desk's tickets): FAQ categories, the public FAQ of the demo brand
(searchable from the demo chat site), about thirty articles of a manufacturer's support center linked to their call
reasons (one frequent reason, 配送状況, has none: the FAQ gaps report shows it), a few readers' answers, the triage
of urgent demo tickets, and the classifiers trained on the resolved demo tickets."""

from kizuna.core.permissions import has_perm, is_admin

from .models import Article, AssistModel, CallReason, Channel, Ticket
from .services import classifier, knowledge
from .services import tickets as ticket_service

CATEGORIES = [
    "製品の使い方",
    "故障・修理",
    "仕様・型番",
    "納期・配送",
    "請求・お支払い",
    "契約・アカウント",
    "保証・サポート",
]
# (category, title, body, audience, call reasons)
ARTICLES = [
    (
        "故障・修理",
        "電源が入らないときの確認手順",
        "電源が入らない場合は、次の順にご確認ください。\n"
        "1. 電源コードがコンセントと本体の両方にしっかり差し込まれているか。\n"
        "2. ブレーカーや電源タップのスイッチが切れていないか。\n3. 本体背面の主電源スイッチが「ON」になっているか。\n"
        "それでも電源が入らない場合は、製造番号（本体側面の銘板に記載）をお手元にご用意のうえ、修理窓口へご連絡ください。",
        "public",
        ["不具合"],
    ),
    (
        "故障・修理",
        "エラーコードE-12（モーター過負荷）が表示された",
        "E-12はモーターの過負荷を検知したときに表示されます。運転を停止し、異物のかみ込みがないか確認してください。"
        "10分以上休ませてから再起動し、再び表示される場合は修理の受付をお願いします。",
        "public",
        ["不具合"],
    ),
    (
        "故障・修理",
        "修理の申し込み方法と流れ",
        "修理はWebの修理受付フォーム、またはサポートダイヤルで承ります。製品をお預かりしてから通常5営業日でお返しします。"
        "保証期間内の故障は無償、期間外は見積りをご連絡し、ご了承いただいてから修理いたします。",
        "public",
        ["不具合"],
    ),
    (
        "故障・修理",
        "異音がするときの対処",
        "運転中に「カラカラ」「キーン」という音がする場合、ファンへの異物付着や軸受けの摩耗が考えられます。"
        "電源を切り、吸気口のフィルターを清掃してください。改善しない場合は点検をご依頼ください。",
        "public",
        ["不具合"],
    ),
    (
        "製品の使い方",
        "初期設定の手順（ネットワーク接続）",
        "本体の設定メニューから「ネットワーク」を選び、有線LANまたはWi-Fiを選択します。Wi-Fiの場合はSSIDとパスワードを入力し、"
        "接続テストが「成功」になれば完了です。社内プロキシをお使いの場合は情報システム部門にご確認ください。",
        "public",
        ["初期設定", "使い方"],
    ),
    (
        "製品の使い方",
        "CSVでデータを取り込む方法",
        "管理画面の「データ取込」からCSVファイルを選択します。文字コードはShift_JIS（CP932）とUTF-8のどちらにも対応しています。"
        "1行目は項目名にしてください。取込前にプレビューで列の対応を確認できます。",
        "public",
        ["使い方"],
    ),
    (
        "製品の使い方",
        "定期メンテナンスの方法",
        "月に一度、フィルターの清掃と本体外装の拭き取りを行ってください。半年に一度は消耗部品（ベルト、パッキン）の点検をおすすめします。"
        "交換部品は純正品をお使いください。",
        "public",
        ["使い方"],
    ),
    (
        "製品の使い方",
        "取扱説明書をなくした",
        "取扱説明書はWebサイトの「ダウンロード」ページからPDFで入手できます。型番で検索してください。印刷した冊子が必要な場合は"
        "有償でお送りします。",
        "public",
        ["使い方"],
    ),
    (
        "仕様・型番",
        "ABC-200の耐熱温度と使用条件",
        "ABC-200の耐熱温度は120℃です。連続使用の場合は100℃以下でのご使用を推奨します。湿度85％以上の環境では結露にご注意ください。",
        "public",
        ["仕様の確認"],
    ),
    (
        "仕様・型番",
        "型番の見方（ABC-200-J の意味）",
        "型番は「シリーズ名-容量-仕向け地」を表します。ABC-200-Jの場合、ABCシリーズ、容量200、国内向け（J）です。"
        "末尾に -S が付くものはステンレス仕様です。",
        "public",
        ["仕様の確認"],
    ),
    (
        "仕様・型番",
        "旧型番からの置き換え品",
        "生産を終了したABC-150の後継はABC-200です。取付寸法は同じですが、電源コネクタの形状が異なるため変換ケーブル（品番CV-20）が必要です。",
        "public",
        ["仕様の確認"],
    ),
    (
        "仕様・型番",
        "RoHS・REACH対応状況の確認",
        "現行の全製品はRoHS指令に対応しています。REACH規則のSVHC含有情報は、製品ごとの調査回答書を営業担当からお送りします。",
        "public",
        ["仕様の確認"],
    ),
    (
        "納期・配送",
        "注文品の納期の確認方法",
        "ご注文番号をお知らせいただければ、出荷予定日をお調べします。在庫品は受注後2営業日以内に出荷、受注生産品は通常3〜4週間です。"
        "出荷後は追跡番号をメールでお知らせします。",
        "public",
        ["納期の確認"],
    ),
    (
        "納期・配送",
        "届いた商品が破損していた",
        "大変ご迷惑をおかけします。外箱と商品の写真を撮影し、到着から7日以内にご連絡ください。代替品を優先して手配し、"
        "破損品は着払いでご返送いただきます。",
        "public",
        ["届いた商品の破損"],
    ),
    (
        "納期・配送",
        "納品先を変更したい",
        "出荷前であれば納品先の変更を承ります。ご注文番号と新しい納品先（住所・担当者・電話番号）をお知らせください。"
        "出荷後の変更は運送会社での転送となり、日数がかかります。",
        "public",
        ["納品先の変更"],
    ),
    (
        "請求・お支払い",
        "請求書の再発行",
        "請求書の再発行はサポート窓口で承ります。対象の月とお届け先をお知らせください。PDFでの送付も可能です。"
        "再発行分には「再発行」の印字が入ります。",
        "public",
        ["請求書の再発行"],
    ),
    (
        "請求・お支払い",
        "支払い方法を口座振替に変更したい",
        "口座振替依頼書をお送りしますので、ご記入・金融機関届出印の捺印のうえご返送ください。手続きには1〜2か月かかり、"
        "切り替わるまでは従来の方法でお支払いください。",
        "public",
        ["支払い方法の変更"],
    ),
    (
        "請求・お支払い",
        "請求金額が先月と違う理由",
        "オプションの利用分、数量の変更、価格改定が請求額に反映される場合があります。明細は管理画面の「ご請求」からご確認いただけます。",
        "public",
        ["請求金額の確認"],
    ),
    (
        "請求・お支払い",
        "適格請求書（インボイス）の登録番号",
        "当社の適格請求書発行事業者の登録番号は、請求書の右上に記載しています。請求書はインボイス制度の記載事項を満たしています。",
        "public",
        ["請求金額の確認"],
    ),
    (
        "契約・アカウント",
        "パスワードを忘れたとき",
        "ログイン画面の「パスワードをお忘れの方」から、ご登録のメールアドレスを入力してください。再設定用のリンクをお送りします。"
        "リンクの有効期限は24時間です。",
        "public",
        ["ログインできない"],
    ),
    (
        "契約・アカウント",
        "管理画面にログインできない",
        "パスワードを数回間違えるとアカウントが一時的にロックされます。30分ほどおいてからお試しください。"
        "二段階認証の端末を変更した場合は、管理者による再設定が必要です。",
        "public",
        ["ログインできない"],
    ),
    (
        "契約・アカウント",
        "解約の手続き",
        "解約届を月末の10営業日前までにご提出ください。当月末での解約となります。データの書き出しは解約日まで管理画面から行えます。",
        "public",
        ["解約"],
    ),
    (
        "契約・アカウント",
        "登録情報（住所・担当者）の変更",
        "管理画面の「契約情報」から変更できます。会社名の変更は登記事項証明書の写しが必要です。",
        "public",
        ["登録情報の変更"],
    ),
    (
        "保証・サポート",
        "保証期間と保証の対象",
        "保証期間はお買い上げ日から1年間です。取扱説明書に沿った使用で起きた故障は無償で修理します。"
        "消耗品、落下や水濡れによる故障は対象外です。保証書と購入日のわかる書類をご用意ください。",
        "public",
        ["不具合"],
    ),
    (
        "保証・サポート",
        "サポートの受付時間",
        "サポートダイヤルとチャットの受付は平日9:00〜18:00です（土日祝日・年末年始を除く）。メールとLINEは24時間受け付け、"
        "翌営業日までにお返事します。",
        "public",
        [],
    ),
    (
        "保証・サポート",
        "延長保証サービスについて",
        "延長保証（有償）にお申し込みいただくと、保証期間を最長5年まで延ばせます。お買い上げから1年以内にお申し込みください。",
        "public",
        [],
    ),
    (
        "故障・修理",
        "【社内】E-12多発時のエスカレーション基準",
        "同一ロットでE-12の問い合わせが1週間に3件以上あった場合は、品質保証部へロット番号を添えて報告する。"
        "お客様には代替機の貸し出しを提案してよい（課長承認不要）。",
        "internal",
        ["不具合"],
    ),
    (
        "請求・お支払い",
        "【社内】返金処理の手順",
        "返金は経理部への依頼票（様式K-3）で行う。お客様の口座情報は電話で聞き取り、メールやチャットには書かせない。"
        "処理には最大10営業日かかる旨を案内する。",
        "internal",
        ["返金"],
    ),
    (
        "保証・サポート",
        "【社内】クレーム対応の基本",
        "まずお詫びと傾聴。事実確認の前に約束をしない。2回目の問い合わせ以降は責任者が折り返す。対応記録は当日中に入力する。",
        "internal",
        ["対応へのご不満"],
    ),
]
URGENT_WORDS = ("至急", "破損", "割れて", "遅すぎ", "ログインできません")


def _author(users):
    for u in users:
        if has_perm(u, "article", "create") and is_admin(u):
            return u
    return next((u for u in users if has_perm(u, "article", "create")), None)


def load(users, rng) -> str:
    author = _author(users)
    if author is None:
        return "no author"
    cats = {}
    for order, name in enumerate(CATEGORIES):
        existing = knowledge.ArticleCategory.objects.filter(name=name).first()
        cats[name] = existing or knowledge.save_category(actor=author, data={"name": name, "order": order})
    chat = Channel.objects.filter(kind="chat").order_by("pk").first()
    brand = knowledge.FaqBrand.objects.filter(slug="kizuna-kiki").first() or knowledge.save_brand(
        actor=author, data={"name": "絆機器 サポート", "slug": "kizuna-kiki", "chat_channel": chat.pk if chat else None,
                            "intro": "製品の使い方、修理、ご注文とお支払いについてのよくあるご質問です。"})  # fmt: skip
    reasons = {r.name: r.pk for r in CallReason.objects.filter(parent__isnull=False)}
    made = 0
    for category, title, body, audience, reason_names in ARTICLES:
        if Article.objects.filter(title=title).exists():
            continue
        article = knowledge.create_article(actor=author, data={
            "title": title, "body": body, "category": cats[category].pk, "audience": audience,
            "brands": [brand.pk] if audience == "public" else [],
            "call_reasons": [reasons[n] for n in reason_names if n in reasons]})  # fmt: skip
        made += 1
        for i in range(rng.randint(0, 12)):
            knowledge.record_feedback(article=article, visitor=knowledge.visitor_key(f"demo-{article.pk}-{i}"),
                                      helpful=rng.random() < 0.8, brand=brand)  # fmt: skip
    first = Article.objects.filter(title=ARTICLES[0][1]).first()
    if first is not None and first.version == 1:  # one article with a history of edits
        added = "\n※ 停電のあとは、主電源を一度切ってから入れ直してください。"
        knowledge.update_article(
            actor=author, article=first, data={"body": first.body + added, "note": "停電後の手順を追記"}
        )
    triaged = 0
    for ticket in Ticket.objects.filter(priority="normal").prefetch_related("messages"):
        text = ticket.subject + " ".join(m.body_text for m in ticket.messages.all() if m.direction == "in")
        if any(w in text for w in URGENT_WORDS) and ticket.owner_id:
            ticket_service.set_priority(actor=ticket.owner, ticket=ticket, priority="high")
            triaged += 1
    trained = []
    for target in AssistModel.Target.values:
        run = classifier.train(AssistModel.objects.create(target=target, requested_by=author))
        trained.append(f"{target} {run.accuracy:.0%}" if run.accuracy is not None else f"{target} -")
    return f"articles {made}, urgent {triaged}, models: {', '.join(trained)}"
