"""A stand-in for the LINE platform's Messaging API, as documented, on a loopback port: profile, content, reply and
push. It checks the Bearer token and the shape of the JSON bodies, refuses a reply token used twice or never
issued, and records every request."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class FakeLine:
    def __init__(self, token: str):
        self.token = token
        self.requests: list[tuple[str, str, dict | None]] = []
        self.reply_tokens: set[str] = set()
        self.profiles = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status, body=b"{}", content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorised(self):
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._send(401, b'{"message":"Authentication failed. Confirm that the access token in the '
                               b'authorization header is valid."}')  # fmt: skip
                    return False
                return True

            def do_GET(self):
                fake.requests.append(("GET", self.path, None))
                if not self._authorised():
                    return
                if self.path.startswith("/v2/bot/profile/"):
                    user_id = self.path.rsplit("/", 1)[1]
                    if user_id not in fake.profiles:
                        return self._send(404, b'{"message":"Not found"}')
                    return self._send(200, json.dumps(fake.profiles[user_id]).encode())
                if self.path.startswith("/v2/bot/message/") and self.path.endswith("/content"):
                    return self._send(200, PNG, "image/png")
                self._send(404, b'{"message":"Not found"}')

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                fake.requests.append(("POST", self.path, body))
                if not self._authorised():
                    return
                if self.headers.get("Content-Type", "").split(";")[0] != "application/json" or not isinstance(
                    body, dict
                ):
                    return self._send(400, b'{"message":"The request body has 1 error(s)"}')
                messages = body.get("messages")
                if not (isinstance(messages, list) and 1 <= len(messages) <= 5 and all(
                    m.get("type") == "text" and isinstance(m.get("text"), str) and 0 < len(m["text"]) <= 5000
                    for m in messages
                )):  # fmt: skip
                    return self._send(400, b'{"message":"The request body has 1 error(s)"}')
                if self.path == "/v2/bot/message/reply":
                    if body.get("replyToken") not in fake.reply_tokens:
                        return self._send(400, b'{"message":"Invalid reply token"}')
                    fake.reply_tokens.discard(body["replyToken"])
                    return self._send(200, b"{}")
                if self.path == "/v2/bot/message/push":
                    if not str(body.get("to", "")).startswith("U"):
                        return self._send(400, b'{"message":"The property, \'to\', in the request body is invalid"}')
                    return self._send(200, b'{"sentMessages":[{"id":"461230966842064897","quoteToken":"q"}]}')
                self._send(404, b'{"message":"Not found"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def posted(self, path: str) -> list[dict]:
        return [body for method, p, body in self.requests if method == "POST" and p == path]
