"""Support models, one module per area; each is imported here so Django finds it."""

from .desk import AgentProfile, CustomerIdentity, Macro, SurveyResponse, TicketCounter, TicketPresence
from .sla import BusinessCalendar, CalendarDay, SlaEvent, SlaPolicy, TicketSla
from .tickets import Attachment, CallReason, Channel, ChannelKind, Message, Ticket

__all__ = ["Attachment", "CallReason", "Channel", "ChannelKind", "Message", "Ticket"]
__all__ += ["AgentProfile", "CustomerIdentity", "Macro", "SurveyResponse", "TicketCounter", "TicketPresence"]
__all__ += ["BusinessCalendar", "CalendarDay", "SlaEvent", "SlaPolicy", "TicketSla"]
