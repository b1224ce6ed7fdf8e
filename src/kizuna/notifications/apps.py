from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _l


class NotificationsConfig(AppConfig):
    name = "kizuna.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    url_prefix = ""  # /notifications/, /calendar/
    api_routers = ("kizuna.notifications.api.router",)
    api_order = 95

    def ready(self):
        from kizuna.core import actions, clock, events, history, nav, notices, personal_data

        from .templatetags.notifications import render_bell

        nav.register_main("calendar", _l("カレンダー"), "notifications:calendar", order=32)
        nav.register_user_menu("notification_settings", _l("通知設定"), "notifications:settings", order=50)
        nav.register_header_widget("bell", render_bell, order=10)
        nav.register_stylesheet("notifications/notifications.css")

        from . import actions as notify_action
        from . import consumers, privacy, reminders
        from .services.inbox import deliver

        notices.register_deliverer(deliver)  # every app's notify() lands in the bell (and the digest)
        events.register_consumer("notifications", consumers.handle)
        clock.register_periodic("notifications.task_reminders", reminders.remind_due_tasks,
                                every=timedelta(minutes=15))  # fmt: skip
        clock.register_periodic("notifications.digest", reminders.send_digests, every=timedelta(minutes=15))
        actions.register_action(notify_action.ACTION)
        personal_data.register("notifications", disclose=privacy.disclose, erase=privacy.erase)
        history.register_action_labels({
            "notifications.preferences": _l("通知設定を変更"),
            "calendar_feed.create": _l("カレンダー配信URLを発行"),
            "calendar_feed.regenerate": _l("カレンダー配信URLを再発行"),
            "calendar_feed.revoke": _l("カレンダー配信URLを無効化"),
        })  # fmt: skip
