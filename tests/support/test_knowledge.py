"""Knowledge articles: versions and audit, BM25 ranking over Sudachi terms, visibility, the public FAQ with its JSON
search and CORS, "was this helpful" once per reader, the API, the header search and privacy of feedback."""

import pytest
from django.test import Client

from kizuna.core.exceptions import PermissionDenied, StaleVersion, ValidationFailed
from kizuna.core.japanese.tokens import terms
from kizuna.core.models import AuditEvent
from kizuna.support.models import Article, ArticleFeedback, ArticleTerm, Channel, FaqBrand
from kizuna.support.services import kb_search
from kizuna.support.services import knowledge as service

ARTICLES = [
    (
        "電源が入らないときの確認手順",
        "電源コードがコンセントに差し込まれているか確認してください。主電源スイッチを入れてください。",
    ),
    ("保証期間と保証の対象", "保証期間はお買い上げ日から1年間です。落下や水濡れによる故障は対象外です。"),
    ("請求書の再発行", "請求書の再発行はサポート窓口で承ります。PDFでの送付も可能です。"),
    ("荷物が届かないとき", "追跡番号で運送会社の配達状況をご確認ください。再配達の依頼が必要な場合があります。"),
]


@pytest.fixture
def kb(cast):
    brand = service.save_brand(actor=cast.admin, data={"name": "絆機器", "slug": "kiki"})
    made = [service.create_article(actor=cast.owner, data={"title": t, "body": b, "audience": "public"})
            for t, b in ARTICLES]  # fmt: skip
    secret = service.create_article(actor=cast.owner, data={
        "title": "【社内】電源故障の返品基準", "body": "電源が入らない製品は代替機を送る。", "audience": "internal",
        "visibility": "private"})  # fmt: skip
    return brand, made, secret


def test_tokens_are_normalized_content_words():
    words = terms("プリンターの電源が入らないのですが、取扱説明書を見ても分かりません。")
    assert "電源" in words and "取り扱い" in words and "説明書" in words
    assert not {"の", "が", "、", "。", "です"} & set(words)
    assert terms("問合せ") == terms("問い合わせ")  # normalized forms: both spellings are one term


def test_each_edit_keeps_a_version_and_an_audit_row(cast, kb):
    article = kb[1][0]
    assert ArticleTerm.objects.filter(article=article, term="電源").exists()
    change = {"body": "ブレーカーも確認してください。", "note": "ブレーカーを追記"}
    updated = service.update_article(actor=cast.teammate, article=article, expected_version=1, data=change)
    assert updated.version == 2
    assert list(updated.versions.values_list("number", "note")) == [(2, "ブレーカーを追記"), (1, "作成")]
    assert updated.versions.get(number=1).body.startswith("電源コード")  # the previous text is kept
    assert not ArticleTerm.objects.filter(article=article, term="コンセント").exists()  # the index follows
    assert AuditEvent.objects.filter(action="update", object_type="support.article", object_id=str(article.pk)).exists()
    with pytest.raises(StaleVersion):
        service.update_article(actor=cast.owner, article=updated, expected_version=1, data={"title": "古い画面から"})
    restored = service.restore_version(actor=cast.owner, article=updated, number=1)
    assert restored.version == 3 and restored.body.startswith("電源コード")


def test_bad_input_is_refused_with_reasons_and_nothing_is_written(cast, kb):
    with pytest.raises(ValidationFailed) as exc:
        service.create_article(actor=cast.owner, data={"title": "", "body": "x", "audience": "everyone",
                                                       "brands": [999999]})  # fmt: skip
    assert set(exc.value.field_errors) == {"title", "audience", "brands"}
    with pytest.raises(PermissionDenied):
        service.create_article(actor=cast.readonly, data={"title": "t", "body": "b"})
    assert Article.objects.count() == 5


def test_bm25_ranks_the_answer_to_a_long_question_first_and_respects_visibility(cast, kb):
    question = "昨日から本体の電源が入らなくなりました。コンセントは確認したのですが、どうすればよいでしょうか。"
    hits = kb_search.rank(Article.objects.visible_to(cast.teammate), question, limit=3)
    assert hits[0].article.title == "電源が入らないときの確認手順"
    assert all("社内" not in h.article.title for h in hits)  # the private article is the owner's only
    owner_hits = kb_search.rank(Article.objects.visible_to(cast.owner), question, limit=5)
    assert "【社内】電源故障の返品基準" in [h.article.title for h in owner_hits]
    # A fragment with no term of its own (one character, part of a word) comes from the substring index.
    assert [h.article.title for h in kb_search.rank(Article.objects.visible_to(cast.owner), "追跡")] == [
        "荷物が届かないとき"
    ]


