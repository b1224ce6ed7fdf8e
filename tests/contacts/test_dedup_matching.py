"""The pair rules on the variants Japanese data is full of (no database needed)."""

from kizuna.contacts.dedup.facts import company_facts_from_data, person_facts_from_data
from kizuna.contacts.dedup.linkage import reason_label
from kizuna.contacts.dedup.matching import score_companies, score_people
from kizuna.contacts.dedup.scan import COMPANY, PERSON, find_clusters


class FakeCompany:
    def __init__(self, name):
        from kizuna.core import japanese

        self.name_key, self.legal_form = japanese.company_key(name), japanese.legal_form(name)


def labels(reasons):
    return [reason_label(r) for r in reasons]


def person(pid, family, given="", kana="", company="", **data):
    facts = person_facts_from_data(
        {"family_name": family, "given_name": given, "family_name_kana": kana, **data},
        company=FakeCompany(company) if company else None,
    )
    facts.id = pid
    return facts


def test_width_kana_old_kanji_and_honorific_meet():
    a = person(1, "髙橋", "一郎", "ﾀｶﾊｼ", company="㈱山田製作所", phones=["03-1234-5678"])
    b = person(
        2, "高橋", "一郎様", "たかはし", company="山田製作所株式会社", phones=["０３（１２３４）５６７８ 内線12"]
    )
    score, reasons = score_people(a, b)
    assert score >= 0.9
    assert "同じ会社" in labels(reasons)


def test_mobile_follows_a_person_who_changed_company():
    a = person(1, "斎藤", "花子", company="山田製作所", phones=["090-1111-2222"])
    b = person(2, "齋藤", "花子", company="鈴木工業", phones=["09011112222"])
    score, reasons = score_people(a, b)
    assert score >= 0.95
    assert "同じ携帯電話" in labels(reasons) and "転職・異動の可能性" in reasons


def test_email_in_any_case_or_width():
    a = person(1, "渡辺", "健", emails=["Ken.Watanabe@Example.JP"])
    b = person(2, "渡邊", "健", emails=["ｋｅｎ.ｗａｔａｎａｂｅ＠example.jp"])
    assert score_people(a, b)[0] >= 0.95


def test_same_name_at_different_companies_is_not_a_duplicate():
    a = person(1, "佐藤", "健一", company="山田製作所")
    b = person(2, "佐藤", "健一", company="鈴木工業")
    assert score_people(a, b)[0] < 0.9


def test_same_name_same_company_different_mobiles_are_two_people():
    a = person(1, "佐藤", "健一", company="山田製作所", phones=["090-1111-2222"])
    b = person(2, "佐藤", "健一", company="山田製作所", phones=["080-3333-4444"])
    score, reasons = score_people(a, b)
    assert score < 0.9
    assert any("別人" in r for r in reasons)


def test_shared_office_phone_alone_proves_nothing():
    a = person(1, "佐藤", "健一", phones=["03-1234-5678"])
    b = person(2, "鈴木", "一郎", phones=["03-1234-5678"])
    assert score_people(a, b)[0] < 0.01


def test_kana_only_name_meets_the_reading_of_the_kanji_record():
    a = person(1, "たなか", "いちろう", company="山田製作所")
    b = person(2, "田中", "一郎", "タナカ", company="(株)山田製作所", given_name_kana="イチロウ")
    assert score_people(a, b)[0] >= 0.9


def test_different_birthdays_never_match():
    a = person(1, "田中", "一郎", company="山田製作所", birthday="1980-04-01")
    b = person(2, "田中", "一郎", company="山田製作所", birthday="1981-04-01")
    assert score_people(a, b)[0] == 0.0


def company(cid, name, **data):
    facts = company_facts_from_data({"name": name, **data})
    facts.id = cid
    return facts


def test_legal_form_at_either_end_is_the_same_company():
    a = company(1, "株式会社山田製作所", phone="03-1234-5678")
    b = company(2, "山田製作所㈱", phone="０３－１２３４－５６７８")
    assert score_companies(a, b)[0] >= 0.95


def test_kabushiki_and_yugen_are_different_companies():
    a = company(1, "株式会社山田製作所")
    b = company(2, "有限会社山田製作所")
    assert score_companies(a, b)[0] < 0.9


def test_corporate_number_decides():
    a = company(1, "山田製作所", corporate_number="1010001000006")
    b = company(2, "ヤマダ製作所", corporate_number="1010001000006")
    assert score_companies(a, b)[0] == 1.0


def test_clusters_join_transitively_and_skip_dismissed_pairs():
    records = [
        person(1, "田中", "一郎", company="山田製作所", phones=["090-1111-2222"]),
        person(2, "田中", "一郎", company="山田製作所"),
        person(3, "田中", "一郎", emails=["t@example.jp"], phones=["090-1111-2222"]),
        person(4, "鈴木", "花子", company="山田製作所"),
    ]
    clusters, stats = find_clusters(PERSON, records)
    assert [[m.id for m in c.members] for c in clusters] == [[1, 2, 3]]
    assert stats.comparisons < 6  # blocking: never all pairs
    clusters, _ = find_clusters(PERSON, records, dismissed={(1, 2), (1, 3), (2, 3)})
    assert clusters == []


def test_company_clusters():
    records = [company(1, "株式会社山田製作所", postcode="100-0001"), company(2, "(株)山田製作所", postcode="1000001"),
               company(3, "有限会社山田製作所", postcode="100-0001")]  # fmt: skip
    clusters, _ = find_clusters(COMPANY, records)
    assert [[m.id for m in c.members] for c in clusters] == [[1, 2]]


