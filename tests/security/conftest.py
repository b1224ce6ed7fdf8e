import pytest

from .world import World


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Import uploads (kept under DATA_DIR/imports) go to the test's own folder, not the checkout's var/."""
    settings.DATA_DIR = tmp_path


@pytest.fixture
def world(db):
    """The matrix's actors (admin, manager, owner, teammate, readonly in 営業1部; outsider and stranger in 営業2部;
    auditor in 内部監査室) with API tokens, and builders for each scenario's records."""
    return World()
