"""An import column can go to a custom field (mapping value custom:<key>); the person service types and checks
the cell; a bad cell is that row's error; revert restores the old value."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kizuna.contacts.models import Person
from kizuna.imports import services
from kizuna.imports.fields import choices, spec_label, validate_mapping
from tests import factories


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def upload(actor, text: str):
    return services.upload(actor=actor, file=SimpleUploadedFile("顧客.csv", text.encode("cp932")),
                           filename="顧客.csv", match_on="email")  # fmt: skip


def test_wizard_offers_custom_fields_and_the_mapping_accepts_them(cast, fields):
    assert ("custom:rank", "ランク（カスタム項目）") in choices("person")
    assert spec_label("custom:rank") == "ランク（カスタム項目）"
    assert validate_mapping({0: "full_name", 1: "custom:rank"}) == []
    assert validate_mapping({0: "full_name", 1: "custom:nosuch"}) != []
    assert validate_mapping({0: "full_name", 1: "custom:rank", 2: "custom:rank"}) != []


def test_cells_are_typed_by_the_service_and_bad_ones_are_row_errors(cast, fields):
    job = upload(cast.owner, "氏名,メール,ランク,金額,開始日\r\n"
                 "山田 太郎,yamada@example.jp,A,１２０，０００円,令和6年4月1日\r\n"
                 "鈴木 花子,suzuki@example.jp,Z,100,2024/1/1\r\n")  # fmt: skip
    mapping = {"0": "full_name", "1": "email", "2": "custom:rank", "3": "custom:amount", "4": "custom:since"}
    services.set_mapping(actor=cast.owner, job=job, mapping=mapping)
    services.run(job.pk)
    yamada = Person.objects.get(family_name="山田")
    assert yamada.custom == {"rank": "A", "amount": 120000, "since": "2024-04-01"}
    assert not Person.objects.filter(family_name="鈴木").exists()
    job.refresh_from_db()
    [error] = job.errors
    assert error["row"] == 3 and error["field"] == "custom.rank" and "選択肢にありません" in error["message"]


def test_an_update_sets_the_value_and_revert_restores_it(cast, fields):
    person = factories.person(cast.owner, "遠藤", emails=[{"value": "endo@example.jp"}], custom={"rank": "C"})
    job = upload(cast.owner, "氏名,メール,ランク\r\n遠藤 太郎,endo@example.jp,A\r\n")
    services.set_mapping(actor=cast.owner, job=job, mapping={"0": "full_name", "1": "email", "2": "custom:rank"})
    services.run(job.pk)
    person.refresh_from_db()
    assert person.custom == {"rank": "A"}
    services.revert(actor=cast.owner, job=job)
    person.refresh_from_db()
    assert person.custom == {"rank": "C"}