def test_a_family_only_reading_does_not_join_two_given_names():
    a = person(1, "佐藤", "真綾", "ｻﾄｳ", company="斉藤金属")
    b = person(2, "佐藤", "春香", "さとう", company="斉藤金属")
    assert score_people(a, b)[0] < 0.9


def test_same_reading_with_a_kanji_slip_is_the_same_name():
    a = person(1, "渡辺", "健", "ワタナベ", company="山田製作所", given_name_kana="ケン")
    b = person(2, "渡部", "健", "わたなべ", company="山田製作所", given_name_kana="けん")
    assert score_people(a, b)[0] >= 0.9


def test_an_office_line_on_a_mobile_number_is_not_personal():
    a = person(1, "佐藤", "真綾", phones=[{"value": "080-8583-9382", "label": "office"}])
    b = person(2, "佐藤", "春香", phones=[{"value": "080-8583-9382", "label": "office"}])
    assert score_people(a, b)[0] < 0.01


def test_a_sparse_record_does_not_chain_two_namesakes_together():
    a = person(1, "山田", "千代", company="大阪佐藤商事", phones=["080-8569-1303", "011-823-4523"])
    b = person(2, "山田", "千代", company="大阪佐藤商事", phones=["070-7181-3436", "011-823-4523"])
    c = person(3, "山田", "千代", company="大阪佐藤商事株式会社", phones=["011-823-4523"])
    clusters, _ = find_clusters(PERSON, [a, b, c])
    assert len(clusters) == 1 and len(clusters[0].members) == 2


def test_branch_suffix_and_legal_form_in_any_order_meet():
    from kizuna.core import japanese

    keys = {japanese.company_key(n) for n in ("株式会社中央福田運輸 横浜支店", "株式会社中央福田運輸",
                                              "中央福田運輸株式会社 大阪支店", "㈱中央福田運輸大阪営業所")}  # fmt: skip
    assert keys == {"中央福田運輸"}


def test_namesakes_at_kabushiki_and_yugen_twins_do_not_share_a_workplace():
    a = person(1, "佐藤", "健一", company="株式会社山田製作所", postcode="1000005")
    b = person(2, "佐藤", "健一", company="有限会社山田製作所", postcode="4500002")
    score, reasons = score_people(a, b)
    assert score < 0.5 and "同じ会社" not in labels(reasons)
    # An export that drops the legal form still meets the company.
    c = person(3, "佐藤", "健一", company="山田製作所", postcode="1000005")
    assert "同じ会社" in labels(score_people(a, c)[1])


def test_a_new_mailbox_in_the_same_department_is_not_a_namesake():
    a = person(1, "中尾", "誠", company="服部技研", department="営業部", emails=["nakao@hattori-giken.co.jp"])
    b = person(2, "中尾", "誠", company="服部技研", department="営業部", emails=["makoto.nakao@hattori-giken.co.jp"])
    assert "連絡先が違う（同姓同名の別人の可能性）" not in score_people(a, b)[1]
    # In another department the same change is a namesake colleague until something personal is shared.
    c = person(3, "中尾", "誠", company="服部技研", department="経理部", emails=["makoto.nakao@hattori-giken.co.jp"])
    assert score_people(a, c)[0] <= 0.2
    d = person(4, "中尾", "誠", company="服部技研", department="経理部", emails=["m.nakao@hattori-giken.co.jp"],
               birthday="1985-05-02")  # fmt: skip
    e = person(5, "中尾", "誠", company="服部技研", emails=["nakao@hattori-giken.co.jp"], birthday="1985-05-02")
    assert score_people(d, e)[0] >= 0.9


def test_one_slip_in_a_three_character_name_is_another_given_name():
    a = person(1, "佐藤", "健", company="山田製作所")
    b = person(2, "佐藤", "誠", company="山田製作所")
    assert "よく似た氏名" not in labels(score_people(a, b)[1])
    c = person(3, "小川", "知子", company="山田製作所")
    d = person(4, "小川", "智子", company="山田製作所")
    assert "よく似た氏名" in labels(score_people(c, d)[1])


def test_a_head_office_named_by_its_city_is_the_company():
    from kizuna.core import japanese

    assert japanese.company_key("宮本物産株式会社東京本社") == japanese.company_key("宮本物産株式会社")
    assert japanese.legal_form("宮本物産株式会社東京本社") == "株式会社"
    assert japanese.company_key("三井物産(株)大阪本店") == japanese.company_key("三井物産株式会社")
    assert japanese.company_key("株式会社ニュー東京本社") == japanese.company_key("株式会社ニュー東京")  # the name
    a = person(1, "小浦", "健二", company="宮本物産株式会社")
    b = person(2, "小浦", "健二", company="宮本物産株式会社東京本社")
    assert score_people(a, b)[0] >= 0.9


def test_stored_company_keys_are_computed_again(cast):
    from importlib import import_module

    from django.apps import apps

    from kizuna.contacts.models import Company
    from tests import factories

    company = factories.company(cast.owner, "宮本物産株式会社東京本社")
    Company.objects.filter(pk=company.pk).update(name_key="宮本物産株式会社東京", legal_form="")
    import_module("kizuna.contacts.migrations.0008_company_keys_head_office").rekey(apps, None)
    company.refresh_from_db()
    assert (company.name_key, company.legal_form) == ("宮本物産", "株式会社")
