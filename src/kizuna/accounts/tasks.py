"""Background jobs for accounts (run by `kizuna db_worker`)."""

from django.tasks import task


@task
def send_password_reset(email: str, domain: str, use_https: bool) -> None:
    """Look the address up, mail the link to its accounts and audit the request: all after the response, so the
    reset page answers known and unknown addresses with the same work and in the same time."""
    from . import forms

    form = forms.PasswordResetForm({"email": email})
    if form.is_valid():
        form.send_links(domain=domain, use_https=use_https)
