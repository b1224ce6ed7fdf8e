"""Fixtures for the account-security tests (helpers in tests/accounts/helpers.py)."""

import pytest

from tests.accounts.helpers import enable_2fa


@pytest.fixture
def with_2fa(cast):
    """The owner with 2FA switched on: (user, secret, recovery codes)."""
    secret, codes = enable_2fa(cast.owner)
    return cast.owner, secret, codes
