"""How a sensitive value looks to someone who may not read it: enough to recognise, not enough to use."""

import re

MASK = "****"


def mask_phone(value: str) -> str:
    """090-1234-5678 → 090-****-5678: the first three and the last four digits stay."""
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(digits) <= 7:
        return MASK
    hidden = set(digits[3:-4])
    masked = "".join("*" if i in hidden else ch for i, ch in enumerate(value))
    return re.sub(r"\*+", MASK, masked)


def mask_email(value: str) -> str:
    """taro.yamada@example.jp → t****@example.jp."""
    local, _, domain = value.partition("@")
    return f"{local[:1]}{MASK}@{domain}" if domain else MASK


def mask_text(value) -> str:
    return MASK if value else ""
