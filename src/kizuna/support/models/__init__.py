"""Support models, one module per area; each is imported here so Django finds it."""

from .chat import ChatVisitor
from .cti import AgentExtension, Call
from .desk import AgentProfile, CustomerIdentity, Macro, SurveyResponse, TicketCounter, TicketPresence
from .hooks import HookEvent
from .knowledge import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleTerm,
    ArticleVersion,
    AssistCall,
    AssistConfig,
    AssistModel,
    FaqBrand,
)
from .line import LineContact
from .mail import KeptMail, MailboxState
from .sla import BusinessCalendar, CalendarDay, SlaEvent, SlaPolicy, TicketSla
from .tickets import Attachment, CallReason, Channel, ChannelKind, Message, Ticket

__all__ = [
    "AgentExtension",
    "AgentProfile",
    "Article",
    "ArticleCategory",
    "ArticleFeedback",
    "ArticleTerm",
    "ArticleVersion",
    "AssistCall",
    "AssistConfig",
    "AssistModel",
    "Attachment",
    "BusinessCalendar",
    "CalendarDay",
    "Call",
    "CallReason",
    "Channel",
    "ChannelKind",
    "ChatVisitor",
    "CustomerIdentity",
    "FaqBrand",
    "HookEvent",
    "KeptMail",
    "LineContact",
    "Macro",
    "MailboxState",
    "Message",
    "SlaEvent",
    "SlaPolicy",
    "SurveyResponse",
    "Ticket",
    "TicketCounter",
    "TicketPresence",
    "TicketSla",
]  # fmt: skip
