import pytest

from .world import World


@pytest.fixture
def world(db):
    """The matrix's actors (admin, manager, owner, teammate, readonly in 営業1部; outsider and stranger in 営業2部)
    with API tokens, and builders for each scenario's records."""
    return World()
