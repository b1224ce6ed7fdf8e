"""What the quote and product pages post, as the services' data dicts (lines as line-<n>-<field> rows)."""

from .services.quotes import LINE_FIELDS, MAX_LINES

QUOTE_TEXT = [
    "title", "issued_on", "valid_until", "customer_name", "customer_department", "customer_person",
    "issuer_contact", "registration_number", "delivery_terms", "delivery_place", "payment_terms", "notes",
    "discount",
]  # fmt: skip
PRODUCT_FIELDS = ["code", "name", "unit", "unit_price", "tax_rate"]
ISSUER_FIELDS = [
    "name", "postcode", "address", "phone", "registration_number", "validity_days", "number_prefix", "default_notes",
]  # fmt: skip


def posted_lines(post) -> list[dict]:
    """Rows line-<n>-<field>, in the order of their numbers; blank rows are dropped."""
    numbers = sorted({int(k.split("-")[1]) for k in post if k.startswith("line-") and k.split("-")[1].isdigit()})
    lines = []
    for n in numbers[:MAX_LINES]:
        row = {f: (post.get(f"line-{n}-{f}") or "").strip() for f in LINE_FIELDS}
        # a blank row still posts its default quantity and tax rate: it counts once something else is filled in
        if any(v for f, v in row.items() if f not in ("quantity", "tax_rate")):
            lines.append({k: v for k, v in row.items() if v != ""})
    return lines


def posted_quote(post) -> dict:
    data = {key: post.get(key, "") for key in QUOTE_TEXT if key in post}
    data["lines"] = posted_lines(post)
    return data


def posted_product(post) -> dict:
    data = {key: post.get(key, "") for key in PRODUCT_FIELDS}
    data["active"] = post.get("active") == "on"
    return data


def posted_issuer(post) -> dict:
    return {key: post.get(key, "") for key in ISSUER_FIELDS if key in post}


def line_rows(lines, extra: int = 1) -> list[dict]:
    """Rows for the form: saved or posted lines, then `extra` blank ones."""
    rows = []
    for line in lines:
        get = line.get if isinstance(line, dict) else lambda k, o=line: getattr(o, k, "")
        row = {f: get(f) if get(f) is not None else "" for f in LINE_FIELDS}
        product = row.get("product")
        row["product"] = getattr(product, "pk", product) or ""
        rows.append(row)
    rows += [{f: "" for f in LINE_FIELDS} for _ in range(extra)]
    for n, row in enumerate(rows, start=1):
        row["n"] = n
    return rows
