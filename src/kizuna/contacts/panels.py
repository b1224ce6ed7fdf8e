"""Sections other apps add to the person and company pages (insight cards, the timeline, follow-ups) and to the
home page (today's tasks, accounts cooling down, what colleagues did on my accounts).

contacts never imports those apps: they register a render function here from their AppConfig.ready().
"""

_PANELS: dict[tuple[str, str], list] = {}
POSITIONS = ("top", "bottom")  # above the record's facts, or below its career/people lists


def register(kind: str, render, *, position: str = "bottom") -> None:
    """`render(request, obj) -> str` (escaped HTML, e.g. from render_to_string) on `kind` pages (obj is None on
    the home page)."""
    assert kind in ("person", "company", "home") and position in POSITIONS
    renders = _PANELS.setdefault((kind, position), [])
    if render not in renders:
        renders.append(render)


def render_panels(request, kind: str, obj) -> dict[str, list[str]]:
    return {pos: [render(request, obj) for render in _PANELS.get((kind, pos), [])] for pos in POSITIONS}
