"""Contact points stored before phones and e-mails were read the RFC 6531 / numbering-plan way: a phone without an
E.164 form is parsed again (a possible number gets its E.164 and national digits and is marked 要確認; text that is
no number stays as it was, marked 要確認 too), and every e-mail gets its folded Unicode and punycode forms. The
people whose search text changed are indexed again."""

from django.db import migrations

BATCH = 2000


def recheck(apps, schema_editor):
    from kizuna.core import japanese

    ContactPoint = apps.get_model("contacts", "ContactPoint")
    changed_people = set()
    last = 0
    while True:
        points = list(ContactPoint.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not points:
            break
        last = points[-1].pk
        dirty = []
        for point in points:
            if point.kind == "email":
                email = japanese.parse_email(point.value)
                if not email.valid:
                    continue
                if (point.normalized, point.punycode) != (email.normalized, email.punycode):
                    if point.normalized != email.normalized or email.punycode != email.normalized:
                        changed_people.add(point.person_id)
                    point.normalized, point.punycode = email.normalized, email.punycode
                    dirty.append(point)
            elif not point.e164:
                phone = japanese.parse_phone(point.value)
                if phone.valid:
                    if point.normalized != phone.digits:
                        changed_people.add(point.person_id)
                    point.normalized, point.e164 = phone.digits, phone.e164
                point.needs_review, point.review_reason = True, phone.review_reason
                dirty.append(point)
        ContactPoint.objects.bulk_update(dirty, ["normalized", "punycode", "e164", "needs_review", "review_reason"])
    if changed_people:  # the live index writer, as 0004 uses it, once the tables are current (see _live)
        from kizuna.contacts.migrations import _live
        from kizuna.contacts.models import Person
        from kizuna.contacts.search import index_person

        if not _live.tables_current(schema_editor):
            _live.PENDING.add("person")
            return
        for person in Person.objects.filter(pk__in=changed_people, deleted_at__isnull=True):
            index_person(person)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0005_contact_point_review")]

    operations = [migrations.RunPython(recheck, migrations.RunPython.noop)]
