"""The web chat widget on a customer's page (another origin, with a strict CSP and no inline script): the visitor
writes, an agent answers through the ticket service, and after a reload the widget shows the whole conversation."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kizuna.support.chat.services import page_csp
from kizuna.support.models import Channel, Ticket
from kizuna.support.services.tickets import reply
from tests.conftest import make_user

PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>株式会社サンプル通販</title></head>
<body><h1>株式会社サンプル通販</h1><p>商品のご質問はチャットでどうぞ。</p>
<script src="{kizuna}/static/support/chat-widget.js" data-site="shop" async></script></body></html>"""


def customer_site(kizuna: str):
    csp = "; ".join(
        ["default-src 'none'"] + [f"{name} {' '.join(values)}" for name, values in page_csp(kizuna).items()]
    )
    html = PAGE.format(kizuna=kizuna).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", csp)
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_visitor_writes_agent_replies_widget_shows_it_after_reload(page, shot, transactional_db):
    agent = make_user("agent", "admin", display_name="窓口 さくら")
    server, origin = customer_site(page.base_url)
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        Channel.objects.create(kind="chat", name="通販サイト", slug="shop", settings={"allowed_origins": [origin]})
        page.goto(origin + "/")
        widget = page.locator("#kizuna-chat")
        widget.locator("button.toggle").click()
        widget.locator("textarea").fill("注文番号 A-1024 の配送状況を教えてください")
        widget.locator("form.compose button").click()
        widget.locator("li.visitor").wait_for()

        ticket = Ticket.objects.get()
        reply(actor=agent, ticket=ticket, body_text="本日発送いたしました。明日お届けの予定です。")
        page.reload()
        answer = page.locator("#kizuna-chat li.agent")
        answer.wait_for()
        assert "本日発送いたしました" in answer.inner_text() and "窓口 さくら" in answer.inner_text()
        assert "A-1024" in page.locator("#kizuna-chat li.visitor").inner_text()
        shot(page, "chat-widget")
        assert violations == []
    finally:
        server.shutdown()
        server.server_close()
