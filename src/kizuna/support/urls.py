from django.urls import path

from .views import csat, inbox, settings, tickets

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
]
