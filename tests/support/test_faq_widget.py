"""The chat widget's FAQ suggestions: the widget learns its site's FAQ brand from its config, searches that brand's
public articles through /faq/<brand>/search.json, and reports an opened suggestion to /faq/<brand>/<id>/opened.json,
which counts it for the chat site's origins only."""

import pytest
from django.test import Client

from kizuna.support.api_knowledge import article_out
from kizuna.support.models import Article, Channel, FaqBrand
from kizuna.support.services import knowledge as service

SHOP = "https://shop.example.jp"


@pytest.fixture
def faq(cast):
    chat = Channel.objects.create(kind="chat", name="Web", slug="web", settings={"allowed_origins": [SHOP]})
    brand = service.save_brand(actor=cast.admin, data={"name": "絆機器", "slug": "kiki"})
    FaqBrand.objects.filter(pk=brand.pk).update(chat_channel=chat)
    public = service.create_article(actor=cast.owner, data={
        "title": "保証期間と保証の対象", "body": "保証期間は1年間です。", "audience": "public"})  # fmt: skip
    internal = service.create_article(actor=cast.owner, data={
        "title": "【社内】保証の例外", "body": "保証の例外対応。", "audience": "internal"})  # fmt: skip
    return chat, public, internal


def test_the_widget_config_names_the_brand_of_its_chat_site(faq):
    client = Client()
    config = client.get("/chat/api/web/config", HTTP_ORIGIN=SHOP).json()
    assert config["faq"] == {"brand": "kiki"} and config["labels"]["faq"]
    FaqBrand.objects.update(active=False)
    assert client.get("/chat/api/web/config", HTTP_ORIGIN=SHOP).json()["faq"] is None
    FaqBrand.objects.update(active=True)
    found = client.get("/faq/kiki/search.json", {"q": "保証はいつまで"}, HTTP_ORIGIN=SHOP).json()["results"]
    assert [r["title"] for r in found] == ["保証期間と保証の対象"]  # what the widget shows: public articles only


def test_an_opened_suggestion_is_counted_for_the_chat_sites_origins_only(faq):
    _chat, public, internal = faq
    client, url = Client(), f"/faq/kiki/{public.pk}/opened.json"
    answer = client.post(url, HTTP_ORIGIN=SHOP)
    assert answer.status_code == 204 and answer["Access-Control-Allow-Origin"] == SHOP
    client.post(url, HTTP_ORIGIN=SHOP)
    assert client.post(url, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert client.post(url).status_code == 403
    assert client.get(url, HTTP_ORIGIN=SHOP).status_code == 405
    assert client.options(url, HTTP_ORIGIN=SHOP).status_code == 204
    assert client.post(f"/faq/kiki/{internal.pk}/opened.json", HTTP_ORIGIN=SHOP).status_code == 404
    assert client.post(f"/faq/nobrand/{public.pk}/opened.json", HTTP_ORIGIN=SHOP).status_code == 404
    public = Article.objects.get(pk=public.pk)
    assert public.chat_opens == 2 and public.version == 1 and article_out(public)["chat_opens"] == 2
    assert Article.objects.get(pk=internal.pk).chat_opens == 0
