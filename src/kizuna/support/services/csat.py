"""Customer satisfaction (CSAT): after a ticket is resolved, a one-question survey (1–5 and an optional comment)
goes to the customer through the ticket's channel, with a signed link to a public page that needs no login. The
answer is tied to the ticket, its agent and team."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.core import audit
from kizuna.core.exceptions import NotFound, ValidationFailed

from ..models import Message, SurveyResponse, Ticket

SALT = "kizuna.support.csat"
MAX_AGE = 60 * 60 * 24 * 30  # a survey link works for 30 days


def token_for(survey: SurveyResponse) -> str:
    return signing.dumps({"s": survey.pk, "t": survey.ticket_id}, salt=SALT, compress=True)


def survey_url(survey: SurveyResponse) -> str:
    path = reverse("support:csat", args=[token_for(survey)])
    return f"{getattr(settings, 'KIZUNA_BASE_URL', '').rstrip('/')}{path}"


def send_survey(ticket: Ticket) -> SurveyResponse | None:
    """Create the survey of a resolved ticket (once) and send its link as an outbound message on the ticket's
    channel (delivered by the channel's registered sender)."""
    from .tickets import deliver, reply_kind

    if ticket.person_id is None or SurveyResponse.objects.filter(ticket=ticket).exists():
        return None
    with transaction.atomic():
        survey = SurveyResponse.objects.create(ticket=ticket, agent=ticket.owner, team=ticket.team)
        body = _("%(name)s 様\n\nお問い合わせ（%(number)s）への対応はいかがでしたか。"
                 "1〜5 の評価をお聞かせください（1分で終わります）。\n%(url)s") % {
            "name": ticket.person, "number": f"#{ticket.number}", "url": survey_url(survey)}  # fmt: skip
        message = Message.objects.create(
            ticket=ticket, direction=Message.Direction.OUTBOUND, channel_kind=reply_kind(ticket),
            subject=_("アンケートのお願い"), body_text=body,
            meta={"survey": survey.pk, "delivery": {"state": "queued"}},
        )  # fmt: skip
    deliver(message)
    return survey


def survey_for_token(token: str) -> SurveyResponse:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        return SurveyResponse.objects.select_related("ticket").get(pk=data["s"], ticket_id=data["t"])
    except (signing.BadSignature, SurveyResponse.DoesNotExist, KeyError, TypeError):
        raise NotFound() from None


def answer(*, token: str, rating, comment: str = "") -> SurveyResponse:
    """The customer's answer (no login: the signed token is the permission). One answer per survey."""
    survey = survey_for_token(token)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationFailed(field_errors={"rating": [_("1〜5 の評価を選んでください。")]})
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationFailed(field_errors={"comment": [_("コメントは2000文字以内にしてください。")]})
    with transaction.atomic():
        survey = SurveyResponse.objects.select_for_update().get(pk=survey.pk)
        if survey.answered_at is not None:
            raise ValidationFailed(_("このアンケートにはすでに回答いただいています。"))
        survey.rating, survey.comment, survey.answered_at = rating, comment, timezone.now()
        survey.save(update_fields=["rating", "comment", "answered_at"])
        audit.record(actor=None, action="csat.answer", obj=survey.ticket,
                     changes={"csat": [None, rating], "comment": [None, comment[:200] or None]})  # fmt: skip
    return survey
