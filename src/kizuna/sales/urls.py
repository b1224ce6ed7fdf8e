from django.urls import path

from . import views_dashboards
from .views import board, deal_actions, deals, pipelines

app_name = "sales"
urlpatterns = [
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/new/", deals.deal_create, name="deal_create"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/delete/", deal_actions.deal_delete, name="deal_delete"),
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
urlpatterns += [
    path("board/", board.deal_board, name="deal_board"),
    path("board/deals/<int:pk>/move/", board.board_move, name="board_move"),
    path("board/stages/<int:stage>/cards/", board.board_column, name="board_column"),
]
urlpatterns += [
    path("pipelines/", pipelines.pipeline_list, name="pipeline_list"),
    path("pipelines/new/", pipelines.pipeline_edit, name="pipeline_create"),
    path("pipelines/<int:pk>/", pipelines.pipeline_edit, name="pipeline_edit"),
]

# products, quotes (見積書), import/export of products and deals
from . import views_products, views_quotes  # noqa: E402

urlpatterns += [
    path("quotes/", views_quotes.quote_list, name="quote_list"),
    path("quotes/line-row/", views_quotes.quote_line_row, name="quote_line_row"),
    path("quotes/<int:pk>/", views_quotes.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/edit/", views_quotes.quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/pdf/", views_quotes.quote_pdf, name="quote_pdf"),
    path("quotes/<int:pk>/status/", views_quotes.quote_status, name="quote_status"),
    path("quotes/<int:pk>/revise/", views_quotes.quote_revise, name="quote_revise"),
    path("quotes/<int:pk>/delete/", views_quotes.quote_delete, name="quote_delete"),
    path("deals/<int:pk>/quotes/", views_quotes.deal_quotes, name="deal_quotes"),
    path("deals/<int:pk>/quotes/new/", views_quotes.quote_new, name="quote_new"),
    path("settings/quotes/", views_quotes.issuer_settings, name="issuer_settings"),
    path("settings/quotes/seal/", views_quotes.issuer_seal, name="issuer_seal"),
    path("settings/products/", views_products.product_list, name="product_list"),
    path("settings/products/new/", views_products.product_new, name="product_new"),
    path("settings/products/<int:pk>/", views_products.product_edit, name="product_edit"),
    path("settings/products/<int:pk>/delete/", views_products.product_delete, name="product_delete"),
    path("settings/products/export/", views_products.product_export, name="product_export"),
    path("settings/products/import/", views_products.product_import, name="product_import"),
    path("deals/export/", views_products.deal_export, name="deal_export"),
    path("deals/import/", views_products.deal_import, name="deal_import"),
]
from .urls_reports import urlpatterns as report_urls  # noqa: E402  (日報 and the customer journey)

urlpatterns += report_urls
