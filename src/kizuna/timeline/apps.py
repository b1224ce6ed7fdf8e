from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy


class TimelineConfig(AppConfig):
    name = "kizuna.timeline"
    label = "timeline"
    verbose_name = "Timeline"
    url_prefix = "timeline/"
    api_routers = ("kizuna.timeline.api.router",)
    api_order = 30

    def ready(self):
        from kizuna.contacts import panels
        from kizuna.core import idempotency, nav, permissions

        from .services.handover import may_hand_over_any

        idempotency.register_page("timeline:capture")  # a line saved from the offline queue is saved once
        nav.register_main("tasks", pgettext_lazy("menu", "タスク"), "timeline:tasks", order=30)
        nav.register_main("handover", pgettext_lazy("menu", "引き継ぎ"), "timeline:handover", order=60,
                          group="customers", visible=may_hand_over_any)  # fmt: skip

        for key, label in (("activity", _l("活動")), ("insight", _l("インサイト")), ("task", _l("タスク"))):
            permissions.register_object_type(key, label)
        permissions.register_object_type("relationship", _l("人間関係"), ("view", "create", "delete"))

        from . import queries, sources, views
        from .models import Activity

        sources.register_source("activity", _l("活動"), queries.activity_entries,
                                kinds=("activity", *Activity.Kind.values))  # fmt: skip
        sources.register_source("task_done", _l("タスク完了"), queries.task_done_entries)
        from kizuna.core import demo as demo_data

        from . import demo

        demo_data.register("timeline", demo.load, order=20)

        panels.register("home", views.home_today, position="top")
        for kind in ("person", "company"):
            panels.register(kind, views.insight_cards, position="top")
            panels.register(kind, views.timeline_panel, position="bottom")
        self._follow_merges()
        from kizuna.contacts.models import Person
        from kizuna.core import visibility

        visibility.register_history_field("relationship", Person)  # a relationship is hidden with its other end
        from kizuna.contacts.search import register_source

        from . import search

        register_source(search.ACTIVITY, title="活動", search=search.search_activities, reindex=search.reindex)
        from kizuna.core import personal_data

        from . import privacy

        personal_data.register("timeline", disclose=privacy.disclose, audit=privacy.audit, erase=privacy.erase)

    @staticmethod
    def _follow_merges():
        """A merged person's or company's activities, insights, follow-ups, relationships and files (a card photo)
        move to the survivor."""
        from kizuna.contacts.services.merge import register_move

        from .models import Activity, Attachment, FollowUp, Insight, Relationship

        register_move("person", Activity.people.through, "person", unique_with="activity")
        register_move("company", Activity.companies.through, "company", unique_with="activity")
        for model, fk in ((Activity, "heard_from"), (Insight, "person"), (Insight, "heard_from"), (FollowUp, "person"),
                          (Relationship, "from_person"), (Relationship, "to_person"),
                          (Attachment, "person")):  # fmt: skip
            register_move("person", model, fk)
        for model, fk in ((Insight, "company"), (FollowUp, "company")):
            register_move("company", model, fk)
