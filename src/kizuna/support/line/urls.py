from django.urls import path

from . import views

app_name = "support_line"
urlpatterns = [path("<slug:channel>", views.webhook, name="webhook")]