def test_public_faq_shows_public_articles_only_and_counts_helpful_once(cast, kb):
    _brand, made, secret = kb
    client = Client()
    page = client.get("/faq/kiki/")
    assert page.status_code == 200 and "保証期間と保証の対象" in page.content.decode()
    assert "返品基準" not in page.content.decode()
    assert client.get(f"/faq/kiki/{secret.pk}/").status_code == 404
    assert client.get("/faq/no-such-brand/").status_code == 404
    article = made[1]
    for _ in range(2):  # the same reader twice: one answer
        assert client.post(f"/faq/kiki/{article.pk}/feedback/", {"helpful": "1"}).status_code == 302
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 0)
    client.post(f"/faq/kiki/{article.pk}/feedback/", {"helpful": "0", "comment": "型番が書いてありません"})
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (0, 1)  # a changed answer moves the count
    Client().post(f"/faq/kiki/{article.pk}/feedback/", {"helpful": "1"})  # another reader
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 1)
    assert client.post(f"/faq/kiki/{article.pk}/feedback/", {"helpful": "maybe"}).status_code == 400
    assert client.post(f"/faq/kiki/{article.pk}/feedback/", {"helpful": "1", "comment": "長" * 1001}).status_code == 422
    assert ArticleFeedback.objects.get(article=article, comment__startswith="型番").helpful is False


def test_json_search_answers_the_chat_sites_origins_only(cast, kb):
    brand = kb[0]
    chat = Channel.objects.create(
        kind="chat", name="Web", slug="web", settings={"allowed_origins": ["https://shop.example.jp"]}
    )
    FaqBrand.objects.filter(pk=brand.pk).update(chat_channel=chat)
    client = Client()
    answer = client.get("/faq/kiki/search.json", {"q": "保証はいつまでですか"}, HTTP_ORIGIN="https://shop.example.jp")
    assert answer.status_code == 200 and answer["Access-Control-Allow-Origin"] == "https://shop.example.jp"
    results = answer.json()["results"]
    assert results[0]["title"] == "保証期間と保証の対象" and results[0]["url"].endswith(
        f"/faq/kiki/{results[0]['id']}/"
    )
    assert not any("返品" in r["title"] for r in results)
    assert client.get("/faq/kiki/search.json", {"q": "保証"}, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert client.options("/faq/kiki/search.json", HTTP_ORIGIN="https://shop.example.jp").status_code == 204
    assert client.get("/faq/kiki/search.json", {"q": "あ" * 501}).status_code == 400


def test_api_create_search_patch_with_if_match_and_versions(cast, api, kb):
    owner = api(cast.owner)
    created = owner.post("/api/v1/articles", {"title": "納品先を変更したい", "body": "出荷前なら変更できます。"})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert owner.patch(f"/api/v1/articles/{pk}", {"body": "x"}).status_code == 428
    patched = owner.patch(f"/api/v1/articles/{pk}", {"body": "出荷前であれば変更を承ります。"},
                          headers={"If-Match": created["ETag"]})  # fmt: skip
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert [v["number"] for v in owner.get(f"/api/v1/articles/{pk}/versions").json()] == [2, 1]
    found = owner.get("/api/v1/articles/search?q=届け先を変えたいのですが出荷前ですか").json()
    assert found[0]["id"] == pk
    assert api(cast.outsider).get(f"/api/v1/articles/{kb[2].pk}").status_code == 404
    assert api(cast.readonly).post("/api/v1/articles", {"title": "t", "body": "b"}).status_code == 403


def test_header_search_and_feedback_privacy(cast, kb):
    from kizuna.contacts.search import other_results
    from kizuna.support import plugs_knowledge

    groups = dict(other_results(cast.teammate, "保証期間"))
    assert [r.label for r in groups["ナレッジ"]] == ["保証期間と保証の対象"]
    feedback = service.record_feedback(article=kb[1][0], visitor="v1", helpful=False, comment="田中です。わかりにくい")
    assert feedback.person is None
    from kizuna.contacts.models import Person

    p = Person.objects.create(family_name="田中", given_name="花子", owner=cast.owner, team=cast.team_a)
    ArticleFeedback.objects.filter(pk=feedback.pk).update(person=p)
    assert plugs_knowledge.disclose([p.pk])["article_feedback"][0]["comment"] == "田中です。わかりにくい"
    assert plugs_knowledge.erase(cast.admin, [p.pk], lambda v: v) == {"article_feedback": 1}
    feedback.refresh_from_db()
    assert feedback.comment == "" and feedback.person is None and feedback.helpful is False
