"""Nothing lost: phones the numbering-plan metadata does not list, RFC 6531 e-mails and text that is neither are
kept — through the service, the API, the form and the person page — and an update never costs an existing
contact point because a new value could not be read."""

import csv
import io

import pytest
from django.test import Client

from kizuna.contacts import services
from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.dedup.linkage import reason_label
from kizuna.contacts.exports import export
from kizuna.contacts.models import ContactPoint, Person
from kizuna.contacts.search import search_records
from kizuna.contacts.services.bulk import bulk_create_people, contact_point
from kizuna.contacts.services.merge import merge_records, undo_merge
from kizuna.core import japanese
from kizuna.core.models import AuditEvent
from kizuna.core.permissions import Visibility
from tests import factories

OFFICE_PHONES = ["011-454-3928", "076-1112-5095 内線253"]
IDN_EMAIL = "イワサキ37@新星.example.co.jp"
IDN_PUNYCODE = "イワサキ37@xn--efvpj.example.co.jp"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def _phones(person):
    return {p.normalized: p for p in person.contact_points.filter(kind="phone")}


# --- the service -------------------------------------------------------------------------------------
def test_off_plan_phones_and_idn_emails_are_stored_through_the_service(cast):
    person = factories.person(
        cast.owner, "岩崎", "健", phones=[{"value": v, "label": "office"} for v in OFFICE_PHONES],
        emails=[IDN_EMAIL, "sato@例え.テスト"],
    )  # fmt: skip
    phones = _phones(person)
    assert set(phones) == {"0114543928", "07611125095"}
    sapporo, kanazawa = phones["0114543928"], phones["07611125095"]
    assert (sapporo.value, sapporo.e164, sapporo.needs_review, sapporo.review_reason) == (
        "011-454-3928", "+81114543928", True, "not_in_plan",
    )  # fmt: skip
    assert (kanazawa.value, kanazawa.extension, kanazawa.e164) == ("076-1112-5095", "253", "+817611125095")
    assert kanazawa.get_review_reason_display() == "番号計画にない番号"
    emails = {p.value: p for p in person.contact_points.filter(kind="email")}
    assert emails[IDN_EMAIL].normalized == IDN_EMAIL
    assert emails[IDN_EMAIL].punycode == IDN_PUNYCODE
    assert emails["sato@例え.テスト"].punycode == "sato@xn--r8jz45g.xn--zckzah"
    assert person.unparsed_values == []
    created = AuditEvent.objects.get(action="create", object_id=str(person.pk))
    assert created.changes["phones"][1] == ["011-454-3928", "076-1112-5095 内線253"]


def test_text_that_is_no_phone_or_address_is_kept_on_the_person_and_audited(cast):
    person = factories.person(
        cast.owner, phones=["03-1234-5678", "担当者に確認中"], emails=["tanaka@", "tanaka@example.jp"]
    )
    assert [p.value for p in person.contact_points.order_by("kind", "position")] == ["tanaka@example.jp",
                                                                                     "03-1234-5678"]  # fmt: skip
    assert person.unparsed_values == [
        {"kind": "email", "value": "tanaka@", "label": "work", "reason": "not_an_email"},
        {"kind": "phone", "value": "担当者に確認中", "label": "other", "reason": "not_a_phone"},
    ]
    created = AuditEvent.objects.get(action="create", object_id=str(person.pk))
    assert created.changes["unparsed_values"] == [None, ["tanaka@", "担当者に確認中"]]


def test_the_punycode_and_the_unicode_spelling_are_one_address_for_matching(cast):
    person = factories.person(cast.owner, "岩崎", "健", family_name_kana="イワサキ", given_name_kana="ケン",
                              emails=[IDN_EMAIL])  # fmt: skip
    found = dedup.probable_duplicates(cast.owner, dedup.PERSON, {
        "family_name": "岩崎", "given_name": "健", "family_name_kana": "イワサキ", "given_name_kana": "ケン",
        "emails": [IDN_PUNYCODE],
    })  # fmt: skip
    assert [(f.id, "同じメール" in map(reason_label, reasons)) for _, reasons, f in found] == [(person.pk, True)]
    assert ContactPoint.objects.filter(kind="email", normalized=japanese.normalize_email(IDN_PUNYCODE)).count() == 1


