from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "kizuna.customfields"
    label = "customfields"
    verbose_name = "Custom fields"

    def ready(self):
        from django.utils.translation import gettext_lazy as _l

        from kizuna.core import history, visibility

        from . import access

        history.register_action_labels({
            "customfield.create": _l("カスタム項目を追加"), "customfield.update": _l("カスタム項目を変更"),
            "customfield.remove": _l("カスタム項目を削除"), "customfield.restore": _l("カスタム項目を元に戻す"),
            "customfield.purge": _l("カスタム項目の値を消去"),
        })  # fmt: skip
        history.register_field_labeler(access.history_label)
        visibility.register_history_filter(access.history_filter)
