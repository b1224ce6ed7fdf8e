"""Demo data for the PDCA loop: revenue and visit targets for every rep and team over the current fiscal year, so
the dashboards show target against actual on `kizuna demo` (runs after the demo deals)."""

from django.utils import timezone

from kizuna.core.permissions import has_perm

from .models import SalesSettings
from .services import forecast as fc
from .services.targets import set_targets


def load(users, rng) -> str:
    admin = next((u for u in users if u.is_superuser or u.role == "admin"), None)
    if admin is None:
        return "targets 0 (no administrator)"
    start_month = SalesSettings.current().fiscal_year_start_month
    fy = fc.fiscal_year(fc.fiscal_year_of(timezone.localdate(), start_month), start_month)
    reps = [u for u in users if has_perm(u, "deal", "create") and not u.is_superuser and u.username != "admin"]
    items = []
    for rep in reps:
        base = rng.randint(8, 25) * 1_000_000
        for month in fy.months:
            items.append({"user": rep.pk, "month": f"{month:%Y-%m}", "metric": "revenue",
                          "value": base + rng.randint(-3, 3) * 500_000})  # fmt: skip
            items.append({"user": rep.pk, "month": f"{month:%Y-%m}", "metric": "visits", "value": rng.randint(12, 24)})
    if items:
        set_targets(actor=admin, items=items)
    return f"targets {len(items)}"
