"""A quote as a printed 見積書: HTML (for the preview and the PDF) and the PDF itself (WeasyPrint with the
system's Noto CJK / IPAex fonts). The seal image, when set, is embedded as a data URI: the renderer reads no file
and no URL."""

import base64

from django.template.loader import render_to_string

from kizuna.core import files

from . import tax
from .models import Quote, TaxRate
from .services.quotes import get_issuer


def seal_data_uri() -> str:
    issuer = get_issuer()
    if not issuer.seal_path:
        return ""
    try:
        data = files.read_bytes(issuer.seal_path)
    except OSError:
        return ""
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def context(quote: Quote) -> dict:
    lines = list(quote.lines.all())
    totals = tax.compute(lines, quote.discount)
    return {
        "quote": quote,
        "lines": lines,
        "totals": totals,
        "has_reduced": any(line.tax_rate == TaxRate.REDUCED for line in lines),
        "seal": seal_data_uri(),
        "blank_rows": range(max(0, 8 - len(lines))),
    }


def render_html(quote: Quote) -> str:
    return render_to_string("sales/quotes/pdf.html", context(quote))


def render_pdf(quote: Quote) -> bytes:
    from weasyprint import HTML  # needs Pango; only PDF output requires it
    from weasyprint.urls import URLFetcher

    # data: URIs only (the embedded seal): a quote's text can never make the renderer read a file or a URL
    return HTML(string=render_html(quote), url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf()


def filename(quote: Quote) -> str:
    return f"{quote.display_number}.pdf"