# --- an update never removes what it could not replace ----------------------------------------------------
@pytest.fixture
def kanazawa(cast):
    """A person whose office phone the old code called invalid (stored by the bulk path, as demo data and imports
    did): 076-1112-5095 内線253."""
    person = Person(family_name="北村", given_name="誠", owner=cast.owner, team=cast.owner.team,
                    visibility=Visibility.TEAM, external_id="K-253")  # fmt: skip
    points = {0: [contact_point("phone", "076-1112-5095 内線253", "office")]}
    return bulk_create_people(actor=cast.owner, people=[person], points=points)[0]


def test_an_update_with_a_value_that_cannot_be_read_keeps_the_existing_phone(cast, kanazawa):
    services.update_person(actor=cast.owner, person=kanazawa, data={"phones": [{"value": "新しい番号は後日"}]})
    assert [str(p) for p in kanazawa.contact_points.all()] == ["076-1112-5095 内線253"]
    kanazawa.refresh_from_db()
    assert [e["value"] for e in kanazawa.unparsed_values] == ["新しい番号は後日"]
    update = AuditEvent.objects.filter(action="update", object_id=str(kanazawa.pk)).get()
    assert "phones" not in update.changes  # no "電話: 076-1112-5095 内線253 → —"
    assert update.changes["unparsed_values"] == [[], ["新しい番号は後日"]]


def test_an_update_of_the_emails_alone_leaves_the_phones_alone(cast, kanazawa):
    services.update_person(actor=cast.owner, person=kanazawa, data={"emails": ["kitamura@example.jp"]})
    assert sorted(str(p) for p in kanazawa.contact_points.all()) == ["076-1112-5095 内線253", "kitamura@example.jp"]


def test_an_update_with_a_readable_list_still_replaces_it(cast, kanazawa):
    services.update_person(actor=cast.owner, person=kanazawa, data={"phones": ["03-1234-5678"]})
    assert [str(p) for p in kanazawa.contact_points.all()] == ["03-1234-5678"]


def test_a_confirmed_number_stays_confirmed_when_saved_again(cast):
    person = factories.person(cast.owner, phones=["011-454-3928"])
    point = person.contact_points.get()
    services.confirm_contact_point(actor=cast.owner, person=person, point_id=point.pk)
    assert not person.contact_points.get().needs_review
    assert AuditEvent.objects.filter(action="update", object_id=str(person.pk)).get().changes == {
        "confirmed": [None, "011-454-3928"]
    }
    person.refresh_from_db()
    services.update_person(actor=cast.owner, person=person, data={"phones": ["011-454-3928", "090-1111-2222"]})
    assert {p.value: p.needs_review for p in person.contact_points.all()} == {"011-454-3928": False,
                                                                               "090-1111-2222": False}  # fmt: skip


def test_a_kept_value_leaves_the_list_only_when_a_person_takes_it_off(cast):
    person = factories.person(cast.owner, phones=["不明"])
    services.update_person(actor=cast.owner, person=person, data={"phones": ["03-1234-5678"]})
    person.refresh_from_db()
    assert [e["value"] for e in person.unparsed_values] == ["不明"]  # a later save does not drop it
    services.resolve_unparsed_value(actor=cast.owner, person=person, kind="phone", value="不明")
    person.refresh_from_db()
    assert person.unparsed_values == []
    event = AuditEvent.objects.filter(action="update", object_id=str(person.pk)).order_by("-id").first()
    assert event.changes == {"unparsed_values": [["不明"], []]}


def test_merging_keeps_the_unparsed_values_of_both_and_undo_restores_them(cast):
    survivor = factories.person(cast.owner, phones=["不明"])
    other = factories.person(cast.owner, emails=["tanaka@"])
    merge = merge_records(actor=cast.admin, kind="person", survivor=survivor, others=[other])
    survivor.refresh_from_db()
    assert [e["value"] for e in survivor.unparsed_values] == ["不明", "tanaka@"]
    undo_merge(actor=cast.admin, merge=merge)
    survivor.refresh_from_db()
    assert [e["value"] for e in survivor.unparsed_values] == ["不明"]


