from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("requests/", views.request_log, name="requests"),
    path("people/<int:pk>/", views.person_privacy, name="person"),
    path("people/<int:pk>/consent/", views.consent, name="consent"),
    path("people/<int:pk>/provisions/", views.provision_create, name="provision_create"),
    path("people/<int:pk>/disclosure/", views.disclosure, name="disclosure"),
    path("people/<int:pk>/suspend/", views.suspend, name="suspend"),
    path("people/<int:pk>/resume/", views.resume, name="resume"),
    path("people/<int:pk>/correct/", views.correct, name="correct"),
    path("people/<int:pk>/erase/", views.erase, name="erase"),
    path("people/<int:pk>/requests/", views.request_create, name="request_create"),
]
