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


@register.inclusion_tag("sales/quotes/partials/deal_panel.html", takes_context=True)
def deal_quotes(context, deal):
    """The deal page's 見積書 section: the deal's quotes the reader can see, and a button to make one."""
    from kizuna.core.permissions import can_write_record
    from kizuna.sales.services.quotes import quotes_of

    user = context["request"].user
    return {"deal": deal, "quotes": list(quotes_of(user, deal)[:50]), "can_write": can_write_record(user, deal),
            "csrf_token": context.get("csrf_token"), "request": context["request"]}  # fmt: skip
