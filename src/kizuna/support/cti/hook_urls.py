from django.urls import path

from . import views

app_name = "support_cti_hook"
urlpatterns = [path("<slug:channel>", views.hook, name="hook")]