# --- search ---------------------------------------------------------------------------------------------
@pytest.fixture
def iwasaki(cast):
    return factories.person(cast.owner, "岩崎", "健", emails=[IDN_EMAIL], phones=["携帯は名刺の裏"])


@pytest.mark.parametrize("query", ["新星.example", "xn--efvpj", IDN_PUNYCODE, IDN_EMAIL, "イワサキ37@"])
def test_searching_the_unicode_or_the_punycode_domain_finds_the_person(cast, iwasaki, query):
    _, results, _ = search_records(cast.teammate, query, type="person")
    assert [r.id for r in results] == [iwasaki.pk]


def test_a_kept_value_is_searchable_by_the_owner_only(cast, iwasaki):
    assert [r.id for r in search_records(cast.owner, "名刺の裏", type="person")[1]] == [iwasaki.pk]
    assert search_records(cast.readonly, "名刺の裏", type="person")[1] == []  # may be a mobile number


def test_an_off_plan_number_is_found_by_its_digits(cast):
    person = factories.person(cast.owner, phones=["076-1112-5095 内線253"])
    assert [r.id for r in search_records(cast.teammate, "1112-5095", type="person")[1]] == [person.pk]


# --- API ------------------------------------------------------------------------------------------------
def test_api_create_keeps_off_plan_phones_idn_emails_and_unreadable_text(cast, api):
    response = api(cast.owner).post("/api/v1/people", {
        "family_name": "岩崎", "given_name": "健",
        "emails": [{"value": IDN_EMAIL}, {"value": "iwasaki@@example"}],
        "phones": [{"value": "011-454-3928", "label": "office"}, {"value": "076-1112-5095", "extension": "253"},
                   {"value": "番号なし"}],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(p["value"], p["extension"], p["needs_review"], p["review_reason"]) for p in body["phones"]] == [
        ("011-454-3928", "", True, "not_in_plan"), ("076-1112-5095", "253", True, "not_in_plan"),
    ]  # fmt: skip
    assert [(e["value"], e["punycode"]) for e in body["emails"]] == [(IDN_EMAIL, IDN_PUNYCODE)]
    assert body["unparsed_values"] == [
        {"kind": "email", "value": "iwasaki@@example", "label": "work", "reason": "not_an_email"},
        {"kind": "phone", "value": "番号なし", "label": "other", "reason": "not_a_phone"},
    ]


def test_api_patch_with_an_unreadable_phone_keeps_the_existing_one(cast, api, kanazawa):
    client = api(cast.owner)
    etag = client.get(f"/api/v1/people/{kanazawa.pk}")["ETag"]
    response = client.patch(f"/api/v1/people/{kanazawa.pk}", {"phones": [{"value": "?"}]}, headers={"If-Match": etag})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(p["value"], p["extension"]) for p in body["phones"]] == [("076-1112-5095", "253")]
    assert [e["value"] for e in body["unparsed_values"]] == ["?"]


def test_api_masks_kept_values_for_a_reader_without_the_permission(cast, api, iwasaki):
    body = api(cast.readonly).get(f"/api/v1/people/{iwasaki.pk}").json()
    assert [e["value"] for e in body["unparsed_values"]] == ["****"]


# --- the form and the person page ----------------------------------------------------------------------
FORM = {
    "family_name": "岩崎", "given_name": "健", "lifecycle_stage": "lead", "visibility": "team",
    "email_0": IDN_EMAIL, "email_label_0": "work", "phone_0": "011-454-3928", "phone_label_0": "office",
    "phone_1": "076-1112-5095 内線253", "phone_label_1": "", "phone_2": "先方に確認", "phone_label_2": "",
}  # fmt: skip


