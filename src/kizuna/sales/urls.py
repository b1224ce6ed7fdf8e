from django.urls import path

from . import views_dashboards
from .views import deal_actions, deals

app_name = "sales"
urlpatterns = [
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/new/", deals.deal_create, name="deal_create"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", deal_actions.deal_move, name="deal_move"),
    path("deals/<int:pk>/people/", deal_actions.deal_people, name="deal_people"),
    path("deals/<int:pk>/people/<int:person_pk>/remove/", deal_actions.deal_person_remove, name="deal_person_remove"),
    path("deals/<int:pk>/lines/", deal_actions.deal_line_add, name="deal_line_add"),
    path("deals/<int:pk>/lines/<int:position>/remove/", deal_actions.deal_line_remove, name="deal_line_remove"),
    path("dashboards/", views_dashboards.dashboard_me, name="dashboard_me"),
    path("dashboards/team/", views_dashboards.dashboard_team, name="dashboard_team"),
    path("dashboards/company/", views_dashboards.dashboard_company, name="dashboard_company"),
    path("dashboards/records/", views_dashboards.dashboard_records, name="dashboard_records"),
    path("targets/", views_dashboards.targets_page, name="targets"),
    path("reviews/", views_dashboards.review_page, name="review"),
    path("settings/analytics/", views_dashboards.analytics_settings, name="analytics_settings"),
]
