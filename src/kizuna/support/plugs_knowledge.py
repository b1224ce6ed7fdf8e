"""How ナレッジ (FAQ) and the assistant plug into the rest (called from SupportConfig.ready): the article type and
its actions, the menu tab and 設定 tabs, the header search, history labels, privacy of readers' feedback, the weekly
retraining on the clock and the demo articles."""

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _l


def disclose(ids):
    from .models import ArticleFeedback

    rows = ArticleFeedback.objects.filter(person__in=ids).select_related("article")
    return {"article_feedback": [{"article": f.article.title, "helpful": f.helpful, "comment": f.comment,
                                  "at": f.updated_at.isoformat()} for f in rows]}  # fmt: skip


def audit_rows(ids):
    from kizuna.core.personal_data import audit_ids

    from .models import ArticleFeedback

    rows = list(ArticleFeedback.objects.filter(person__in=ids).values_list("pk", flat=True))
    return Q(pk__in=[]), audit_ids("support.articlefeedback", rows)


def erase(actor, ids, scrub) -> dict:
    """The answer stays in the article's counts; the comment and the link to the person go."""
    from .models import ArticleFeedback

    n = ArticleFeedback.objects.filter(person__in=ids).update(comment="", person=None)
    return {"article_feedback": n}


def register() -> None:
    from kizuna.contacts.search import register_source
    from kizuna.core import clock, demo, history, nav, permissions, personal_data

    from . import knowledge_demo, tasks_knowledge
    from .models import Article
    from .services import kb_search
    from .views.knowledge import may_keep_knowledge, may_read

    permissions.register_object_type("article", _l("ナレッジ記事"), ("view", "create", "edit", "delete"))
    nav.register_main("knowledge", _l("ナレッジ"), "support:article_list", order=38, group="support", visible=may_read)
    nav.register_settings("knowledge", _l("ナレッジ"), "support:knowledge_settings", order=53,
                          visible=may_keep_knowledge)  # fmt: skip
    nav.register_settings("assist", _l("アシスタント"), "support:assist_settings", order=54,
                          visible=may_keep_knowledge)  # fmt: skip
    register_source(
        kb_search.ARTICLE, title=_l("ナレッジ"), search=kb_search.search_articles, reindex=kb_search.reindex
    )
    history.register_action_labels({
        "article.feedback": _l("役に立ったかの回答"), "assist.llm_call": _l("言語モデルの呼び出し"),
        "assist.train": _l("分類モデルの学習"), "assist.settings": _l("アシスタント設定の変更")})  # fmt: skip
    history.register_field_labels({
        "audience": _l("公開先"), "brands": _l("ブランド"), "call_reasons": _l("コールリーズン"), "body": _l("本文")},
        model=Article)  # fmt: skip
    personal_data.register("support_knowledge", disclose=disclose, audit=audit_rows, erase=erase)
    clock.register_periodic("support.assist_retrain", tasks_knowledge.retrain_weekly, every=timedelta(days=7))
    demo.register("support_knowledge", knowledge_demo.load, order=75)
    nav.register_stylesheet("support/knowledge.css")
