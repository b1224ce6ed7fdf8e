"""The channels' plugs (LINE, web chat, phone), called from SupportConfig.ready()."""

from django.utils.translation import gettext_lazy as _l


def register() -> None:
    from kizuna.core import nav, permissions
    from kizuna.core.history import register_action_labels

    from .channels import register_sender
    from .chat.services import send as send_chat
    from .cti.views import render_widget
    from .line.services import send as send_line

    register_sender("line", send_line)
    register_sender("chat", send_chat)
    nav.register_header_widget("cti_pop", render_widget, order=5)
    nav.register_user_menu(
        "support_extension", _l("内線番号"), "support_cti:extension", order=55,
        visible=lambda user: permissions.has_perm(user, "ticket", "view"),
    )  # fmt: skip
    nav.register_stylesheet("support/cti.css")
    register_action_labels(
        {
            "support.line.signature_refused": _l("LINE: 署名不正のWebhookを拒否"),
            "support.line.follow": _l("LINE: 友だち追加"),
            "support.line.unfollow": _l("LINE: ブロック"),
            "support.cti.signature_refused": _l("電話: 署名不正のイベントを拒否"),
            "support.call.wrapped_up": _l("電話: 通話を記録"),
            "support.extension.set": _l("内線番号を設定"),
            "support.chat.profile": _l("チャット: お客様情報"),
        }
    )
