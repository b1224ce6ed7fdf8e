"""The handover brief (引き継ぎ書) for one account: what the next person must know, on one page."""

from django.db.models import Count, Q
from django.utils import timezone

from kizuna.contacts.models import Employment, Person

from . import queries
from .graph import relationship_graph
from .models import Activity, Insight, Relationship


def company_brief(user, company, *, activities: int = 20) -> dict:
    """Everything comes through visible_to(user): a brief never shows what its reader may not see."""
    people = Person.objects.visible_to(user)
    jobs = (
        Employment.objects.alive().current().filter(company=company, person__in=people.values("pk"))
        .select_related("person", "site").order_by("department", "title", "person__kana_search")
    )  # fmt: skip
    key_people = []
    person_insights = Insight.objects.visible_to(user).filter(person__company=company)
    by_person: dict[int, list] = {}
    for insight in person_insights.select_related("recorded_by", "person").order_by("-confirmed_at"):
        by_person.setdefault(insight.person_id, []).append(insight)
    contact_counts = dict(
        Activity.objects.visible_to(user).filter(people__company=company).values_list("people").annotate(n=Count("id"))
    )
    for job in jobs[:100]:
        warmth = queries.temperature(company.owner, job.person) if company.owner else None
        key_people.append({"job": job, "person": job.person, "insights": by_person.get(job.person_id, []),
                           "contacts": contact_counts.get(job.person_id, 0), "temperature": warmth})  # fmt: skip
    key_people.sort(key=lambda row: (-len(row["insights"]), -row["contacts"]))
    visible_ids = set(people.filter(company=company).values_list("pk", flat=True))
    relationships = (
        Relationship.objects.alive()
        .filter(Q(from_person_id__in=visible_ids) & Q(to_person_id__in=visible_ids))
        .select_related("from_person", "to_person")
    )
    recent = queries.timeline(user, company=company, limit=activities).items
    # Insights about the company's people who have no current career row there (an import without a start date,
    # a person filed under the company only) would show on the company page but nowhere in the brief.
    listed = {row["person"].pk for row in key_people}
    company_insights = list(queries.insights(user, company=company)) + [
        i for pk, found in by_person.items() if pk not in listed for i in found
    ]
    return {
        "company": company,
        "generated_at": timezone.now(),
        "generated_by": user,
        "key_people": key_people,
        "company_insights": company_insights,
        "people_insight_count": sum(len(row["insights"]) for row in key_people),  # shown there, not here
        "seen_people": queries.seen_people(user, recent),
        "follow_ups": list(queries.open_follow_ups(user).filter(Q(company=company) | Q(person__company=company))),
        "recent": recent,
        "relationships": list(relationships),
        "activity_count": Activity.objects.visible_to(user).filter(companies=company).count(),
        "graph": relationship_graph(user, company),
    }


def render_pdf(html: str, *, base_url: str) -> bytes:
    """HTML → PDF with WeasyPrint (Japanese via the system's Noto CJK / IPAex fonts). Imported lazily:
    it needs Pango, which only PDF output requires."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
