from django import template

register = template.Library()


@register.filter
def yen(value) -> str:
    """12345 → ¥12,345 (amounts on quotes and product lists)."""
    try:
        return f"¥{int(value):,}"
    except (TypeError, ValueError):
        return ""


@register.filter
def qty(value) -> str:
    """1.00 → 1, 2.50 → 2.5 (quantities without trailing zeros)."""
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text
