"""The support API: /api/v1/tickets and /api/v1/call-reasons."""

from ninja import Router

router = Router(tags=["support"])
