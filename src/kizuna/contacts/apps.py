from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "kizuna.contacts"
    label = "contacts"
    verbose_name = "Contacts"

    def ready(self):
        from kizuna.core import visibility

        from .masking import mask_changes, mask_person
        from .models import Company, Person

        visibility.register_masker(Person, mask_person, history=mask_changes)
        # History keys that name people or companies without being a field of the record they are filed under.
        for name in ("merged", "merged_into", "not_duplicate_of"):  # records of the same kind as the row's
            visibility.register_history_field(name, visibility.SAME_KIND)
        for name, model in (("heard_from", Person), ("person", Person), ("people", Person), ("company", Company),
                            ("companies", Company), ("parent", Company)):  # fmt: skip
            visibility.register_history_field(name, model)
