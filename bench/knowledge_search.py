"""Knowledge search benchmark: a long customer question (60–120 characters) against N FAQ articles, ranked by BM25
over Sudachi terms from the `ArticleTerm` table (`support.services.kb_search.bm25`, what the ticket page's
suggestions and the FAQ's search use), beside two baselines in the same run on the same data:

- `like-whole`: the question as one `LIKE '%…%'` over title and body (what a plain search box does);
- `like-terms`: one `LIKE` per Sudachi term of the question, articles ranked by how many terms they contain
  (a CASE-sum in one SQL query: a full scan per question, no index).

Each question paraphrases one planted article (its product and symptom in other words, plus filler), so hit@1 and
hit@3 say whether the ranking finds it. Server-side time per query (p50/p95, wall and this process's CPU time: on a
shared, busy machine the CPU time is the search's own work; on SQLite it includes the database's), and the index
build rate.

    KIZUNA_DATA_DIR=/tmp/kz-kb [DATABASE_URL=postgres://...] nice -n 10 .venv/bin/python bench/knowledge_search.py \
        [--articles 5000] [--queries 200]
"""

import argparse
import os
import random
import statistics
import time

# 500 model numbers (ABC-10 … TR-500): with 10 kinds and 16 symptoms every article is a combination of its own.
PRODUCTS = [f"{series}-{n}" for series in ("ABC", "XR", "LP", "KZ", "MT", "HX", "SP", "DN", "QF", "TR")
            for n in range(10, 510, 10)]  # fmt: skip
KINDS = [
    "プリンター",
    "コンプレッサー",
    "制御盤",
    "搬送コンベア",
    "温調器",
    "計量器",
    "真空ポンプ",
    "洗浄機",
    "検査装置",
    "ラベラー",
]
# (symptom as written in an article, the way a customer says it, the remedy)
SYMPTOMS = [
    (
        "電源が入らない",
        "スイッチを押しても電源がつきません",
        "電源コードと主電源スイッチ、ブレーカーを確認してください。",
    ),
    ("異音がする", "運転中にカラカラと変な音が鳴ります", "ファンと軸受けを点検し、異物を取り除いてください。"),
    (
        "エラーE-12が表示される",
        "画面にE-12というエラーが出て止まります",
        "モーターの過負荷です。10分休ませて再起動してください。",
    ),
    ("温度が上がらない", "設定温度まで温まらず低いままです", "ヒーターの断線とセンサーの位置を確認してください。"),
    ("水漏れがする", "本体の下に水がたまっています", "パッキンの劣化とホースの接続を確認してください。"),
    ("ネットワークにつながらない", "社内のLANに接続できません", "IPアドレスの設定とケーブルを確認してください。"),
    ("印字がかすれる", "印刷した文字が薄くてかすれます", "ヘッドを清掃し、インクリボンを交換してください。"),
    ("ベルトが滑る", "コンベアのベルトがずれて空回りします", "ベルトの張りを調整し、ローラーを清掃してください。"),
    ("計量値がずれる", "重さの表示が実際と合いません", "ゼロ点調整とスパン校正を行ってください。"),
    ("真空度が上がらない", "ポンプの圧力が下がりきりません", "オイルの量と配管の漏れを確認してください。"),
    (
        "警報ブザーが止まらない",
        "ピーピーという警報音が鳴り続けます",
        "警報履歴を確認し、原因を取り除いてからリセットしてください。",
    ),
    (
        "ラベルが曲がって貼られる",
        "貼ったラベルが斜めになってしまいます",
        "ガイドの幅とラベルの送り量を調整してください。",
    ),
    ("洗浄後に汚れが残る", "洗ったあとも汚れが落ちていません", "洗剤の濃度とノズルの詰まりを確認してください。"),
    ("画面が表示されない", "液晶に何も映らず真っ暗です", "バックライトの設定とケーブルを確認してください。"),
    ("動作が遅い", "処理に時間がかかり動きがもたつきます", "ログを削除し、ファームウェアを更新してください。"),
    (
        "ファームウェアを更新したい",
        "ソフトのバージョンを新しくしたいです",
        "サポートサイトから更新ファイルを入手してください。",
    ),
]
FILLER = ["いつもお世話になっております。", "工場のラインで使用しています。", "先週から症状が出ています。",
          "取扱説明書を見ても分かりませんでした。", "急ぎで対応をお願いしたいです。",
          "担当者に確認したところ初めての症状とのことです。", "保証期間内かどうかも知りたいです。",
          "同じ型番をほかにも3台持っています。"]  # fmt: skip
