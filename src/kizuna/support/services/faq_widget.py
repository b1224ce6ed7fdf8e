"""The FAQ in the chat widget: while a visitor types, the widget shows the best public articles of the brand whose
chat site it is (through the brand's JSON search, /faq/<brand>/search.json), so the customer can answer the question
without waiting for an agent. Which suggested article a visitor opened is counted on the article
(`Article.chat_opens`), next to its "was this helpful" counts."""

from django.db.models import F

from ..models import Article, Channel, FaqBrand


def brand_for_chat(channel: Channel) -> FaqBrand | None:
    """The FAQ brand that names this chat site (the first by name when several do)."""
    return FaqBrand.objects.alive().filter(chat_channel=channel, active=True).order_by("name", "pk").first()


def record_chat_open(*, article: Article) -> None:
    """One more open of `article` from the widget's suggestions: an anonymous statistic like the helpful counts, so
    no audit row (the visitor is nobody yet) and no version bump (the article did not change)."""
    Article.objects.filter(pk=article.pk).update(chat_opens=F("chat_opens") + 1)
