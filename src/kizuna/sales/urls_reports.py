"""URLs of 日報 and the customer journey, appended to sales/urls.py (namespace "sales")."""

from django.urls import path

from . import views_journey, views_reports

urlpatterns = [
    path("reports/daily/", views_reports.daily_today, name="daily_today"),
    path("reports/daily/save/", views_reports.daily_save, name="daily_save"),
    path("reports/daily/feed/", views_reports.daily_feed, name="daily_feed"),
    path("reports/daily/weekly/", views_reports.weekly, name="daily_weekly"),
    path("reports/daily/<int:pk>/", views_reports.daily_report, name="daily_report"),
    path("reports/daily/<int:pk>/comment/", views_reports.daily_comment, name="daily_comment"),
    path("reports/daily/<int:pk>/confirm/", views_reports.daily_confirm, name="daily_confirm"),
    path("journey/", views_journey.funnel_page, name="journey_funnel"),
    path("journey/<str:kind>/<int:pk>/stage/", views_journey.set_stage, name="journey_set_stage"),
    path("segments/", views_journey.segment_list, name="segment_list"),
    path("segments/<int:pk>/", views_journey.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/delete/", views_journey.segment_delete, name="segment_delete"),
]
