"""Hardening that every response carries: CSP without inline code, framing refused, no MIME sniffing, referrer
policy, cookie flags, HSTS only behind HTTPS; and templates that a strict CSP can actually serve."""

import re
from pathlib import Path

from django.test import Client

import kizuna

TEMPLATES = sorted(Path(kizuna.__file__).parent.rglob("templates/**/*.html"))


def test_pages_send_the_security_headers(cast):
    client = Client()
    client.force_login(cast.owner)
    for path in ("/", "/people/", "/accounts/login/", "/api/v1/people"):
        response = client.get(path)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, path
        assert "base-uri 'none'" in csp and "object-src 'none'" in csp and "form-action 'self'" in csp, path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP (development): no HSTS


def test_hsts_and_secure_cookies_behind_https(cast, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    response = Client().get("/accounts/login/", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    login = Client().post("/accounts/login/", {"username": "owner", "password": "correct-horse-battery"}, secure=True)
    cookie = login.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_login_rotates_the_session_and_sets_strict_cookie_flags(cast):
    client = Client()
    client.get("/accounts/login/")
    client.session["probe"] = 1
    before = client.cookies.get("sessionid")
    response = client.post("/accounts/login/", {"username": "owner", "password": "correct-horse-battery"})
    assert response.status_code == 302
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert before is None or before.value != cookie.value


def test_templates_have_no_inline_code_or_styles():
    """script-src/style-src 'self': inline scripts, handlers and style attributes would be silently blocked."""
    offenders = []
    for path in TEMPLATES:
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{path.name}: inline script")
        pdf_only = "pdf" in path.name or "print" in path.name  # rendered by WeasyPrint, never by a browser
        if re.search(r"\sstyle=\"", text) or ("<style" in text and not pdf_only):
            offenders.append(f"{path.name}: inline style")
    assert TEMPLATES and not offenders, offenders


def test_api_docs_load_their_ui_from_this_server(cast):
    """The docs page used a CDN and was blank offline: every asset it names is served here, under the CSP."""
    client = Client()
    client.force_login(cast.owner)
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "cdn" not in html.lower() and "https://" not in html
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content if response.streaming else [response.content])
