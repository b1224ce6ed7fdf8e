"""The API docs render offline: Swagger UI comes from this server, within the CSP."""

from tests.conftest import make_user
from tests.e2e.conftest import login


def test_api_docs_render_without_any_outside_request(page, shot, transactional_db):
    make_user("yamamoto", "member")
    outside, refused = [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(page.base_url) else None)
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, "yamamoto")
    page.goto(page.base_url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Kizuna API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-summary-path")
    shot(page, "api-docs")
    assert [u for u in outside if not u.startswith("data:")] == [] and refused == []
