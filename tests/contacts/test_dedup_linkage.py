"""The Fellegi–Sunter duplicate model: term frequencies, the prior, clusters that do not chain, rules, training."""

import io
import json

import pytest
from django.core.management import call_command

from kizuna.contacts.dedup import linkage
from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.dedup.matching import (
    DIFFERENT_FORMS,
    PersonFacts,
    compare_people,
    person_frequencies,
    score_companies,
    score_people,
    scorer_for,
)
from kizuna.contacts.dedup.scan import PERSON, _Groups, find_clusters, scored_pairs, train
from kizuna.contacts.models import LinkageModel
from kizuna.core.models import AuditEvent
from tests import factories
from tests.contacts.test_dedup_matching import company, labels, person


def district(namesakes: int = 2, companies: int = 200):
    """A business district: `companies` companies at one postcode and one address block, a few people each,
    and `namesakes` people called 佐藤 健 at different companies of it."""
    records, pid = [], 0
    family = ["田中", "鈴木", "高橋", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田"]
    given = ["一郎", "花子", "大輔", "美咲", "翔太", "陽子", "健太", "直美"]
    for c in range(companies):
        for k in range(3):
            pid += 1
            name = f"{family[(c + k) % 10]}{given[(c * 3 + k) % 8]}"
            records.append(PersonFacts(id=pid, name=name, company=f"丸の内商事{c}", postcode="1000005",
                                       address="千代田区丸の内一丁目", phones=frozenset({f"0332{c:06d}"})))  # fmt: skip
    for n in range(namesakes):
        pid += 1
        records.append(PersonFacts(id=pid, name="佐藤健", company=f"丸の内商事{n}", postcode="1000005",
                                   address="千代田区丸の内一丁目", phones=frozenset({f"0332{n:06d}"})))  # fmt: skip
    return records


def test_a_shared_common_name_weighs_less_than_a_shared_rare_one():
    records = [PersonFacts(id=i, name="佐藤健", company=f"会社{i}") for i in range(1, 41)]
    records += [PersonFacts(id=41, name="鍵屋一二三", company="会社41"), PersonFacts(id=42, name="鍵屋一二三")]
    scorer = scorer_for(PERSON, freq=person_frequencies(records))
    common, _ = scorer.level_weight(0, 0, "佐藤健")
    rare, flagged = scorer.level_weight(0, 0, "鍵屋一二三")
    assert rare > common + 4 and not flagged
    _, reasons = score_people(records[0], records[1], scorer)
    assert "よくある氏名" in labels(reasons)


def test_namesakes_in_a_busy_business_district_are_not_clustered():
    records = district()
    clusters, _ = find_clusters(PERSON, records)
    assert clusters == []
    a, b = records[-2], records[-1]
    _, reasons = score_people(a, b, scorer_for(PERSON, freq=person_frequencies(records)))
    assert "よくある氏名" not in labels(reasons)  # two holders of 600: not common, but
    assert "会社が違う" in labels(reasons)  # two named companies in one building are two workplaces


def test_a_busy_address_weighs_little_when_the_company_is_not_known():
    records = district(namesakes=1)
    a = PersonFacts(id=9998, name="佐藤健", postcode="1000005", address="千代田区丸の内一丁目")
    b = PersonFacts(id=9999, name="佐藤健", postcode="1000005", address="千代田区丸の内一丁目")
    scorer = scorer_for(PERSON, freq=person_frequencies([*records, a, b]))
    value, reasons = score_people(a, b, scorer)
    assert "多くの会社がある住所" in labels(reasons) and value < 0.9  # a building of 200 companies says little


def test_the_same_person_twice_in_the_district_is_clustered():
    records = district(namesakes=1)
    twin = PersonFacts(id=9999, name="佐藤健", company="丸の内商事0", postcode="1000005",
                       address="千代田区丸の内一丁目", phones=frozenset({"0332000000"}))  # fmt: skip
    clusters, _ = find_clusters(PERSON, [*records, twin])
    assert [[m.id for m in c.members] for c in clusters] == [[records[-1].id, 9999]]


def test_an_office_phone_shared_by_forty_colleagues_weighs_little():
    records = [PersonFacts(id=i, name=f"社員{i:02d}", company="山田製作所", phones=frozenset({"0312345678"}))
               for i in range(1, 41)]  # fmt: skip
    scorer = scorer_for(PERSON, freq=person_frequencies(records))
    shared, common = scorer.level_weight(1, 1, "0312345678")
    alone, _ = scorer.level_weight(1, 1, "0399999999")
    assert common and shared < alone - 4


def test_the_same_evidence_counts_for_less_as_the_database_grows():
    a, b = person(1, "佐藤", "健", company="山田製作所"), person(2, "佐藤", "健", company="山田製作所")
    vector = compare_people(a, b)
    small = linkage.Scorer(linkage.shipped(PERSON), scorer_for(PERSON).comparisons, linkage.Frequencies(2_000))
    large = linkage.Scorer(linkage.shipped(PERSON), scorer_for(PERSON).comparisons, linkage.Frequencies(200_000))
    assert large.score(vector)[0] < small.score(vector)[0]


def test_reasons_carry_their_weights():
    a = person(1, "斎藤", "花子", company="山田製作所", phones=["090-1111-2222"])
    b = person(2, "齋藤", "花子", company="鈴木工業", phones=["09011112222"])
    _, reasons = score_people(a, b)
    evidence = {e["label"]: e["weight"] for e in linkage.evidence(reasons)}
    assert evidence["同じ携帯電話"] > 10 and evidence["会社が違う"] < 0
    assert any(r.startswith("会社が違う −") for r in reasons)
    assert evidence["転職・異動の可能性"] is None  # a note, not a weight


def test_a_link_through_one_record_does_not_chain_two_groups():
    known = {(0, 1): 0.99, (1, 2): 0.95, (0, 2): 0.01}  # 2 matches 1 but not 0: less than half on average
    groups = _Groups(lambda i, j: known[(i, j)])
    assert groups.join(0, 1)
    assert not groups.join(1, 2)
    assert groups.members(2) == [2]


def test_cannot_link_wins_over_transitivity():
    groups = _Groups(lambda i, j: 0.99)
    groups.cannot_link(0, 2)
    assert groups.join(0, 1)
    assert not groups.join(1, 2)


def test_different_corporate_numbers_and_legal_forms_stay_rules():
    assert score_companies(company(1, "山田製作所", corporate_number="1010001000006"),
                           company(2, "山田製作所", corporate_number="7000012050002"))[0] == 0.0  # fmt: skip
    place = {"phone": "03-1234-5678", "postcode": "100-0001"}
    value, reasons = score_companies(
        company(1, "株式会社山田製作所", **place), company(2, "有限会社山田製作所", **place)
    )
    assert value <= 0.1 and DIFFERENT_FORMS in reasons


def test_scores_are_probabilities():
    records = district(namesakes=1)
    values = [p for _, _, p in scored_pairs(PERSON, records)]
    assert values and all(0.0 <= p <= 1.0 for p in values)
    assert linkage.probability(0) == 0.5 and linkage.probability(100) == 1.0


def _training_set():
    """300 people at 60 companies; 90 of them entered twice (same mobile, or same name at the same company)."""
    family = ["田中", "鈴木", "高橋", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木"]
    given = ["一郎", "花子", "大輔", "美咲", "翔太", "陽子", "健太", "直美", "誠", "愛", "拓也", "由美", "剛"]
    records = []
    for i in range(300):
        records.append(PersonFacts(
            id=i + 1, name=f"{family[i % 12]}{given[(i * 7) % 13]}", company=f"会社{i % 60}",
            postcode=f"{1000000 + i % 60}", phones=frozenset({f"03{i % 60:08d}"}),
            mobiles=frozenset({f"090{i:08d}"}) if i % 2 else frozenset(),
        ))  # fmt: skip
    for i in range(90):
        p = records[i * 3]
        records.append(PersonFacts(id=1000 + i, name=p.name, company=p.company if i % 3 else "転職先",
                                   mobiles=p.mobiles, postcode=p.postcode if i % 3 else ""))  # fmt: skip
    return records


def test_training_learns_from_the_data_without_labels():
    records = _training_set()
    model = train(PERSON, records)
    assert model.trained_on == len(records)
    assert 0.1 < model.duplicates_per_record < 0.6  # 90 duplicate pairs among 390 records: 0.23
    assert model.m["name"][0] > 0.8  # the duplicates share their name
    assert model.u["name"][0] > linkage.shipped(PERSON).u["name"][0]  # this data has few names: agreeing is cheap
    restored = linkage.Model.from_json(json.loads(json.dumps(model.to_json())))
    assert restored == model
    clusters, _ = find_clusters(PERSON, records, model=model)
    pairs = [[m.id for m in c.members] for c in clusters]
    assert len(pairs) >= 40 and all(b >= 1000 and a == (b - 1000) * 3 + 1 for a, b in pairs)


@pytest.fixture
def colleagues(cast):
    yamada = factories.company(cast.owner, "株式会社山田製作所", phone="03-1234-5678")
    people = [factories.person(cast.owner, "田中", "一郎", company=yamada.pk, phones=["090-1111-2222"]),
              factories.person(cast.owner, "田中", "一郎", phones=["０９０－１１１１－２２２２"])]  # fmt: skip
    for n, family in enumerate(["鈴木", "高橋", "伊藤", "渡辺", "山本", "中村"]):
        phones = [{"value": "03-1234-5678", "label": "office"}, f"080-2222-33{n:02d}"]
        people.append(factories.person(cast.owner, family, "花子", company=yamada.pk, phones=phones))
    return people


def test_train_stores_the_model_the_scan_and_the_warning_use(cast, colleagues):
    assert dedup.stored_model(PERSON) is None
    model = dedup.train_model(PERSON, actor=cast.admin)
    row = LinkageModel.objects.get(kind=PERSON)
    assert row.records == len(colleagues) and row.trained_by == cast.admin
    assert dedup.stored_model(PERSON) == linkage.Model.from_json(model.to_json())
    assert AuditEvent.objects.filter(action="dedup.train").count() == 1
    clusters, _ = dedup.scan(PERSON)
    assert [[m.id for m in c.members] for c in clusters] == [[colleagues[0].pk, colleagues[1].pk]]
    found = dedup.probable_duplicates(cast.owner, PERSON, {"family_name": "田中", "given_name": "一郎",
                                                           "phones": ["09011112222"]})  # fmt: skip
    assert {f.id for _, _, f in found} == {colleagues[0].pk, colleagues[1].pk}
    dedup.train_model(PERSON, actor=cast.admin)
    assert LinkageModel.objects.count() == 1  # trained again: replaced


def test_the_warning_weighs_the_databases_frequencies(cast, colleagues):
    office = [{"value": "03-1234-5678", "label": "office"}]
    found = dedup.probable_duplicates(
        cast.owner, PERSON, {"family_name": "佐藤", "given_name": "花子", "phones": office}
    )
    assert found == []  # the office line six colleagues share says nothing about a seventh


def test_cli_train_then_scan(cast, colleagues):
    out = io.StringIO()
    call_command("dedup", "--train", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["model"]["records"] == len(colleagues)
    assert [[m["id"] for m in c["members"]] for c in payload["clusters"]] == [[colleagues[0].pk, colleagues[1].pk]]
    assert {e["label"] for e in payload["clusters"][0]["evidence"]} >= {"同じ携帯電話"}
    assert LinkageModel.objects.filter(kind=PERSON).exists()
    out = io.StringIO()
    call_command("dedup", "--train", "--type", "company", stdout=out)
    assert "重複判定モデル" in out.getvalue()


def test_one_person_entered_five_times_does_not_make_a_common_name():
    records = [PersonFacts(id=i, name="石池誠", company="佐野興産", phones=frozenset({"0664821682"})) for i in range(5)]
    records += [PersonFacts(id=10 + i, name="佐藤健", company=f"会社{i}") for i in range(5)]
    scorer = scorer_for(PERSON, freq=person_frequencies(records))
    rare, common = scorer.level_weight(0, 0, "石池誠")
    assert not common and rare > scorer.level_weight(0, 0, "佐藤健")[0] + 2  # five workplaces carry 佐藤健
    assert "よくある氏名" not in labels(score_people(records[0], records[1], scorer)[1])


def test_a_kana_name_and_a_kanji_name_without_reading_are_not_compared():
    kana = PersonFacts(id=1, name="おおきしげる", reading="おおきしげる", company="南大塚設備")
    kanji = PersonFacts(id=2, name="大木茂", company="南大塚設備")
    assert compare_people(kana, kanji)[0] == (linkage.NULL, "")  # unknown, not "氏名が違う"
    assert compare_people(kana, PersonFacts(id=3, name="大木茂", reading="おおきまさる"))[0][0] == 3


def test_named_companies_in_one_building_are_two_workplaces():
    a = PersonFacts(id=1, name="大野博", company="星野製菓", postcode="5300001", address="北区梅田1-1")
    b = PersonFacts(id=2, name="大野博", company="今井技研", postcode="5300001", address="北区梅田1-1")
    assert compare_people(a, b)[1] == (4, "")  # 会社が違う, not 同じ住所
    value, reasons = score_people(a, b)
    assert value < 0.5 and "会社が違う" in labels(reasons)


def test_a_shared_mobile_joins_a_job_changer_to_the_records_of_the_old_company():
    old = dict(name="下木拓也", company="東藤原興産", postcode="1050001", phones=frozenset({"0352777065"}),
               emails=frozenset({"shimoki@fujiwara.co.jp"}))  # fmt: skip
    records = [
        PersonFacts(id=1, mobiles=frozenset({"07041514574"}), **old),
        PersonFacts(id=2, **old),  # entered twice more without the mobile
        PersonFacts(id=3, **old),
        PersonFacts(id=4, name="下木拓也", company="村上商会", mobiles=frozenset({"07041514574"})),  # new job
    ]
    clusters, _ = find_clusters(PERSON, records)
    assert [[m.id for m in c.members] for c in clusters] == [[1, 2, 3, 4]]


def test_an_identifier_link_does_not_join_groups_whose_names_differ():
    known = {(0, 1): 0.99, (1, 2): 0.95, (0, 2): 0.01}  # less than half on average
    groups = _Groups(lambda i, j: known[(i, j)], lambda i, j: (i, j) == (1, 2), lambda i, j: False)
    assert groups.join(0, 1) and groups.join(1, 2)  # 1 and 2 share a mobile: 0 only lacks evidence
    groups = _Groups(lambda i, j: known[(i, j)], lambda i, j: (i, j) == (1, 2), lambda i, j: (i, j) == (0, 2))
    assert groups.join(0, 1) and not groups.join(1, 2)  # 0's name differs from 2's


def test_the_warning_counts_a_name_once_per_workplace(cast):
    sano = factories.company(cast.owner, "佐野興産株式会社")
    for _ in range(3):
        factories.person(cast.owner, "石池", "誠", company=sano.pk)
    found = dedup.probable_duplicates(cast.owner, PERSON, {"family_name": "石池", "given_name": "誠"}, company=sano)
    assert found and all("よくある氏名" not in labels(reasons) for _, reasons, _ in found)


def test_names_read_differently_are_not_a_slip_of_the_pen():
    a = PersonFacts(id=1, name="佐藤健一", reading="さとうけんいち", company="山田製作所")
    b = PersonFacts(id=2, name="佐藤健二", reading="さとうけんじ", company="山田製作所")
    assert compare_people(a, b)[0] == (3, "")  # 氏名が違う
    c = PersonFacts(id=3, name="森田和哉", company="山田製作所")  # no reading: one slip may be a typo
    assert compare_people(PersonFacts(id=4, name="森田和也", reading="もりたかずや"), c)[0] == (2, "")


def test_a_slip_in_the_given_name_at_one_company_is_compared():
    a = PersonFacts(id=1, name="森田和也", company="木村建設", postcode="1000005")
    b = PersonFacts(id=2, name="森田和哉", company="木村建設")
    assert [(x, y) for x, y, _ in scored_pairs(PERSON, [a, b])] == [(1, 2)]
