from django.urls import path

from . import views

app_name = "automation"
urlpatterns = [
    path("", views.rule_list, name="rule_list"),
    path("new/", views.rule_new, name="rule_new"),
    path("rows/condition/", views.row_condition, name="row_condition"),
    path("rows/action/", views.row_action, name="row_action"),
    path("rows/params/", views.row_params, name="row_params"),
    path("rows/fields/", views.row_fields, name="row_fields"),
    path("rows/none/", views.row_none, name="row_none"),
    path("<int:pk>/", views.rule_edit, name="rule_edit"),
    path("<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("<int:pk>/move/", views.rule_move, name="rule_move"),
    path("<int:pk>/runs/", views.rule_runs, name="rule_runs"),
    path("<int:pk>/dry-run/", views.rule_dry_run, name="rule_dry_run"),
]
