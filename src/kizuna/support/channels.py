"""Outgoing delivery per channel kind. Each channel app registers the function that sends a reply on its channel:

    from kizuna.support.channels import register_sender
    register_sender("email", send_mail_reply)      # mail: SMTP
    register_sender("line", push_line_message)     # channels: LINE push/reply

`send_fn(message)` receives the outbound `support.Message` (its ticket, person, channel and body are there) after
the message is saved and committed. It returns a dict of facts to keep in the message's `meta["delivery"]` (for
example `{"external_id": "<Message-ID>"}`; an `external_id` key also becomes the message's `external_id` so that
the customer's answer threads onto the ticket) or None, and raises `DeliveryFailed` (or any exception) when the
message could not be sent; the reply is then kept with `meta["delivery"]["state"] = "failed"` and the error.
"""

from collections.abc import Callable

_SENDERS: dict[str, Callable] = {}


class DeliveryFailed(Exception):
    """A channel could not deliver a message; the text is shown to the agent."""


def register_sender(kind: str, send_fn: Callable) -> None:
    _SENDERS[kind] = send_fn


def unregister_sender(kind: str) -> None:
    _SENDERS.pop(kind, None)


def sender_for(kind: str) -> Callable | None:
    return _SENDERS.get(kind)
