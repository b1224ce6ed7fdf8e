from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy


class ContactsConfig(AppConfig):
    name = "kizuna.contacts"
    label = "contacts"
    verbose_name = "Contacts"
    url_prefix = ""
    # The duplicates router first: /people/duplicates must win over /people/{person_id}.
    api_routers = ("kizuna.contacts.dedup.api.router", "kizuna.contacts.api.router")
    api_order = 10

    def ready(self):
        from kizuna.core import nav, permissions, visibility

        nav.register_main(
            "companies", pgettext_lazy("menu", "会社"), "contacts:company_list", order=10, group="customers"
        )
        nav.register_main("people", pgettext_lazy("menu", "人"), "contacts:person_list", order=20, group="customers")
        nav.register_main(
            "duplicates", pgettext_lazy("menu", "重複"), "contacts:duplicate_list", order=40, group="customers"
        )
        nav.register_main("trash", pgettext_lazy("menu", "ゴミ箱"), "contacts:trash", order=90, group="customers")

        from .masking import mask_changes, mask_person
        from .models import Company, Person

        permissions.register_object_type("person", _l("人"), permissions.ACTIONS)
        permissions.register_object_type(
            "company", _l("会社"), ("view", "create", "edit", "delete", "export", "merge", "import")
        )
        visibility.register_masker(Person, mask_person, history=mask_changes)
        self._register_history()
        # History keys that name people or companies without being a field of the record they are filed under.
        for name in ("merged", "merged_into", "not_duplicate_of"):  # records of the same kind as the row's
            visibility.register_history_field(name, visibility.SAME_KIND)
        for name, model in (("heard_from", Person), ("person", Person), ("people", Person), ("company", Company),
                            ("companies", Company), ("parent", Company)):  # fmt: skip
            visibility.register_history_field(name, model)
        from kizuna.core import personal_data

        from . import privacy

        personal_data.register("contacts", disclose=privacy.disclose, erase=privacy.erase)
        from kizuna.customfields import registry as custom_fields

        from . import search

        custom_fields.register(Person, reindex=lambda: search.reindex(search.PERSON))
        custom_fields.register(Company, reindex=lambda: search.reindex(search.COMPANY))

    @staticmethod
    def _register_history():
        """How people's and companies' audit rows read on their pages (core.history)."""
        from kizuna.core import history

        from .masking import mask_changes
        from .models import Employment, Person
        from .services.merge import history_ids

        history.register_action_labels({
            "employment.add": _l("職歴を追加"), "employment.update": _l("職歴を更新"),
            "employment.delete": _l("職歴を削除"), "merge": _l("統合"), "merged_into": _l("統合された"),
            "merge.undo": _l("統合を取り消し"), "dedup.train": _l("重複判定モデルを推定"),
            "duplicate.dismiss": _l("重複ではないと確認"),
        })  # fmt: skip
        history.register_field_labels({
            "emails": _l("メール"), "phones": _l("電話"), "tags": _l("タグ"), "company": _l("会社"),
            "site": _l("拠点"), "department": _l("部署"), "title": _l("役職"), "start_date": _l("開始日"),
            "end_date": _l("終了日"), "is_primary": _l("主所属"), "merged": _l("統合したレコード"),
            "merged_into": _l("統合先"), "restored": _l("元に戻したレコード"),
            "not_duplicate_of": _l("重複ではない相手"), "confirmed": _l("確認済みにした番号"),
        })  # fmt: skip
        history.register_choice_fields(Employment)  # a career's values are filed under the person
        # a person an inquiry registered names the channel it came through (support.services.intake)
        history.register_field_labels({"source": _l("登録元の窓口")}, model=Person)
        for kind in ("person", "company"):
            history.register_related_ids(kind, lambda pk, kind=kind: history_ids(kind, pk))
        # A birthday shown masked on the page (not revealed) is masked in its history too.
        history.register_page_masker(
            Person, lambda obj, changes: mask_changes(changes) if getattr(obj, "birthday_masked", False) else changes
        )
