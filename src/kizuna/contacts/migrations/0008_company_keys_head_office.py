"""Company names like 山田製作所株式会社東京本社 (a head office named by its city, without a space) now key as
山田製作所 with the legal form 株式会社; the keys stored before are computed again."""

from django.db import migrations
from django.db.models import Q

BATCH = 2000


def rekey(apps, schema_editor):
    from kizuna.core import japanese

    Company = apps.get_model("contacts", "Company")
    offices = Company.objects.filter(Q(name__contains="本社") | Q(name__contains="本店")).order_by("pk")
    last = 0
    while True:
        companies = list(offices.filter(pk__gt=last)[:BATCH])
        if not companies:
            break
        last = companies[-1].pk
        dirty = []
        for company in companies:
            key, form = japanese.company_key(company.name), japanese.legal_form(company.name)
            if (company.name_key, company.legal_form) != (key, form):
                company.name_key, company.legal_form = key, form
                dirty.append(company)
        Company.objects.bulk_update(dirty, ["name_key", "legal_form"])


class Migration(migrations.Migration):
    dependencies = [("contacts", "0007_linkage_model")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
