import pytest

from kizuna.customfields import services


def make_field(admin, key, type, **data):
    return services.create_field(actor=admin, data={"object_type": "person", "key": key, "type": type,
                                                    "label_ja": data.pop("label_ja", key), **data})  # fmt: skip


@pytest.fixture
def fields(cast):
    """One field of every type on people; rank (choice) and amount (money) filterable; secret read by managers
    only; locked read by all and edited by managers only."""
    admin = cast.admin
    return {
        "memo": make_field(admin, "memo", "text", label_ja="社内メモ", label_en="Internal memo"),
        "history": make_field(admin, "history", "long_text", label_ja="経緯"),
        "size": make_field(admin, "size", "number", label_ja="従業員数", filterable=True),
        "amount": make_field(admin, "amount", "money", label_ja="見込み金額", filterable=True),
        "since": make_field(admin, "since", "date", label_ja="取引開始日", filterable=True),
        "rank": make_field(admin, "rank", "choice", label_ja="ランク", choices=["A", "B", "C"], filterable=True),
        "areas": make_field(admin, "areas", "multi_choice", label_ja="担当領域", choices=["営業", "技術", "購買"],
                            filterable=True),
        "contact": make_field(admin, "contact", "user", label_ja="社内窓口"),
        "site": make_field(admin, "site", "url", label_ja="資料"),
        "vip": make_field(admin, "vip", "checkbox", label_ja="重要顧客", filterable=True),
        "secret": make_field(admin, "secret", "text", label_ja="与信メモ", read_roles=["manager"]),
        "locked": make_field(admin, "locked", "text", label_ja="契約番号", edit_roles=["manager"]),
    }  # fmt: skip
