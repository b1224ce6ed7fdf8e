from django.urls import path

from .views import csat, inbox, tickets

app_name = "support"
urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("tickets/<int:pk>/", tickets.ticket_detail, name="ticket_detail"),
    path("survey/<str:token>/", csat.survey, name="csat"),
]
