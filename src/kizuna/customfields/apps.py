from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "kizuna.customfields"
    label = "customfields"
    verbose_name = "Custom fields"
    url_prefix = "settings/custom-fields/"
    api_routers = ("kizuna.customfields.api.router",)
    api_order = 75

    def ready(self):
        from django.utils.translation import gettext_lazy as _l

        from kizuna.core import history, nav, visibility

        nav.register_settings("custom_fields", _l("カスタム項目"), "customfields:list", order=25)  # administrators

        from . import access

        history.register_action_labels({
            "customfield.create": _l("カスタム項目を追加"), "customfield.update": _l("カスタム項目を変更"),
            "customfield.remove": _l("カスタム項目を削除"), "customfield.restore": _l("カスタム項目を元に戻す"),
            "customfield.purge": _l("カスタム項目の値を消去"),
        })  # fmt: skip
        history.register_field_labeler(access.history_label)
        visibility.register_history_filter(access.history_filter)
