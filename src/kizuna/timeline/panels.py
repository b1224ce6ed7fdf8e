"""Sections other apps add to an activity's page (the 日報 that cite it, the deal it belongs to).

timeline never imports those apps: they register `render(request, activity) -> str` (escaped HTML, e.g. from
render_to_string; "" to show nothing) from their AppConfig.ready(), and the page shows each below the activity.
"""

_PANELS: list = []


def register(render) -> None:
    if render not in _PANELS:
        _PANELS.append(render)


def render_panels(request, activity) -> list[str]:
    return [html for render in _PANELS if (html := render(request, activity))]
