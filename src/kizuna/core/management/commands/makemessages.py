"""`kizuna makemessages`: Django's, also reading `_l(...)` (gettext_lazy where `_` is already gettext)."""

from django.core.management.commands.makemessages import Command as MakeMessagesCommand


class Command(MakeMessagesCommand):
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=_l"]
