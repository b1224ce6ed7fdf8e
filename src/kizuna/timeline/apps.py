from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "kizuna.timeline"
    label = "timeline"
    verbose_name = "Timeline"

    def ready(self):
        from kizuna.contacts import panels

        from . import views

        for kind in ("person", "company"):
            panels.register(kind, views.insight_cards, position="top")
            panels.register(kind, views.timeline_panel, position="bottom")
