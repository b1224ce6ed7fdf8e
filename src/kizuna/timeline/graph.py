"""The relationship map of a customer: their people by department, our people, edges weighted by contact.

One data structure feeds the interactive map on the company page (ECharts) and the static SVG in the
handover brief (PDF has no JavaScript).
"""

import math
from collections import Counter

from django.db.models import Q
from django.utils.translation import gettext as _

from kizuna.accounts.models import User
from kizuna.contacts.models import Employment, Person

from .models import Activity, Relationship

PALETTE = ["#2f6fdb", "#d9534f", "#5cb85c", "#f0ad4e", "#8e44ad", "#16a085", "#c0392b", "#7f8c8d"]


def relationship_graph(user, company, *, max_people: int = 30, width: int = 640, height: int = 420) -> dict:
    people = Person.objects.visible_to(user)
    jobs = list(
        Employment.objects.alive().current().filter(company=company, person__in=people.values("pk"))
        .select_related("person").order_by("department", "person__kana_search")[:max_people]
    )  # fmt: skip
    person_ids = [j.person_id for j in jobs]
    contacts = Counter()
    for user_id, person_id in (
        Activity.objects.visible_to(user).filter(people__in=person_ids)
        .values_list("our_participants", "people").distinct()
    ):  # fmt: skip
        if user_id and person_id in person_ids:
            contacts[(user_id, person_id)] += 1
    ours = {u.pk: u for u in User.objects.filter(pk__in={u for u, _ in contacts})}
    departments = sorted({j.department or "—" for j in jobs})
    nodes = [{"id": f"p{j.person_id}", "name": str(j.person), "title": j.title, "category": departments.index(
        j.department or "—"), "url": j.person.get_absolute_url(), "ours": False} for j in jobs]  # fmt: skip
    nodes += [{"id": f"u{u.pk}", "name": u.display_name or u.username, "title": "", "category": len(departments),
               "url": "", "ours": True} for u in ours.values()]  # fmt: skip
    links = [{"source": f"u{u}", "target": f"p{p}", "weight": n, "label": ""} for (u, p), n in contacts.items()]
    for rel in Relationship.objects.alive().filter(Q(from_person_id__in=person_ids) & Q(to_person_id__in=person_ids)):
        links.append({"source": f"p{rel.from_person_id}", "target": f"p{rel.to_person_id}", "weight": 1,
                      "label": rel.label or rel.get_kind_display()})  # fmt: skip
    _layout(nodes, width, height)
    by_id = {n["id"]: n for n in nodes}
    for link in links:
        link["a"], link["b"] = by_id[link["source"]], by_id[link["target"]]
        link["stroke"] = min(1 + link["weight"], 8)
    categories = [{"name": d, "color": PALETTE[i % len(PALETTE)]} for i, d in enumerate(departments)]
    categories.append({"name": _("自社"), "color": "#333333"})
    for node in nodes:
        node["color"] = categories[node["category"]]["color"]
    return {"nodes": nodes, "links": links, "categories": categories, "width": width, "height": height}


def _layout(nodes, width, height) -> None:
    """Their people on an outer ring grouped by department, our people in the middle: stable, readable."""
    theirs = [n for n in nodes if not n["ours"]]
    ours = [n for n in nodes if n["ours"]]
    cx, cy = width / 2, height / 2
    for ring, members, rx, ry in ((0, theirs, width * 0.42, height * 0.40), (1, ours, width * 0.12, height * 0.12)):
        for i, node in enumerate(members):
            angle = 2 * math.pi * i / max(len(members), 1) - math.pi / 2
            node["x"] = round(cx + (rx if len(members) > 1 or ring == 0 else 0) * math.cos(angle), 1)
            node["y"] = round(cy + (ry if len(members) > 1 or ring == 0 else 0) * math.sin(angle), 1)


def echarts_data(graph: dict) -> dict:
    """The same graph, shaped for ECharts' graph series (plain JSON: no node references)."""
    return {
        "categories": [{"name": c["name"], "itemStyle": {"color": c["color"]}} for c in graph["categories"]],
        "nodes": [
            {
                "id": n["id"],
                "name": n["name"],
                "category": n["category"],
                "x": n["x"],
                "y": n["y"],
                "symbolSize": 18 if n["ours"] else 14,
                "value": n["title"],
                "url": n["url"],
            }
            for n in graph["nodes"]
        ],
        "links": [
            {
                "source": ln["source"],
                "target": ln["target"],
                "value": ln["weight"],
                "label": ln["label"],
                "lineStyle": {"width": ln["stroke"], "type": "dashed" if ln["label"] else "solid"},
            }
            for ln in graph["links"]
        ],
    }
