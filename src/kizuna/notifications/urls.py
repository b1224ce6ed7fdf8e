from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read-all/", views.read_all, name="read_all"),
    path("notifications/<int:pk>/read/", views.read, name="read"),
    path("notifications/settings/", views.preferences, name="settings"),
    path("notifications/settings/feed/", views.feed_token, name="feed_token"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/feed/<str:token>.ics", views.feed, name="feed"),
]
