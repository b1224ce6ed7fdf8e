from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from kizuna.core.exceptions import NotFound, ValidationFailed

from ..services import csat as csat_service


@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    """The public survey page (no login: the signed link is the permission)."""
    try:
        response = csat_service.survey_for_token(token)
    except NotFound:
        raise Http404 from None
    errors, done = {}, response.answered_at is not None
    if request.method == "POST" and not done:
        try:
            response = csat_service.answer(token=token, rating=request.POST.get("rating"),
                                           comment=request.POST.get("comment", ""))  # fmt: skip
            done = True
        except ValidationFailed as exc:
            errors = exc.field_errors or {"__all__": [exc.message]}
    return render(request, "support/csat.html", {"survey": response, "done": done, "errors": errors,
                                                 "ratings": range(1, 6), "token": token},
                  status=422 if errors else 200)  # fmt: skip
