"""/faq/: the public FAQ of each brand (kizuna.support.views.faq_public)."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from .views import faq_public, faq_widget

app_name = "faq"
urlpatterns = [
    path("<slug:brand>/", faq_public.faq_home, name="home"),
    path("<slug:brand>/search.json", csrf_exempt(faq_public.faq_search_json), name="search"),
    path("<slug:brand>/<int:pk>/", faq_public.faq_article, name="article"),
    path("<slug:brand>/<int:pk>/feedback/", faq_public.faq_feedback, name="feedback"),
    path("<slug:brand>/<int:pk>/opened.json", faq_widget.faq_opened_json, name="opened"),
]
