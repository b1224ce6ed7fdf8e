"""The board's cards as HTML, built in Python: a board holds hundreds of cards, and a card rendered through the
template engine costs about a millisecond (each {% url %}, filter and translation per card), which is the whole
budget for 500 cards many times over. Every value is escaped here; the template marks the result safe.

A card: title (link to the deal), company (its placeholder when hidden), amount, expected close date, owner, a
"no next step" warning, and for those who may move it, the ◀ ▶ form (keyboard, no JavaScript) and the data the drag
and drop script needs (static/sales/board.js). A column with more cards than shown ends with "もっと見る": htmx
fetches the next page of the column (`sales:board_column`, keyset cursor `after`) in place of that link; without
JavaScript the link opens the deal list filtered to the stage."""

from html import escape
from urllib.parse import urlencode

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .money import format_yen

_PK = 987654321  # a placeholder id, replaced in the reversed URL


def _url_pattern(name: str) -> str:
    return reverse(name, args=[_PK]).replace(str(_PK), "{pk}")


def render_columns(request, columns, *, query: str, stalled_before) -> None:
    """Set `cards_html` on each column (`prev_stage`, `next_stage`, `deals`, `count`, `next_cursor` set)."""
    for column in columns:
        render_column(
            request, column, query=query, stalled_before=stalled_before, left=column.count - len(column.deals)
        )


def render_column(request, column, *, query: str, stalled_before, left: int | None) -> None:
    """`cards_html` of one column's cards; `left`: how many of its deals are not shown yet (for "もっと見る"), None
    when not known."""
    detail_url, move_url = _url_pattern("sales:deal_detail"), _url_pattern("sales:board_move")
    csrf = escape(get_token(request))
    form_query = escape(query)
    no_step = escape(_("次のアクション未設定"))
    today = timezone.localdate()
    prev_stage, next_stage = column.prev_stage, column.next_stage
    back = forward = ""
    if prev_stage is not None:
        label = escape(_("%(stage)sに戻す") % {"stage": prev_stage.name})
        back = (f'<button type="submit" name="stage" value="{prev_stage.pk}" class="linkish" '
                f'title="{escape(prev_stage.name)}" aria-label="{label}">◀</button>')  # fmt: skip
    if next_stage is not None:
        label = escape(_("%(stage)sに進める") % {"stage": next_stage.name})
        forward = (f'<button type="submit" name="stage" value="{next_stage.pk}" class="linkish" '
                   f'title="{escape(next_stage.name)}" aria-label="{label}">▶</button>')  # fmt: skip
    parts = []
    for deal in column.deals:
        pk = deal.pk
        overdue = deal.next_step_due is not None and deal.next_step_due < today
        stalled = " stalled" if deal.quiet_since < stalled_before or not deal.next_step or overdue else ""
        meta = [f"<strong>{escape(format_yen(deal.amount))}</strong>"]
        if deal.expected_close_on:
            meta.append(f"{deal.expected_close_on.month}/{deal.expected_close_on.day}")
        if deal.owner_name:
            meta.append(escape(deal.owner_name))
        move = ""
        drag = ""
        if deal.movable:
            url = move_url.format(pk=pk)
            drag = f' draggable="true" data-move-url="{url}" data-version="{deal.version}"'
            move = (f'<form method="post" action="{url}" class="card-move" hx-post="{url}" '
                    f'hx-target="#deal-board" hx-swap="outerHTML">'
                    f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
                    f'<input type="hidden" name="version" value="{deal.version}">'
                    f'<input type="hidden" name="query" value="{form_query}">{back}{forward}</form>')  # fmt: skip
        warn = "" if deal.next_step else f'<span class="small warn">{no_step}</span>'
        parts.append(
            f'<li class="deal-card{stalled}" id="deal-card-{pk}"{drag}>'
            f'<a href="{detail_url.format(pk=pk)}" class="deal-title">{escape(deal.title)}</a>'
            f'<span class="small">{escape(deal.company_label)}</span>'
            f'<span class="small">{" · ".join(meta)}</span>{warn}{move}</li>'
        )  # fmt: skip
    if column.next_cursor:  # a cursor means at least one more card, whatever `left` says
        parts.append(_more(column, query=query, left=None if left is None else max(left, 1)))
    column.cards_html = mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _more(column, *, query: str, left: int | None) -> str:
    """The "もっと見る" item: htmx swaps it for the next page of the column; without JavaScript, the deal list."""
    stage = column.stage.pk
    extra = urlencode({"after": column.next_cursor} | ({} if left is None else {"left": left}))
    fetch = reverse("sales:board_column", args=[stage]) + "?" + (f"{query}&" if query else "") + extra
    listed = reverse("sales:deal_list") + "?" + (f"{query}&" if query else "") + urlencode({"stage": stage})
    label = escape(_("もっと見る") if left is None else _("もっと見る（残り %(n)s 件）") % {"n": f"{left:,}"})
    return (f'<li class="board-more small"><a href="{escape(listed)}" hx-get="{escape(fetch)}" '
            f'hx-target="closest li" hx-swap="outerHTML">{label}</a></li>')  # fmt: skip
