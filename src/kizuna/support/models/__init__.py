"""Support models, one module per area; each is imported here so Django finds it."""

from .desk import AgentProfile, CustomerIdentity, Macro, SurveyResponse, TicketCounter, TicketPresence
from .tickets import Attachment, CallReason, Channel, ChannelKind, Message, Ticket

__all__ = ["Attachment", "CallReason", "Channel", "ChannelKind", "Message", "Ticket"]
__all__ += ["AgentProfile", "CustomerIdentity", "Macro", "SurveyResponse", "TicketCounter", "TicketPresence"]
from .chat import ChatVisitor  # noqa: E402
from .cti import AgentExtension, Call  # noqa: E402
from .hooks import HookEvent  # noqa: E402
from .line import LineContact  # noqa: E402

__all__ += ["AgentExtension", "Call", "ChatVisitor", "HookEvent", "LineContact"]

from .mail import KeptMail, MailboxState  # noqa: E402

__all__ += ["KeptMail", "MailboxState"]
