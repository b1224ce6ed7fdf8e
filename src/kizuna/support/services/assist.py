"""Help for the agent on the ticket page, computed here without sending anything out: the articles that answer the
ticket (top 3 by BM25 over the ticket's words and the reply being written), an extractive summary of a long thread,
and a reply draft put together from the best article and a macro. The outside language model (services.llm) only
improves a summary or draft when an admin has turned it on."""

import math
import re
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kizuna.core import japanese
from kizuna.core.japanese.tokens import sentences, terms

from ..models import Article, Macro, Message, Ticket
from . import kb_search, macros

SUGGESTIONS = 3
MIN_SCORE = 1.0  # below this an article shares a word or two with the ticket, nothing more
SUMMARY_SENTENCES = 4
LONG_THREAD_CHARS = 600  # below this a thread is short enough to read; the summary is offered above it
_QUOTE = re.compile(r"^\s*(>|＞)")
_SIGNATURE = re.compile(r"^\s*(--\s*$|[-─━=＝_]{4,})")


def customer_text(ticket: Ticket, *, limit: int = 6) -> str:
    """The ticket's subject and its customer messages (newest last), quoted history and signatures cut."""
    rows = ticket.messages.filter(direction=Message.Direction.INBOUND).order_by("-sent_at", "-id")[:limit]
    parts = [ticket.subject]
    for m in reversed(list(rows)):
        parts.append(clean_body(m.body_text))
    return "\n".join(p for p in parts if p)


def clean_body(body: str) -> str:
    out = []
    for line in (body or "").splitlines():
        if _SIGNATURE.match(line):
            break
        if not _QUOTE.match(line):
            out.append(line)
    return "\n".join(out).strip()


def suggest_articles(user, ticket: Ticket, *, draft: str = "", limit: int = SUGGESTIONS) -> list[kb_search.Hit]:
    """The articles the agent may read that best answer the ticket; the reply being written refines them."""
    query_terms = terms(customer_text(ticket)) + terms(draft[:4000])
    scored = kb_search.bm25(Article.objects.visible_to(user), "", limit=limit, text_terms=query_terms)
    found = Article.objects.visible_to(user).select_related("category").in_bulk([pk for pk, _s in scored])
    return [kb_search.Hit(found[pk], score) for pk, score in scored if pk in found and score >= MIN_SCORE]


@dataclass
class Summary:
    sentences: list[str]
    total_sentences: int
    chars: int
    long: bool


def summarize(ticket: Ticket, *, sees_notes: bool = False, size: int = SUMMARY_SENTENCES) -> Summary:
    """Extractive: each sentence of the thread is scored by the TF-IDF weight of its terms across the thread (a word
    the thread keeps coming back to matters, one every sentence has does not), divided by the square root of its
    length, with a bonus for the customer's first message (it states the problem); the best ones are returned in
    thread order."""
    rows = ticket.messages.order_by("sent_at", "id")
    if not sees_notes:
        rows = rows.exclude(direction=Message.Direction.NOTE)
    items: list[tuple[int, str, list[str], bool]] = []
    first_inbound = None
    chars = 0
    for m in rows:
        body = clean_body(m.body_text)
        chars += len(body)
        if m.direction == Message.Direction.INBOUND and first_inbound is None:
            first_inbound = m.pk
        for s in sentences(body):
            if len(s) >= 4:
                items.append((len(items), s, terms(s), m.pk == first_inbound))
    if not items:
        return Summary([], 0, chars, chars > LONG_THREAD_CHARS)
    df = Counter(t for _i, _s, ts, _f in items for t in set(ts))
    tf = Counter(t for _i, _s, ts, _f in items for t in ts)
    n = len(items)
    weight = {t: tf[t] * math.log(1 + n / df[t]) for t in tf}
    scored = []
    for index, sentence, ts, first in items:
        if not ts:
            continue
        score = sum(weight[t] for t in set(ts)) / math.sqrt(len(ts))
        scored.append((score * (1.5 if first else 1.0), index, sentence))
    best = sorted(scored, key=lambda x: (-x[0], x[1]))[:size]
    picked, seen = [], set()
    for _score, _index, sentence in sorted(best, key=lambda x: x[1]):
        if sentence not in seen:
            seen.add(sentence)
            picked.append(sentence)
    return Summary(picked, n, chars, chars > LONG_THREAD_CHARS)


def draft_reply(*, user, ticket: Ticket, article: Article | None = None, macro: Macro | None = None) -> str:
    """The macro (its variables filled) with the article's answer before its last paragraph (the signature) when it
    has three or more, else after it; without a macro, a plain greeting and closing around the article."""
    if article is None:
        hits = suggest_articles(user, ticket, limit=1)
        article = hits[0].article if hits else None
    answer = article.body.strip() if article is not None else ""
    if macro is not None:
        body = macros.render(macro.body, ticket=ticket, agent=user)
        paragraphs = re.split(r"\n\s*\n", body.strip())
        if not answer:
            return body
        if len(paragraphs) >= 3:  # 宛名, 挨拶, …, 署名: the answer goes before the signature
            return "\n\n".join([*paragraphs[:-1], answer, paragraphs[-1]])
        return f"{body.strip()}\n\n{answer}"
    name = macros.render("{{お客様名}}", ticket=ticket, agent=user)
    greeting = _("%(name)s様\n\nお問い合わせいただき、ありがとうございます。") % {"name": name}
    closing = _("ほかにご不明な点がございましたら、お気軽にお問い合わせください。")
    return "\n\n".join(x for x in (greeting, answer, closing) if x)


# --- masking before anything leaves the building ----------------------------------------------------------------
_PHONE = re.compile(r"(?<![\d])(?:\+81[-\s]?|0)\d{1,4}[-\s(（]?\d{1,4}[-\s)）]?\d{3,4}(?![\d])")


def masker_for(ticket: Ticket):
    """`mask(text) -> (masked text, count)`: e-mail addresses (core.japanese.find_emails), phone numbers (runs of
    digits that core.japanese.phone_digits reads as a Japanese number), and the names, readings and contact values
    of the ticket's person and company, each replaced by a placeholder."""
    secrets: set[str] = set()
    person = ticket.person
    if person is not None:
        for value in (person.display_name, person.family_name + person.given_name, person.family_name,
                      person.reading, person.family_name_kana + person.given_name_kana):  # fmt: skip
            if value and len(value.strip()) >= 2:
                secrets.add(value.strip())
        for point in person.contact_points.all():
            secrets.update(v for v in (point.value, point.normalized) if v and len(v) >= 4)
    if ticket.company is not None and len(ticket.company.name) >= 2:
        secrets.add(ticket.company.name)
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))) if secrets else None

    def mask(value: str) -> tuple[str, int]:
        count = 0
        value = japanese.nfkc(value or "")
        if pattern is not None:
            value, n = pattern.subn("［氏名等］", value)
            count += n
        for address in japanese.find_emails(value):
            count += value.count(address)
            value = value.replace(address, "［メール］")

        def phone(match):
            nonlocal count
            if len(japanese.phone_digits(match.group())) >= 10:
                count += 1
                return "［電話番号］"
            return match.group()

        value = _PHONE.sub(phone, value)
        return value, count

    return mask
