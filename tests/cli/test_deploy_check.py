"""`kizuna check --deploy` is clean with production settings, and names what is missing without them."""

import os
import secrets
import subprocess
import sys


def check_deploy(tmp_path, **env):
    # Only what a server's environment would hold: no test-run settings (e.g. DJANGO_ALLOW_ASYNC_UNSAFE from e2e).
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "TMPDIR")}
    base.update({"KIZUNA_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "kizuna.settings", **env})
    command = [
        sys.executable,
        "-c",
        "from kizuna.cli import main; main()",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    ]
    return subprocess.run(command, env=base, capture_output=True, text=True, timeout=300, check=False)


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = check_deploy(
        tmp_path, KIZUNA_HTTPS="1", SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="crm.example.jp",
        KIZUNA_EMAIL_HOST="smtp.example.jp", KIZUNA_EMAIL_FROM="crm@example.jp",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout + result.stderr
    # on SQLite only the note that PostgreSQL is the production database remains (an INFO, not a warning)
    assert "no issues" in out or ("kizuna.I001" in out and "identified 1 issue" in out)


def test_a_development_setup_is_told_what_to_fix(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode != 0
    for code in ("security.W008", "security.W012", "mail.E001"):  # no HTTPS, no secure cookies, no SMTP
        assert code in result.stderr + result.stdout


def test_the_uploads_folder_the_check_makes_is_private(tmp_path):
    """The file store check makes a missing uploads folder; the permission check, run in any order, accepts it."""
    result = check_deploy(tmp_path, KIZUNA_HTTPS="1", SECRET_KEY=secrets.token_urlsafe(60),
                          ALLOWED_HOSTS="crm.example.jp", KIZUNA_EMAIL_HOST="smtp.example.jp")  # fmt: skip
    assert (tmp_path / "uploads").stat().st_mode & 0o077 == 0, result.stderr
