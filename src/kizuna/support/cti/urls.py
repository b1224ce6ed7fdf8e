from django.urls import path

from . import views

app_name = "support_cti"
urlpatterns = [
    path("pop/", views.pop_view, name="pop"),
    path("extension/", views.extension, name="extension"),
    path("calls/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("calls/<int:pk>/wrap-up/", views.wrap_up, name="wrap_up"),
    path("calls/<int:pk>/person/", views.new_person, name="new_person"),
]