def test_the_form_keeps_everything_and_the_page_shows_what_needs_review(cast):
    client = client_for(cast.owner)
    response = client.post("/people/new/", FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(family_name="岩崎")
    assert set(_phones(person)) == {"0114543928", "07611125095"}
    assert person.contact_points.get(kind="email").punycode == IDN_PUNYCODE
    assert [e["value"] for e in person.unparsed_values] == ["先方に確認"]
    page = client.get(response["Location"]).content.decode()
    review = page[page.index('id="review"') : page.index("</section>", page.index('id="review"'))]
    assert "要確認" in review and "番号計画にない番号" in review
    assert "011-454-3928" in review and "076-1112-5095" in review
    assert "先方に確認" in review and "電話番号として読めない値" in review
    assert "読み取れなかった値を入力のまま残しました" in page  # the message after saving


def test_editing_in_the_form_with_an_unreadable_number_keeps_the_old_one(cast, kanazawa):
    client = client_for(cast.owner)
    data = FORM | {"family_name": "北村", "given_name": "誠", "version": kanazawa.version, "phone_0": "不在",
                   "phone_1": "", "phone_2": "", "email_0": ""}  # fmt: skip
    response = client.post(f"/people/{kanazawa.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [str(p) for p in kanazawa.contact_points.all()] == ["076-1112-5095 内線253"]
    kanazawa.refresh_from_db()
    assert [e["value"] for e in kanazawa.unparsed_values] == ["不在"]


def test_the_page_buttons_confirm_a_number_and_take_a_value_off_the_list(cast, iwasaki):
    services.update_person(actor=cast.owner, person=iwasaki, data={"phones": ["011-454-3928"]})
    client = client_for(cast.owner)
    point = iwasaki.contact_points.get(kind="phone")
    assert client.post(f"/people/{iwasaki.pk}/review/", {"point": point.pk}).status_code == 302
    assert not ContactPoint.objects.get(pk=point.pk).needs_review
    response = client.post(f"/people/{iwasaki.pk}/review/", {"kind": "phone", "value": "携帯は名刺の裏"})
    assert response.status_code == 302
    iwasaki.refresh_from_db()
    assert iwasaki.unparsed_values == []
    assert 'id="review"' not in client.get(f"/people/{iwasaki.pk}/").content.decode()


def test_review_actions_need_write_access(cast, iwasaki):
    assert client_for(cast.readonly).post(f"/people/{iwasaki.pk}/review/", {"kind": "phone", "value": "x"}
                                          ).status_code == 403  # fmt: skip
    assert client_for(cast.outsider).post(f"/people/{iwasaki.pk}/review/", {}).status_code == 404
    assert client_for(cast.owner).get(f"/people/{iwasaki.pk}/review/").status_code == 405


def test_a_reader_without_the_permission_sees_the_kept_value_masked(cast, iwasaki):
    page = client_for(cast.readonly).get(f"/people/{iwasaki.pk}/").content.decode()
    assert 'id="review"' in page and "携帯は名刺の裏" not in page


# --- export ---------------------------------------------------------------------------------------------
def test_the_export_has_the_kept_values_and_the_off_plan_numbers(cast, iwasaki):
    services.update_person(actor=cast.owner, person=iwasaki, data={"phones": ["076-1112-5095 内線253"]})
    rows = list(csv.reader(io.StringIO(export(actor=cast.owner, kind="person").content.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert row[header.index("電話番号")] == "076-1112-5095 内線253"
    assert row[header.index("メールアドレス")] == IDN_EMAIL
    assert row[header.index("要確認（読み取れなかった値）")] == "携帯は名刺の裏"


# --- business-card capture -------------------------------------------------------------------------------
def test_a_card_with_an_off_plan_office_number_fills_the_form_and_the_number_is_kept(cast):
    from kizuna.timeline.cards import parse_text

    fields = parse_text("株式会社新星\n営業部 課長\n岩崎 健\nTEL 011-454-3928  FAX 011-454-3929\niwasaki@example.jp")
    assert (fields["phone_0"], fields["phone_label_0"]) == ("011-454-3928", "office")
    data = FORM | {"phone_0": fields["phone_0"], "phone_1": "", "phone_2": "", "email_0": fields["email_0"]}
    response = client_for(cast.owner).post("/people/new/", data)
    assert response.status_code == 302
    point = Person.objects.get(family_name="岩崎").contact_points.get(kind="phone")
    assert (point.value, point.needs_review) == ("011-454-3928", True)
