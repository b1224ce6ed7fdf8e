from django.urls import path

from . import settings_views as views

app_name = "settings"
urlpatterns = [
    path("roles/", views.role_list, name="role_list"),
    path("roles/new/", views.role_new, name="role_new"),
    path("roles/<slug:key>/", views.role_edit, name="role_edit"),
    path("roles/<slug:key>/delete/", views.role_delete, name="role_delete"),
    path("users/", views.user_list, name="user_list"),
    path("users/<int:pk>/", views.user_access, name="user_access"),
]
