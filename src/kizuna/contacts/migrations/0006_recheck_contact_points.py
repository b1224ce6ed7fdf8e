"""Contact points stored before phones and e-mails were read the RFC 6531 / numbering-plan way: a phone without an
E.164 form is parsed again (a possible number gets its E.164 and national digits and is marked 要確認; text that is
no number stays as it was, marked 要確認 too), and every e-mail gets its folded Unicode and punycode forms. The
people whose search text changed are indexed again."""

from django.db import migrations

BATCH = 2000


def recheck(apps, schema_editor):
    from kizuna.core import japanese

    ContactPoint = apps.get_model("contacts", "ContactPoint")
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
                    point.normalized, point.punycode = email.normalized, email.punycode
                    dirty.append(point)
            elif not point.e164:
                phone = japanese.parse_phone(point.value)
                if phone.valid:
                    point.normalized, point.e164 = phone.digits, phone.e164
                point.needs_review, point.review_reason = True, phone.review_reason
                dirty.append(point)
        ContactPoint.objects.bulk_update(dirty, ["normalized", "punycode", "e164", "needs_review", "review_reason"])
    # The people whose values changed are found by search again once 0008 rebuilds every search document.


class Migration(migrations.Migration):
    dependencies = [("contacts", "0005_contact_point_review")]

    operations = [migrations.RunPython(recheck, migrations.RunPython.noop)]
