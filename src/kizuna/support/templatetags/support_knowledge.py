"""`{% load support_knowledge %}{% knowledge_assist ticket %}`: the assistant under a ticket's reply box (suggested
articles, summary, reply draft)."""

from django import template

from ..services import llm

register = template.Library()


@register.inclusion_tag("support/knowledge/partials/assist_panel.html")
def knowledge_assist(ticket):
    return {"ticket": ticket, "llm_enabled": llm.enabled()}
