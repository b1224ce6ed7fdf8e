from django.urls import path

from . import views

app_name = "timeline"
urlpatterns = [
    path("capture/", views.capture, name="capture"),
    path("cards/new/", views.card_create, name="card_create"),
    path("capture/<int:pk>/undo/", views.capture_undo, name="capture_undo"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("<str:kind>/<int:pk>/attachments/new/", views.attachment_add, name="attachment_add"),
    path("insights/new/", views.insight_create, name="insight_create"),
    path("insights/<int:pk>/confirm/", views.insight_confirm, name="insight_confirm"),
    path("insights/<int:pk>/delete/", views.insight_delete, name="insight_delete"),
    path("people/<int:pk>/relationships/new/", views.relationship_create, name="relationship_create"),
    path("relationships/<int:pk>/delete/", views.relationship_delete, name="relationship_delete"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("handover/", views.handover, name="handover"),
    path("handover/company/<int:pk>/brief/", views.company_brief, name="company_brief"),
    path("<str:kind>/<int:pk>/entries/", views.entries, name="entries"),
]
