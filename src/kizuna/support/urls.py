from django.urls import path

from .views import assist, csat, inbox, knowledge, settings, sla_settings, support_reports, tickets
from .views import channel_settings as channel_views
from .views import live as live_views

app_name = "support"
urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("new/", tickets.ticket_create, name="ticket_create"),
    path("tickets/<int:pk>/", tickets.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/reply/", tickets.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/status/", tickets.ticket_status, name="ticket_status"),
    path("tickets/<int:pk>/assign/", tickets.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/fields/", tickets.ticket_fields, name="ticket_fields"),
    path("tickets/<int:pk>/complaint/", tickets.ticket_complaint, name="ticket_complaint"),
    path("tickets/<int:pk>/merge/", tickets.ticket_merge, name="ticket_merge"),
    path("tickets/<int:pk>/relink/", tickets.ticket_relink, name="ticket_relink"),
    path("tickets/<int:pk>/presence/", tickets.ticket_presence, name="ticket_presence"),
    path("tickets/<int:pk>/macro/", tickets.macro_fill, name="macro_fill"),
    path("messages/<int:pk>/split/", tickets.message_split, name="message_split"),
    path("messages/<int:pk>/resend/", tickets.message_resend, name="message_resend"),
    path("attachments/<int:pk>/", tickets.attachment_download, name="attachment"),
    path("settings/call-reasons/", settings.call_reasons, name="call_reasons"),
    path("settings/macros/", settings.macro_list, name="macros"),
    path("settings/agents/", settings.agent_list, name="agents"),
    path("survey/<str:token>/", csat.survey, name="csat"),
    # 設定 → 営業カレンダー, SLAポリシー
    path("settings/calendars/", sla_settings.calendar_list, name="sla_calendar_list"),
    path("settings/calendars/new/", sla_settings.calendar_edit, name="sla_calendar_new"),
    path("settings/calendars/<int:pk>/", sla_settings.calendar_edit, name="sla_calendar_edit"),
    path("settings/calendars/<int:pk>/delete/", sla_settings.calendar_delete, name="sla_calendar_delete"),
    path("settings/calendars/<int:pk>/days/", sla_settings.day_add, name="sla_calendar_day_add"),
    path(
        "settings/calendars/<int:pk>/days/<int:day_pk>/remove/", sla_settings.day_remove, name="sla_calendar_day_remove"
    ),
    path("settings/sla-policies/", sla_settings.policy_list, name="sla_policy_list"),
    path("settings/sla-policies/new/", sla_settings.policy_edit, name="sla_policy_new"),
    path("settings/sla-policies/<int:pk>/", sla_settings.policy_edit, name="sla_policy_edit"),
    path("settings/sla-policies/<int:pk>/delete/", sla_settings.policy_delete, name="sla_policy_delete"),
    path("settings/sla-policies/<int:pk>/move/", sla_settings.policy_move, name="sla_policy_move"),
    # サポート分析
    path("reports/", support_reports.dashboard, name="support_reports"),
    path("reports/tickets/", support_reports.drill_down, name="support_report_tickets"),
    path("reports/export.csv", support_reports.export, name="support_report_export"),
    # ナレッジ (FAQ) and the assistant
    path("knowledge/", knowledge.article_list, name="article_list"),
    path("knowledge/new/", knowledge.article_create, name="article_create"),
    path("knowledge/<int:pk>/", knowledge.article_detail, name="article_detail"),
    path("knowledge/<int:pk>/edit/", knowledge.article_edit, name="article_edit"),
    path("knowledge/<int:pk>/history/", knowledge.article_history, name="article_history"),
    path("knowledge/<int:pk>/restore/", knowledge.article_restore, name="article_restore"),
    path("knowledge/<int:pk>/delete/", knowledge.article_delete, name="article_delete"),
    path("knowledge/<int:pk>/feedback/", knowledge.article_feedback, name="article_feedback"),
    path("settings/knowledge/", knowledge.knowledge_settings, name="knowledge_settings"),
    path("settings/assist/", assist.assist_settings, name="assist_settings"),
    path("tickets/<int:pk>/assist/suggestions/", assist.suggestions, name="assist_suggestions"),
    path("tickets/<int:pk>/assist/summary/", assist.summary, name="assist_summary"),
    path("tickets/<int:pk>/assist/summary/llm/", assist.summary_llm, name="assist_summary_llm"),
    path("tickets/<int:pk>/assist/draft/", assist.draft, name="assist_draft"),
    path("reports/faq-gaps/", assist.gaps_report, name="faq_gaps"),
    path("reports/faq-gaps.csv", assist.gaps_export, name="faq_gaps_export"),
    # live updates (Server-Sent Events; deploy/nginx/kizuna.conf streams /support/live/ unbuffered)
    path("live/inbox/", live_views.inbox_stream, name="live_inbox"),
    path("live/tickets/<int:pk>/", live_views.ticket_stream, name="live_ticket"),
    # 設定 → チャネル
    path("settings/channels/", channel_views.channel_list, name="channel_list"),
    path("settings/channels/new/<slug:kind>/", channel_views.channel_edit, name="channel_new"),
    path("settings/channels/<int:pk>/", channel_views.channel_edit, name="channel_edit"),
    path("settings/channels/<int:pk>/test/", channel_views.channel_test, name="channel_test"),
]
