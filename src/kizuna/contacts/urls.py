from django.urls import path

from . import views

app_name = "contacts"
urlpatterns = [
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/options/", views.company_options, name="company_options"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", views.company_delete, name="company_delete"),
    path("companies/<int:company_pk>/sites/new/", views.site_create, name="site_create"),
    path("companies/<int:company_pk>/sites/<int:pk>/delete/", views.site_delete, name="site_delete"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("people/<int:pk>/review/", views.person_review, name="person_review"),
    path("people/<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("people/<int:person_pk>/employments/new/", views.employment_create, name="employment_create"),
    path("people/<int:person_pk>/employments/<int:pk>/edit/", views.employment_edit, name="employment_edit"),
    path("people/<int:person_pk>/employments/<int:pk>/delete/", views.employment_delete, name="employment_delete"),
    path("export/<str:kind>/", views.export_list, name="export"),
    path("trash/", views.trash, name="trash"),
    path("trash/<str:kind>/<int:pk>/restore/", views.restore, name="restore"),
    path("search/quick/", views.quick_search, name="quick_search"),
    path("duplicates/", views.duplicate_list, name="duplicate_list"),
    path("duplicates/scan/status/", views.duplicate_scan_status, name="duplicate_scan_status"),
    path("duplicates/merges/", views.merge_list, name="merge_list"),
    path("duplicates/merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("duplicates/<str:kind>/", views.duplicate_list, name="duplicate_list"),
    path("duplicates/<str:kind>/scan/", views.duplicate_scan, name="duplicate_scan"),
    path("duplicates/<str:kind>/review/", views.duplicate_review, name="duplicate_review"),
    path("duplicates/<str:kind>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path("duplicates/<str:kind>/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
]
