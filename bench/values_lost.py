"""Values lost on import, by class: a file of N people in the layouts of the systems users leave (Google Contacts
with row labels and ` ::: ` cells and organization-only contacts, Outlook in Japanese with 肩書き beside 役職 and
several phones and e-mails, Sansan card columns, UTF-16 "Unicode text" with a title row above the header), with
off-plan office numbers and RFC 6531 addresses mixed in. Each file is read and mapped by the import (readers,
auto_map, map_row: where values were dropped), and every phone, e-mail, title, address and name of the file is
looked for in what the rows would store.

    .venv/bin/python bench/values_lost.py [--rows 100000]

To compare with an earlier version, run the same script with that version's sources first on the path:
    git worktree add /tmp/kizuna-old <commit> && PYTHONPATH=/tmp/kizuna-old/src .venv/bin/python bench/values_lost.py
"""

import argparse
import csv
import inspect
import io
import json
import os
import random
import re
import time
import unicodedata

LAYOUTS = ("google", "outlook_ja", "sansan", "excel_unicode")
FAMILY = [
    "佐藤",
    "鈴木",
    "髙橋",
    "田中",
    "渡邉",
    "伊藤",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
]
GIVEN = ["一郎", "花子", "健", "美咲", "直樹", "恵", "太郎", "裕太", "真理子", "翔太"]
COMPANY = ["株式会社山田製作所", "東北精密株式会社", "関西物流株式会社", "有限会社中村商店", "九州機工株式会社"]
TITLE = ["課長", "部長", "主任", "係長", "本部長", "工場長"]


def _squash(text: str) -> str:
    return re.sub(r"[\s　〒\-ー－()（）]+", "", unicodedata.normalize("NFKC", str(text))).lower()


class Person:
    def __init__(self, rng: random.Random, i: int):
        self.family, self.given = rng.choice(FAMILY), rng.choice(GIVEN)
        self.company, self.title = rng.choice(COMPANY), rng.choice(TITLE)
        self.office = rng.choice(["011-454-", "076-1112-", "03-3211-", "052-963-"]) + f"{rng.randint(1000, 9999)}"
        self.direct = f"03-5403-{rng.randint(1000, 9999)}"
        self.fax = f"03-5403-{rng.randint(1000, 9999)}"
        self.mobile = f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        self.email = f"u{i}@example.co.jp" if rng.random() < 0.9 else f"イワサキ{i}@新星.example.co.jp"
        self.email2 = f"p{i}@example.ne.jp"
        self.postcode, self.prefecture, self.city = "100-0005", "東京都", "千代田区"
        self.street = f"丸の内{rng.randint(1, 3)}-{rng.randint(1, 9)}-{rng.randint(1, 9)}"
        self.courtesy = rng.choice(["", "工学博士", "様"])

    def expected(self) -> dict:
        return {
            "phones": [self.office, self.direct, self.fax, self.mobile],
            "emails": [self.email, self.email2],
            "titles": [self.title] + ([self.courtesy] if self.courtesy not in ("", "様") else []),
            "addresses": [self.street],
            "names": [self.family + self.given],
        }


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def google(people: list[Person]) -> tuple[bytes, str]:
    header = ["First Name", "Last Name", "Name Prefix", "Organization Name", "Organization Title", "E-mail 1 - Label",
              "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value",
              "Phone 3 - Label", "Phone 3 - Value", "Address 1 - Street", "Address 1 - City", "Address 1 - Region",
              "Address 1 - Postal Code"]  # fmt: skip
    rows = [header]
    for p in people:
        rows.append([p.given, p.family, p.courtesy, p.company, p.title, "* Work", f"{p.email} ::: {p.email2}",
                     "Work", f"{p.office} ::: {p.direct}", "Mobile", p.mobile, "Work Fax", p.fax, p.street, p.city,
                     p.prefecture, p.postcode])  # fmt: skip
    return _csv(rows).encode("utf-8"), "google.csv"


