"""Every privacy write: purpose/consent, third-party provisions, requests, suspension, correction, disclosure,
erasure. Views, API and CLI call these; each checks permission, writes and audits in one transaction."""

from .disclosure import disclose, disclosure_data, disclosure_pdf
from .erasure import PLACEHOLDER, erase, placeholder_name
from .records import (
    add_provision,
    correct,
    log_request,
    privacy_of,
    record_request,
    resume,
    set_purpose_and_consent,
    suspend,
    suspended_people,
)

__all__ = [
    "PLACEHOLDER",
    "add_provision",
    "correct",
    "disclose",
    "disclosure_data",
    "disclosure_pdf",
    "erase",
    "log_request",
    "placeholder_name",
    "privacy_of",
    "record_request",
    "resume",
    "set_purpose_and_consent",
    "suspend",
    "suspended_people",
]
