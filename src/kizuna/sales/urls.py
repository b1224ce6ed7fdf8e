from django.urls import path

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
]