def outlook_ja(people: list[Person]) -> tuple[bytes, str]:
    header = ["肩書き", "名", "姓", "会社名", "役職", "会社 番地", "会社 市区町村", "会社 都道府県", "会社 郵便番号",
              "会社 FAX", "会社電話", "会社電話 2", "携帯電話", "誕生日", "電子メール アドレス",
              "電子メール 2 アドレス"]  # fmt: skip
    rows = [header]
    for p in people:
        rows.append([p.courtesy, p.given, p.family, p.company, p.title, p.street, p.city, p.prefecture, p.postcode,
                     p.fax, p.office, p.direct, p.mobile, "0/0/00", p.email, p.email2])  # fmt: skip
    return _csv(rows).encode("cp932"), "outlook.csv"


def sansan(people: list[Person]) -> tuple[bytes, str]:
    header = [
        "会社名",
        "役職",
        "姓",
        "名",
        "E-mail",
        "郵便番号",
        "住所",
        "TEL会社",
        "TEL直通",
        "FAX",
        "携帯電話",
        "肩書き",
    ]
    rows = [header]
    for p in people:
        rows.append([p.company, p.title, p.family, p.given, f"{p.email} {p.email2}", p.postcode,
                     f"{p.prefecture}{p.city}{p.street}", p.office, p.direct, p.fax, p.mobile, p.courtesy])  # fmt: skip
    return _csv(rows).encode("cp932"), "sansan.csv"


def excel_unicode(people: list[Person]) -> tuple[bytes, str]:
    header = [
        "氏名",
        "会社名",
        "役職",
        "電話番号",
        "直通",
        "FAX",
        "携帯電話",
        "メールアドレス",
        "メール2",
        "住所",
        "肩書",
    ]
    rows = [["取引先一覧"], [], header]
    for p in people:
        rows.append([f"{p.family}{p.given}", p.company, p.title, p.office, p.direct, p.fax, p.mobile, p.email,
                     p.email2, f"〒{p.postcode} {p.prefecture}{p.city}{p.street}", p.courtesy])  # fmt: skip
    return b"\xff\xfe" + _csv(rows, "\t").encode("utf-16-le"), "excel.txt"


def _map(readers, mapping, data: bytes, name: str):
    """(rows read, [RowResult]) or the read error: the import's own reader and mapping."""
    try:
        table = readers.read_table(data, filename=name)
    except readers.ReadError as exc:
        return 0, [], exc.message
    auto = mapping.auto_map(table.headers, kind="person")
    takes_headers = "headers" in inspect.signature(mapping.map_row).parameters
    results = []
    for _number, values in table.rows:
        kw = {"headers": table.headers} if takes_headers else {}
        results.append(mapping.map_row(values, dict(auto), kind="person", **kw))
    return len(results), results, ""


def _stored_text(result) -> str:
    data = dict(result.data)
    name = f"{data.get('family_name', '')}{data.get('given_name', '')}"
    return _squash(json.dumps(data, ensure_ascii=False) + name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from kizuna.imports import mapping, readers

    rng = random.Random(7)
    per_layout = args.rows // len(LAYOUTS)
    totals = {k: [0, 0] for k in ("phones", "emails", "titles", "addresses", "names")}
    report = {}
    started = time.perf_counter()
    for layout in LAYOUTS:
        people = [Person(rng, i) for i in range(per_layout)]
        data, name = globals()[layout](people)
        read, results, error = _map(readers, mapping, data, name)
        lost = dict.fromkeys(totals, 0)
        for index, person in enumerate(people):
            text = _stored_text(results[index]) if index < len(results) else ""
            for kind, wanted in person.expected().items():
                for value in wanted:
                    totals[kind][1] += 1
                    if _squash(value) not in text:
                        lost[kind] += 1
                        totals[kind][0] += 1
        report[layout] = {"rows": per_layout, "read": read, "lost": lost, "error": error}
    print(json.dumps({"rows": per_layout * len(LAYOUTS), "seconds": round(time.perf_counter() - started, 1),
                      "by_layout": report, "lost_of_total": {k: f"{lost}/{n}" for k, (lost, n) in totals.items()}},
                     ensure_ascii=False, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