EXTRA = ["作業の前に必ず電源を切ってください。", "改善しない場合は修理窓口へご連絡ください。",
         "製造番号は本体側面の銘板に記載されています。", "交換部品は純正品をお使いください。",
         "保証期間はお買い上げから1年間です。", "定期的な点検をおすすめします。",
         "詳しい手順は取扱説明書の第5章をご覧ください。", "出張修理も承っております。"]  # fmt: skip


def _stats(times):
    times = sorted(times)
    return statistics.median(times) * 1000, times[max(0, int(len(times) * 0.95) - 1)] * 1000


def make_articles(n: int, rng):
    """(title, body, key) — key = (product, kind, symptom index) identifies the planted answer."""
    out = []
    for i in range(n):
        product, kind = PRODUCTS[i % len(PRODUCTS)], KINDS[(i // len(PRODUCTS)) % len(KINDS)]
        s = (i // (len(PRODUCTS) * len(KINDS))) % len(SYMPTOMS)
        symptom, _said, remedy = SYMPTOMS[s]
        title = f"{product}（{kind}）で{symptom}ときの対処"
        body = " ".join([f"{kind} {product}で{symptom}場合の確認手順です。", remedy, *rng.sample(EXTRA, 3)])
        out.append((title, body, (product, kind, s)))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Case, IntegerField, Q, Sum, Value, When

    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.core.japanese.tokens import terms
    from kizuna.support.models import Article
    from kizuna.support.services import kb_search

    call_command("migrate", verbosity=0)
    admin = User.objects.filter(username="kb-bench").first() or accounts.create_user(
        actor=None, username="kb-bench", password="bench-password-123", role="admin", check_password=False)  # fmt: skip
    rng = random.Random(15)
    data = make_articles(args.articles, rng)
    if Article.objects.filter(title__startswith=PRODUCTS[0]).count() != args.articles // len(PRODUCTS) + (
        1 if args.articles % len(PRODUCTS) else 0
    ):
        Article.objects.all().delete()
        Article.objects.bulk_create([Article(title=t, body=b, audience="public", visibility="public", owner=admin)
                                     for t, b, _k in data], batch_size=1000)  # fmt: skip
        started = time.perf_counter()
        n = kb_search.reindex()
        took = time.perf_counter() - started
        print(f"indexed {n} articles in {took:.1f} s ({n / took:.0f} articles/s)")
    by_key = {key: title for title, _b, key in data}
    ids = dict(Article.objects.values_list("title", "pk"))
    keys = list(by_key)
    questions = []
    for _ in range(args.queries):
        product, kind, s = rng.choice(keys)
        _symptom, said, _remedy = SYMPTOMS[s]
        q = f"{rng.choice(FILLER)}{kind}の{product}を使っていますが、{said}。{rng.choice(FILLER)}"
        q += "どうすればよいでしょうか。"
        questions.append((q, ids[by_key[(product, kind, s)]]))
    visible = Article.objects.visible_to(admin)

    def run_bm25(q):
        return [pk for pk, _s in kb_search.bm25(visible, q, limit=3)]

    def run_like_whole(q):
        return list(visible.filter(Q(title__contains=q) | Q(body__contains=q)).values_list("pk", flat=True)[:3])

    def run_like_terms(q):
        words = list(dict.fromkeys(terms(q)))
        score = Sum(Value(0) + sum((Case(When(Q(title__contains=w) | Q(body__contains=w), then=1), default=0,
                                         output_field=IntegerField()) for w in words), Value(0)))  # fmt: skip
        qs = visible.annotate(hits=score).filter(hits__gt=0).order_by("-hits", "-pk")
        return list(qs.values_list("pk", flat=True)[:3])

    print(f"{connection.vendor}: {args.articles} articles, {len(questions)} long questions "
          f"(avg {statistics.mean(len(q) for q, _ in questions):.0f} chars)")  # fmt: skip
    print(
        f"{'method':<12} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8} {'hit@1':>7} {'hit@3':>7} "
        f"{'no result':>10}"
    )
    for name, fn in (("bm25", run_bm25), ("like-whole", run_like_whole), ("like-terms", run_like_terms)):
        fn(questions[0][0])  # warm
        times, cpu, hit1, hit3, empty = [], [], 0, 0, 0
        for q, target in questions:
            started, started_cpu = time.perf_counter(), time.process_time()
            got = fn(q)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            hit1 += bool(got) and got[0] == target
            hit3 += target in got
            empty += not got
        p50, p95 = _stats(times)
        c50, c95 = _stats(cpu)
        n = len(questions)
        print(
            f"{name:<12} {p50:>8.1f} {p95:>8.1f} {c50:>8.1f} {c95:>8.1f} {hit1 / n:>7.1%} {hit3 / n:>7.1%} "
            f"{empty / n:>10.1%}"
        )


if __name__ == "__main__":
    main()
