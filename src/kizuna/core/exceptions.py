"""Domain errors raised by services and mapped once to HTTP status codes (API) and messages (UI)."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("リクエストを処理できませんでした。")

    def __init__(self, message=None, *, field_errors: dict[str, list[str]] | None = None):
        self.message = str(message or self.default_message)
        self.field_errors = field_errors or {}
        super().__init__(self.message)

    @property
    def summary(self) -> str:
        """Every field message in one line (for a page's flash message), else the general message."""
        return " ".join(m for messages in self.field_errors.values() for m in messages) or self.message


class NotFound(DomainError):
    """Unknown and forbidden records look the same from the outside."""

    status = 404
    code = "not_found"
    default_message = _("見つかりません。")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("この操作を行う権限がありません。")


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"
    default_message = _("入力内容に誤りがあります。")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("ほかのデータと競合しています。")


class StaleVersion(DomainError):
    """Someone saved the record after the caller read it."""

    status = 412
    code = "stale_version"
    default_message = _("このレコードは他のユーザーによって更新されています。最新の内容を確認してください。")

    def __init__(self, message=None, *, current=None):
        super().__init__(message)
        self.current = current


class PreconditionRequired(DomainError):
    status = 428
    code = "precondition_required"
    default_message = _("If-Match ヘッダーでバージョンを指定してください。")
