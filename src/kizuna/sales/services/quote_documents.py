"""A quote's PDF on the deal's timeline: issuing a version's PDF (the 「PDFを発行」 button, POST …/pdf in the API) or
marking it sent files an activity linked to the deal, with the PDF attached, so whoever opens the deal sees what
the customer received and when. Reading the PDF again (GET) writes nothing: it returns the filed PDF."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.contacts.models import Company, Person
from kizuna.core.permissions import can_write_record, has_perm
from kizuna.timeline.models import Activity
from kizuna.timeline.services.activities import create_activity
from kizuna.timeline.services.attachments import add_attachment, open_attachment

from .. import quote_pdf
from ..models import Quote
from . import quotes as quote_services


def may_file(actor, quote: Quote) -> bool:
    """Filing needs the right to write the deal and to create activities (a read-only reader still downloads)."""
    return can_write_record(actor, quote.deal) and has_perm(actor, "activity", "create")


def _file(actor, quote: Quote, pdf: bytes, subject: str) -> Activity:
    deal = quote.deal
    body = _("%(number)s %(title)s 見積金額（税込）¥%(total)s 有効期限 %(until)s") % {
        "number": quote.display_number, "title": quote.title, "total": f"{quote.total:,}",
        "until": quote.valid_until.strftime("%Y/%m/%d")}  # fmt: skip
    data = {"kind": Activity.Kind.NOTE, "subject": subject[:200], "body": body,
            "links": [{"type": "deal", "id": deal.pk}], "visibility": deal.visibility}  # fmt: skip
    # the company and the addressee join the activity when the actor may see them (else the deal link alone)
    if Company.objects.visible_to(actor).filter(pk=deal.company_id).exists():
        data["companies"] = [deal.company_id]
    if quote.customer_person_id and Person.objects.visible_to(actor).filter(pk=quote.customer_person_id).exists():
        data["people"] = [quote.customer_person_id]
    with transaction.atomic():
        activity = create_activity(actor=actor, data=data)
        add_attachment(actor=actor, activity=activity, upload=ContentFile(pdf, name=quote_pdf.filename(quote)))
        Quote.objects.filter(pk=quote.pk).update(activity=activity, activity_version=quote.version)
        quote.activity, quote.activity_version = activity, quote.version
    return activity


def pdf_of(quote: Quote) -> bytes:
    """The PDF as filed on the timeline for this saved state (what the customer got), else a fresh rendering (also
    when the reader may not see the addressee: the quote comes masked, sales.services.quotes.mask_for). Reading it
    writes nothing."""
    if quote.activity_id and quote.activity_version == quote.version and not getattr(quote, "masked", False):
        attachment = quote.activity.attachments.alive().filter(content_type="application/pdf").first()
        if attachment is not None:
            try:
                with open_attachment(attachment) as handle:
                    return handle.read()
            except OSError:
                pass
    return quote_pdf.render_pdf(quote)


def issue(*, actor, quote: Quote) -> bytes:
    """The PDF of `quote`, filed on the deal's timeline the first time each saved state is issued (a reader
    without the right to write the deal gets the PDF and nothing is filed)."""
    if (
        getattr(quote, "masked", False)
        or not may_file(actor, quote)
        or (quote.activity_id and quote.activity_version == quote.version)
    ):
        return pdf_of(quote)
    pdf = quote_pdf.render_pdf(quote)
    _file(actor, quote, pdf, _("見積書 %(number)s を発行しました") % {"number": quote.display_number})
    return pdf


def send(*, actor, quote: Quote, expected_version=None) -> Activity:
    """Mark the quote sent (提出) and file the PDF it was sent as on the deal's timeline."""
    with transaction.atomic():
        quote_services.set_status(actor=actor, quote=quote, status=Quote.Status.SENT, expected_version=expected_version)
        pdf = quote_pdf.render_pdf(quote)
        return _file(actor, quote, pdf, _("見積書 %(number)s を提出しました") % {"number": quote.display_number})
