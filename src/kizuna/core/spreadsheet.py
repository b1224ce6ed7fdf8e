"""Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) are written as text."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """'=HYPERLINK(...)' would run in Excel: a leading apostrophe keeps it text (OWASP CSV injection)."""
    return "'" + value if value and value.startswith(_FORMULA_START) else value
