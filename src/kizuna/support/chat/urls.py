from django.urls import path

from . import views

app_name = "support_chat"
urlpatterns = [path("api/<slug:site>/<slug:action>", views.api, name="api")]
