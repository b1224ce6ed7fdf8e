"""Sender matching: exact keys decide without the dedup model; the model weighs only what they cannot decide."""

import pytest

from kizuna.support.services import intake
from kizuna.support.services.intake import Sender, match_sender
from tests import factories


@pytest.fixture
def model_calls(monkeypatch):
    calls = []
    real = intake.candidates

    def counting(sender, **kwargs):
        calls.append(sender)
        return real(sender, **kwargs)

    monkeypatch.setattr(intake, "candidates", counting)
    return calls


def test_sole_holder_with_the_same_name_is_matched_in_one_query(cast, model_calls, django_assert_max_num_queries):
    known = factories.person(cast.owner, "山田", "太郎", emails=["taro@yamada.co.jp"], phones=["090-1234-5678"])
    with django_assert_max_num_queries(2):  # the contact-point lookup, then the person
        assert match_sender(Sender(name="山田　太郎 様", email="TARO@Yamada.co.jp")) == (known, [])
    assert match_sender(Sender(name="山田太郎", phone="０９０-１２３４-５６７８"))[0] == known
    assert model_calls == []


def test_an_unknown_address_needs_no_model(cast, model_calls, django_assert_max_num_queries):
    factories.person(cast.owner, "山田", "太郎", emails=["taro@yamada.co.jp"])
    with django_assert_max_num_queries(1):
        assert match_sender(Sender(name="山田 太郎", email="someone@else.jp")) == (None, [])
    assert model_calls == []


def test_what_the_keys_cannot_decide_goes_to_the_model(cast, model_calls):
    known = factories.person(cast.owner, "山田", "太郎", emails=["taro@yamada.co.jp"])
    # The same address under another name, and an address without a name: the dedup model weighs them, as before.
    match_sender(Sender(name="佐藤 花子", email="taro@yamada.co.jp"))
    person, _maybe = match_sender(Sender(email="taro@yamada.co.jp"))
    assert len(model_calls) == 2 and person == known  # a sole holder of a personal address is them
    factories.person(cast.owner, "鈴木", "一郎", phones=[{"value": "03-1234-5678", "label": "office"}])
    factories.person(cast.owner, "高橋", "次郎", phones=[{"value": "03-1234-5678", "label": "office"}])
    person, maybe = match_sender(Sender(name="鈴木一郎", phone="03-1234-5678"))  # two holders of a 代表 number
    assert len(model_calls) == 3 and {p.family_name for _s, p in maybe} <= {"鈴木", "高橋"}


def test_a_deleted_holder_is_nobody(cast, model_calls):
    gone = factories.person(cast.owner, "山田", "太郎", emails=["taro@yamada.co.jp"])
    type(gone).objects.filter(pk=gone.pk).update(deleted_at="2026-01-01T00:00:00Z")
    assert match_sender(Sender(name="山田太郎", email="taro@yamada.co.jp")) == (None, [])
