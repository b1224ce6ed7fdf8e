"""Customer HTML: sanitized with nh3 before anyone sees it, remote images blocked, and a plain-text rendering for the
message body. A blocked image keeps its address in `data-remote-src` so the agent may choose to show it."""

import re
from html.parser import HTMLParser

import nh3

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt", "em",
    "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small",
    "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "data-remote-src"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "font": {"color"},
    "*": {"lang", "dir", "title"},
}
# src="http…", src='//…', src=https… (quoted or not): renamed so the browser never fetches it.
_REMOTE_SRC = re.compile(r"""(<img\b[^>]*?\s)src(\s*=\s*["']?\s*(?:https?:|//))""", re.IGNORECASE)


def _filter(tag: str, attribute: str, value: str):
    if tag == "img" and attribute == "src":
        # Only inline parts (cid:) stay; anything else that slipped past the rename (entities, odd spacing) goes.
        return value if value.lower().startswith("cid:") else None
    if attribute == "data-remote-src":
        return value if value.lower().startswith(("http://", "https://", "//")) else None
    return value


def sanitize(html: str, *, block_remote_images: bool = True) -> tuple[str, int]:
    """Safe HTML and how many remote images were blocked."""
    blocked = 0
    if block_remote_images:
        html, blocked = _REMOTE_SRC.subn(r"\1data-remote-src\2", html)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head", "template", "noscript", "iframe", "object"},
        attributes=_ATTRIBUTES,
        attribute_filter=_filter,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return clean, blocked


_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr", "dt",
          "dd", "ul", "ol"}  # fmt: skip
_SKIP = {"script", "style", "head", "title", "template", "noscript"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.href = ""

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("・")
        if tag == "a":
            self.href = dict(attrs).get("href") or ""
        if tag in ("td", "th"):
            self.parts.append("\t")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")
        if tag == "a" and self.href.startswith(("http://", "https://")):
            self.parts.append(f" <{self.href}>")
            self.href = ""

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip(" \t") for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
