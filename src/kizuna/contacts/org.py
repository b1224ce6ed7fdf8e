"""A customer's org chart from careers: departments, and in each the people by rank of title."""

from itertools import groupby

# Higher first; titles not listed sort after these, then by reading.
RANKS = ["会長", "社長", "副社長", "専務", "常務", "取締役", "執行役員", "本部長", "事業部長", "工場長", "部長",
          "副部長", "次長", "室長", "所長", "課長", "課長代理", "係長", "主任", "リーダー", "担当"]  # fmt: skip


def title_rank(title: str) -> int:
    for rank, word in enumerate(RANKS):
        if word in (title or ""):
            return rank
    return len(RANKS)


def org_chart(jobs) -> list[tuple[str, list]]:
    """[(department, [employment, ...]), ...]: the department with the highest-ranked person first."""

    def department(job):
        return job.department or "—"

    groups = []
    for name, members in groupby(sorted(jobs, key=department), key=department):
        people = sorted(members, key=lambda j: (title_rank(j.title), j.person.kana_search))
        groups.append((name, people))
    return sorted(groups, key=lambda g: (title_rank(g[1][0].title), g[0]))
