"""Numbers as people read them: a probability as a percentage (0.987 → 99%)."""

from django import template

register = template.Library()


@register.filter
def percent(value, digits: int = 0) -> str:
    try:
        number = float(value) * 100
    except (TypeError, ValueError):
        return ""
    if number > 99 and number < 100 and digits == 0:
        return ">99%"  # a 0.996 is not a certainty: never round it up to 100%
    return f"{number:.{int(digits)}f}%"
