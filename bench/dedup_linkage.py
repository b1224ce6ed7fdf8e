"""Second, independent labelled benchmark for person duplicate detection (名寄せ): quality and speed.

    .venv/bin/python bench/dedup_linkage.py [--sizes 2000,20000] [--seed 11] [--skip-splink] [--json out.json]
    .venv/bin/python bench/dedup_linkage.py --sizes 200000 --skip-splink      # the large size (minutes)

What it measures. A seeded generator (pure Python + random, its own assumptions: it shares no code with
bench/dedup_quality.py) writes N person records the way a Japanese CRM receives them: family/given names drawn
from frequency-weighted pools (佐藤 and 健 are common, 勅使河原 is rare, so namesakes happen by themselves),
companies of very different sizes with one 代表 phone shared by their staff, business districts whose postcode
and building are shared by hundreds of companies (丸の内, 梅田, 名駅, 西新宿 ...), twin companies with one name and
two legal forms (株式会社X / 有限会社X), and ~30% of the people entered 1-3 more times with realistic variants
(width, kana script, old kanji, 様, legal form moved, branch suffix, phone formats, e-mail case, sparse rows,
same-reading typos, kana-only names, job changes keeping only the mobile, new e-mail, department moves). Hard
negatives are planted beside them: namesakes in the same district postcode, namesakes at the same company,
relatives sharing the office phone, namesakes with different birthdays, namesakes at twin companies.

Each record goes through Kizuna's matcher in-process (no database; Django is set up only because the matcher
imports the models): `find_clusters` with the shipped priors, and with a model from `train` (EM, no labels).
Pairwise precision / recall / F1 over all pairs inside predicted clusters against all pairs of records of one
gold entity; calibration of `scored_pairs` probabilities; false positives broken down by cause. For reference:
an exact-key baseline (mobile, else e-mail, else office phone) and splink 5 (DuckDB; own u sampling and EM, no
labels, threshold 0.9, no oracle tuning).
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from dedup_quality import FakeCompany, UnionFind, cluster_pairs, prf  # the helpers both benches share

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_THRESHOLD = 0.9
TARGET = "target: F1 >= 0.98 at precision >= 0.995 at every size (default threshold)"
CALIBRATION_BINS = ((0.5, 0.7), (0.7, 0.9), (0.9, 0.95), (0.95, 0.99), (0.99, 1.0001))


def setup_django():
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("KIZUNA_DATA_DIR", tempfile.mkdtemp(prefix="kizuna-dedup-linkage-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()


# --- scoring helpers ------------------------------------------------------------------------------


def row(*cells, widths=(36, 10, 10, 10, 10, 10)):
    out = []
    for cell, width in zip(cells, widths, strict=False):
        text = f"{cell:.4f}" if isinstance(cell, float) else str(cell)
        out.append(text.ljust(width) if not out else text.rjust(width))
    return " ".join(out)


# --- pools ----------------------------------------------------------------------------------------

# Common family names with readings and rough counts (in 10,000 people): the head of the real distribution.
_COMMON_FAMILY = """
佐藤 さとう 187 鈴木 すずき 180 高橋 たかはし 141 田中 たなか 134 伊藤 いとう 108 渡辺 わたなべ 107
山本 やまもと 107 中村 なかむら 105 小林 こばやし 104 加藤 かとう 89 吉田 よしだ 84 山田 やまだ 82 佐々木 ささき 68
山口 やまぐち 64 松本 まつもと 63 井上 いのうえ 62 木村 きむら 58 林 はやし 53 斎藤 さいとう 52 清水 しみず 50
山崎 やまざき 49 森 もり 47 池田 いけだ 44 橋本 はしもと 44 阿部 あべ 44 石川 いしかわ 43 山下 やました 42
中島 なかじま 41 石井 いしい 39 小川 おがわ 39 前田 まえだ 38 岡田 おかだ 38 長谷川 はせがわ 38 藤田 ふじた 37
後藤 ごとう 36 近藤 こんどう 36 村上 むらかみ 33 遠藤 えんどう 32 青木 あおき 32 坂本 さかもと 31 斉藤 さいとう 31
福田 ふくだ 30 太田 おおた 30 西村 にしむら 30 藤井 ふじい 29 金子 かねこ 28 岡本 おかもと 28 藤原 ふじわら 28
中野 なかの 27 三浦 みうら 27 原田 はらだ 27 中川 なかがわ 27 松田 まつだ 27 竹内 たけうち 26 小野 おの 26
田村 たむら 26 中山 なかやま 25 和田 わだ 25 石田 いしだ 25 森田 もりた 24 上田 うえだ 24 原 はら 24 内田 うちだ 24
柴田 しばた 23 酒井 さかい 23 宮崎 みやざき 23 横山 よこやま 23 高木 たかぎ 23 安藤 あんどう 22 宮本 みやもと 22
大野 おおの 22 小島 こじま 22 工藤 くどう 21 谷口 たにぐち 21 今井 いまい 21 高田 たかだ 21 丸山 まるやま 20
増田 ますだ 20 杉山 すぎやま 20 村田 むらた 20 大塚 おおつか 20 小山 こやま 20 平野 ひらの 20 藤本 ふじもと 19
河野 こうの 19 上野 うえの 19 野口 のぐち 19 武田 たけだ 19 松井 まつい 19 千葉 ちば 19 岩崎 いわさき 19
菅原 すがわら 19 木下 きのした 18 久保 くぼ 18 佐野 さの 18 野村 のむら 18 松尾 まつお 18 菊地 きくち 18
杉本 すぎもと 18 市川 いちかわ 18 古川 ふるかわ 18 大西 おおにし 18 島田 しまだ 17 水野 みずの 17 桜井 さくらい 17
高野 たかの 17 渡部 わたなべ 17 吉川 よしかわ 17 山内 やまうち 17 西田 にしだ 17 飯田 いいだ 17 菊池 きくち 17
西川 にしかわ 16 小松 こまつ 16 北村 きたむら 16 安田 やすだ 16 五十嵐 いがらし 16 川口 かわぐち 16 平田 ひらた 16
関 せき 16 中田 なかた 16 久保田 くぼた 16 服部 はっとり 16 東 あずま 16 岩田 いわた 15 土屋 つちや 15
川崎 かわさき 15 福島 ふくしま 15 本田 ほんだ 15 辻 つじ 15 樋口 ひぐち 15 秋山 あきやま 15 田口 たぐち 15
永井 ながい 15 山中 やまなか 15 中西 なかにし 15 吉村 よしむら 15 川上 かわかみ 15 石原 いしはら 14 大橋 おおはし 14
松岡 まつおか 14 馬場 ばば 14 浅野 あさの 14 荒木 あらき 14 大久保 おおくぼ 14 野田 のだ 14 小沢 おざわ 14
田辺 たなべ 14 川村 かわむら 14 星野 ほしの 14 黒田 くろだ 14 堀 ほり 14 尾崎 おざき 14 望月 もちづき 14
永田 ながた 14 熊谷 くまがい 14 内藤 ないとう 14 松浦 まつうら 14 大島 おおしま 13 平井 ひらい 13 早川 はやかわ 13
高島 たかしま 12 長嶋 ながしま 3
"""
# Rare names: a shared rare name is strong evidence, so they must exist too.
_RARE_FAMILY = """
鍵屋 かぎや 勅使河原 てしがわら 小鳥遊 たかなし 四月一日 わたぬき 東海林 しょうじ 御手洗 みたらい 五月女 そうとめ
百目鬼 どうめき 釘宮 くぎみや 薬師寺 やくしじ 左右田 そうだ 廿日出 はつかで 一ノ瀬 いちのせ 鬼頭 きとう 十河 そごう
"""
# The long tail (two thirds of real people carry a name outside the top 150): composed from common parts.
_TAIL_HEAD = (
    "大おお 小こ 中なか 上うえ 下しも 北きた 南みなみ 西にし 石いし 岩いわ 竹たけ 松まつ 杉すぎ 梅うめ 桜さくら "
    "藤ふじ 菊きく 金かね 今いま 古ふる 新にい 長なが 高たか 黒くろ 白しら 青あお 赤あか 浅あさ 深ふか 広ひろ "
    "福ふく 吉よし 平ひら 前まえ 宮みや 寺てら 堀ほり 柳やなぎ 桑くわ 榎えの"
)
_TAIL_TAIL = (
    "田だ 川かわ 山やま 野の 本もと 村むら 井い 沢ざわ 島じま 原はら 木き 谷たに 口ぐち 岡おか 崎ざき 部べ 瀬せ "
    "浦うら 江え 尾お 垣がき 坂さか 池いけ 塚づか 倉くら 橋はし 森もり 浜はま"
)
TAIL_WEIGHT = 6.0
RARE_WEIGHT = 0.4

# Given names with readings, roughly by popularity across the working generations (Zipf-weighted by rank).
_GIVEN = """
健 けん 健一 けんいち 誠 まこと 大輔 だいすけ 浩 ひろし 翔太 しょうた 拓也 たくや 直樹 なおき 和也 かずや 達也 たつや
哲也 てつや 学 まなぶ 隆 たかし 剛 つよし 修 おさむ 茂 しげる 博 ひろし 清 きよし 亮 りょう 大樹 だいき 健二 けんじ
陽介 ようすけ 雄一 ゆういち 健太 けんた 浩二 こうじ 康弘 やすひろ 秀樹 ひでき 正人 まさと 伸也 しんや 聡 さとし
淳 じゅん 豊 ゆたか 稔 みのる 一郎 いちろう 太郎 たろう 裕太 ゆうた 慎一 しんいち 進 すすむ 勝 まさる 亮太 りょうた
蓮 れん 悠斗 ゆうと 翔 しょう 花子 はなこ 恵子 けいこ 洋子 ようこ 裕子 ゆうこ 智子 ともこ 久美子 くみこ 由美子 ゆみこ
真由美 まゆみ 美穂 みほ 直美 なおみ 明美 あけみ 幸子 さちこ 京子 きょうこ 陽子 ようこ 優子 ゆうこ 愛 あい 彩 あや
舞 まい 結衣 ゆい 美咲 みさき さくら さくら 陽菜 ひな 葵 あおい 奈々 なな 麻衣 まい 千尋 ちひろ 香織 かおり 恵 めぐみ
愛子 あいこ 由紀 ゆき 真理子 まりこ 亜希子 あきこ 美紀 みき 綾香 あやか 理恵 りえ 加奈子 かなこ 沙織 さおり 瞳 ひとみ
純子 じゅんこ
"""
# The same reading typed with other kanji (the IME offered the wrong candidate).
GIVEN_TYPO = {
    "健一": "健市", "大輔": "大介", "浩二": "浩司", "裕子": "祐子", "和也": "和哉", "直樹": "直希", "達也": "達哉",
    "哲也": "哲哉", "秀樹": "英樹", "雄一": "勇一", "康弘": "康博", "正人": "雅人", "伸也": "慎也", "慎一": "真一",
    "裕太": "雄太", "恵子": "啓子", "智子": "知子", "由美子": "裕美子", "美穂": "美保", "直美": "尚美", "明美": "朱美",
    "京子": "恭子", "由紀": "由希", "沙織": "紗織", "純子": "順子", "健太": "健多", "拓也": "拓哉", "洋子": "容子",
}  # fmt: skip
OLD_KANJI = {"高": "髙", "崎": "﨑", "斎": "齋", "斉": "齊", "辺": "邊", "沢": "澤", "島": "嶋", "浜": "濱", "桜": "櫻"}
OLD_ALT = {"辺": "邉"}

DEPARTMENTS = [
    "営業部", "営業一課", "営業企画部", "購買部", "資材部", "品質保証部", "製造部", "生産管理部", "総務部", "経理部",
    "人事部", "技術部", "開発部", "設計部", "情報システム部", "経営企画室", "海外事業部", "物流部", "法務部", "広報室",
]  # fmt: skip
BUSINESS = [
    ("製作所", "ss"), ("工業", "kogyo"), ("商事", "shoji"), ("電機", "denki"), ("建設", "kensetsu"),
    ("食品", "foods"), ("物産", "bussan"), ("運輸", "unyu"), ("精機", "seiki"), ("化学", "chem"),
    ("産業", "sangyo"), ("技研", "giken"), ("印刷", "print"), ("薬品", "pharma"), ("電子", "denshi"),
    ("鋼材", "kozai"), ("設備", "setsubi"), ("商会", "shokai"), ("システム", "sys"), ("不動産", "estate"),
    ("興産", "kosan"), ("ホールディングス", "hd"), ("製菓", "seika"),
]  # fmt: skip
PLACE_ROOTS = [
    ("日本", "nihon"), ("東洋", "toyo"), ("大和", "yamato"), ("関東", "kanto"), ("中部", "chubu"),
    ("北陸", "hokuriku"), ("瀬戸内", "setouchi"), ("東京", "tokyo"), ("大阪", "osaka"), ("九州", "kyushu"),
    ("三協", "sankyo"), ("丸紅", "maru"), ("第一", "daiichi"), ("富士", "fuji"), ("明治", "meiji"),
    ("昭和", "showa"), ("平和", "heiwa"), ("旭", "asahi"),
]  # fmt: skip
LEGAL_FORMS = {
    "株式会社": ["株式会社{x}", "{x}株式会社", "(株){x}", "㈱{x}", "（株）{x}", "{x}(株)", "{x}（株）"],
    "有限会社": ["有限会社{x}", "{x}有限会社", "(有){x}", "㈲{x}", "（有）{x}"],
    "合同会社": ["合同会社{x}", "{x}合同会社"],
    "": ["{x}"],
}
BRANCHES = [
    "横浜支店",
    "大阪支店",
    "名古屋営業所",
    "福岡支店",
    "札幌営業所",
    "仙台支店",
    "広島営業所",
    "本社",
    "東京本社",
]
# Business districts: one postcode and a few buildings hold hundreds of companies.
DISTRICTS = [  # postcode, prefecture, city, town, area code, weight
    ("100-0005", "東京都", "千代田区", "丸の内", "03", 5),
    ("160-0023", "東京都", "新宿区", "西新宿", "03", 4),
    ("530-0001", "大阪府", "大阪市北区", "梅田", "06", 4),
    ("450-0002", "愛知県", "名古屋市中村区", "名駅", "052", 3),
    ("105-0001", "東京都", "港区", "虎ノ門", "03", 3),
    ("103-0027", "東京都", "中央区", "日本橋", "03", 2),
    ("812-0011", "福岡県", "福岡市博多区", "博多駅前", "092", 2),
    ("220-0012", "神奈川県", "横浜市西区", "みなとみらい", "045", 2),
]
BUILDINGS = ["センタービル", "トラストタワー", "スクエア", "第一ビル", "第二ビル", "ビルディング", "プレイス"]
CHOME = ["一丁目", "二丁目", "三丁目", "四丁目"]
DISTRICT_SHARE = 0.35  # companies with an office in a business district
AREA_CODES = ["03", "06", "045", "052", "092", "011", "022", "075", "078", "082", "0263", "0544"]
MAIL_HOSTS = ["gmail.com", "yahoo.co.jp", "icloud.com", "docomo.ne.jp", "outlook.jp", "ezweb.ne.jp"]
ROLE_BOXES = ["info", "sales", "eigyo"]
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
TO_KATA = {c: c + 0x60 for c in range(0x3041, 0x3097)}
TO_HIRA = {c + 0x60: c for c in range(0x3041, 0x3097)}

_KANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽ"
)
_SYLLABLES = (
    "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho ma mi mu me mo ya yu yo "
    "ra ri ru re ro wa wo n ga gi gu ge go za ji zu ze zo da ji zu de do ba bi bu be bo pa pi pu pe po"
)
_ROMAJI = dict(zip(_KANA, _SYLLABLES.split(), strict=True))


def romaji(kana: str) -> str:
    """Hepburn-ish romaji of a hiragana reading, the way people spell it in a mailbox (さとう -> sato)."""
    out, double = "", False
    for ch in kana:
        if ch == "っ":
            double = True
            continue
        if ch in "ゃゅょ" and out.endswith("i"):  # きょ -> kyo, しょ -> sho, じゅ -> ju
            base, vowel = out[:-1], {"ゃ": "a", "ゅ": "u", "ょ": "o"}[ch]
            out = base + vowel if base.endswith(("sh", "ch", "j")) else base + "y" + vowel
            continue
        syllable = _ROMAJI.get(ch, "")
        if double and syllable:
            syllable = syllable[0] + syllable
        double = False
        out += syllable
    return out.replace("ou", "o").replace("uu", "u")


def _pairs(text: str):
    words = text.split()
    return list(zip(words[0::2], words[1::2], strict=True))


def _weighted(items):
    values, weights = zip(*items, strict=True)
    total, cum = 0.0, []
    for w in weights:
        total += w
        cum.append(total)
    return list(values), cum


def build_pools():
    """(family names, their cumulative weights), (given names, cumulative weights): (kanji, hiragana) each."""
    words = _COMMON_FAMILY.split()
    family = {words[i]: (words[i + 1], float(words[i + 2])) for i in range(0, len(words), 3)}
    for kanji, reading in _pairs(_RARE_FAMILY):
        family[kanji] = (reading, RARE_WEIGHT)
    heads = [(w[0], w[1:]) for w in _TAIL_HEAD.split()]
    tails = [(w[0], w[1:]) for w in _TAIL_TAIL.split()]
    for hk, hr in heads:
        for tk, tr in tails:
            if hk != tk and hk + tk not in family:
                family[hk + tk] = (hr + tr, TAIL_WEIGHT)
    given = [((k, r), 1 / (rank + 1) ** 0.8) for rank, (k, r) in enumerate(_pairs(_GIVEN))]
    return _weighted([((k, r), w) for k, (r, w) in family.items()]), _weighted(given)


# --- generator ------------------------------------------------------------------------------------


@dataclass
class Company:
    id: int
    core: str  # name without legal form (what company_key keeps)
    form: str  # 株式会社 / 有限会社 / 合同会社 / ""
    name: str  # as written on its own records
    phone: str  # 代表
    area: str
    postcode: str
    prefecture: str
    city: str
    street: str
    domain: str
    district: str = ""  # the district postcode, if in one
    twin: int = 0  # the company with the same core and another legal form


@dataclass
class Entity:
    id: int
    family: str
    family_kana: str  # hiragana
    given: str
    given_kana: str
    company: Company
    department: str
    mobile: str
    email: str
    email_kind: str  # work / personal / eai / role / ""
    office: str  # the 代表 or a direct line
    birthday: str
    kata: bool  # readings written in katakana on this person's records (else hiragana)
    has_reading: bool
    hard: str = ""  # the hard-negative kind this entity was planted as


@dataclass
class Record:
    id: int
    entity: int
    kinds: tuple  # variants applied ("" kinds = the entity's first record)
    data: dict


class Generator:
    def __init__(self, seed: int):
        from faker.providers.address.ja_JP import Provider as Address  # data lists only (no Faker instance: speed)

        self.rng = random.Random(seed)
        (self.family, self.family_cum), (self.given, self.given_cum) = build_pools()
        self.towns, self.cities, self.prefectures = Address.towns, Address.cities, Address.prefectures
        self.used_numbers: set[str] = set()
        self.used_emails: set[str] = set()
        self.used_domains: set[str] = set()
        self.roots = [(k, romaji(r)) for k, r in self.family[:150]] + PLACE_ROOTS

    # values ---------------------------------------------------------------------------------------

    def digits(self, n: int, first: str = "0123456789") -> str:
        rng = self.rng
        return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))

    def phone(self, area: str) -> str:
        while True:
            head = 6 - len(area)  # national numbers have 10 digits: area + exchange + 4
            number = f"{area}-{self.digits(head, '23456789')}-{self.digits(4)}"
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = f"{self.rng.choice(['070', '080', '090'])}-{self.digits(4, '123456789')}-{self.digits(4)}"
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def mailbox(self, make) -> str:
        for attempt in range(50):
            address = make(attempt)
            if address.lower() not in self.used_emails:
                self.used_emails.add(address.lower())
                return address
        raise RuntimeError("no free mailbox")

    def work_email(self, family_kana: str, given_kana: str, company: Company) -> str:
        f, g = romaji(family_kana), romaji(given_kana)
        pattern = self.rng.choice(["{g}.{f}", "{f}.{g}", "{g0}{f}", "{f}", "{f}-{g}"])
        local = pattern.format(f=f, g=g, g0=g[:1])
        return self.mailbox(lambda n: f"{local}{n if n else ''}@{company.domain}")

    def personal_email(self, family_kana: str, given_kana: str) -> str:
        f, g = romaji(family_kana), romaji(given_kana)
        host = self.rng.choice(MAIL_HOSTS)
        return self.mailbox(lambda n: f"{g}{f}{self.rng.randint(1, 9999)}@{host}")

    def eai_email(self, family: str, given: str, family_kana: str, company: Company) -> str:
        """An internationalised address: kanji local part, or an IDN domain (山田@example.jp, yamada@例え.jp)."""
        if self.rng.random() < 0.5:
            return self.mailbox(lambda n: f"{family}{given}{n if n else ''}@{company.domain}")
        return self.mailbox(lambda n: f"{romaji(family_kana)}{n if n else ''}@{company.core}.jp")

    def birthday(self) -> str:
        rng = self.rng
        return f"{rng.randint(1955, 2002)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def name(self) -> tuple[str, str, str, str]:
        (family, family_kana), (given, given_kana) = (
            self.rng.choices(self.family, cum_weights=self.family_cum)[0],
            self.rng.choices(self.given, cum_weights=self.given_cum)[0],
        )
        return family, family_kana, given, given_kana

    # companies ------------------------------------------------------------------------------------

    def companies(self, n: int) -> list[Company]:
        rng = self.rng
        out, cores = [], set()
        district_picks, district_cum = _weighted([(d, d[5]) for d in DISTRICTS])
        while len(out) < n:
            twin_of = rng.choice(out) if out and rng.random() < 0.03 and not out[-1].twin else None
            if twin_of is not None and twin_of.form in ("株式会社", "有限会社") and not twin_of.twin:
                # 株式会社X and 有限会社X: one name key, two companies (another place, another phone)
                core, form = twin_of.core, "有限会社" if twin_of.form == "株式会社" else "株式会社"
                root_romaji = twin_of.domain.split(".")[0] + "-y"
            else:
                twin_of = None
                root, root_romaji = rng.choice(self.roots)
                business, business_romaji = rng.choice(BUSINESS)
                prefix = rng.choice(["", "", "", "新", "東", "西", "北", "南"])
                core = f"{prefix}{root}{business}"
                if core in cores:
                    continue
                root_romaji = f"{root_romaji}-{business_romaji}"
                form = rng.choices(["株式会社", "有限会社", "合同会社", ""], weights=[75, 12, 3, 10])[0]
            cores.add(core)
            name = rng.choice(LEGAL_FORMS[form][:2]).format(x=core)
            domain = root_romaji
            while domain in self.used_domains:
                domain = f"{root_romaji}{rng.randint(2, 99)}"
            self.used_domains.add(domain)
            if rng.random() < DISTRICT_SHARE:
                district = rng.choices(district_picks, cum_weights=district_cum)[0]
                postcode, prefecture, city, town, area, _w = district
                # few buildings per district: the same street + building is shared by many companies
                b = min(int(rng.expovariate(0.6)), len(BUILDINGS) - 1)
                street = f"{town}{CHOME[b % 3]}{b + 1}-{(b * 7) % 9 + 1} {town}{BUILDINGS[b]}"
            else:
                district, area = None, rng.choice(AREA_CODES)
                postcode = f"{self.digits(3, '0123456789')}-{self.digits(4)}"
                prefecture, city = rng.choice(self.prefectures), rng.choice(self.cities)
                street = f"{rng.choice(self.towns)}{rng.choice(CHOME)}{rng.randint(1, 30)}-{rng.randint(1, 20)}"
            company = Company(
                id=len(out) + 1, core=core, form=form, name=name, phone=self.phone(area), area=area,
                postcode=postcode, prefecture=prefecture, city=city, street=street, domain=f"{domain}.co.jp",
                district=postcode if district else "",
            )  # fmt: skip
            if twin_of is not None:
                company.twin, twin_of.twin = twin_of.id, company.id
            out.append(company)
        return out

    # people ---------------------------------------------------------------------------------------

    def entity(self, i: int, company: Company, name=None) -> Entity:
        rng = self.rng
        family, family_kana, given, given_kana = name or self.name()
        mobile = self.mobile() if rng.random() < 0.6 else ""
        email, kind = "", ""
        if rng.random() < 0.7:
            pick = rng.random()
            if pick < 0.03:
                email, kind = self.eai_email(family, given, family_kana, company), "eai"
            elif pick < 0.05:
                email, kind = f"{rng.choice(ROLE_BOXES)}@{company.domain}", "role"  # a team mailbox
            elif pick < 0.78:
                email, kind = self.work_email(family_kana, given_kana, company), "work"
            else:
                email, kind = self.personal_email(family_kana, given_kana), "personal"
        return Entity(
            id=i, family=family, family_kana=family_kana, given=given, given_kana=given_kana, company=company,
            department=rng.choice(DEPARTMENTS) if rng.random() < 0.85 else "", mobile=mobile, email=email,
            email_kind=kind, office=company.phone if rng.random() < 0.8 else self.phone(company.area),
            birthday=self.birthday() if rng.random() < 0.15 else "", kata=rng.random() < 0.7,
            has_reading=rng.random() < 0.9,
        )  # fmt: skip

    def ensure_contacts(self, e: Entity) -> None:
        """A namesake colleague is only told apart by contacts of their own: give both a mobile and a mailbox."""
        if not e.mobile:
            e.mobile = self.mobile()
        if e.email_kind not in ("work", "eai"):
            e.email, e.email_kind = self.work_email(e.family_kana, e.given_kana, e.company), "work"

    def entities_and_records(self, size: int):
        rng = self.rng
        n_entities = int(size / 1.41) + 10  # ~30% get 1-3 extra records: ~1.41 records per entity
        companies = self.companies(max(30, n_entities // 7))
        # Company sizes are very unequal (Zipf): a few hold hundreds of contacts, most hold a handful.
        _, company_cum = _weighted([(c, 1 / (rank + 1) ** 0.6) for rank, c in enumerate(companies)])
        by_postcode = defaultdict(list)
        for c in companies:
            if c.district:
                by_postcode[c.district].append(c)
        entities: list[Entity] = []
        district_people, twin_people = [], []
        readings_at = self.readings_at = set()  # (reading, company core) already taken
        hard = Counter()
        for i in range(1, n_entities + 1):
            roll = rng.random()
            other = rng.choice(entities) if entities else None
            name = other and (other.family, other.family_kana, other.given, other.given_kana)
            if other and roll < 0.025 and district_people:  # namesake in the same district postcode
                other = rng.choice(district_people)
                name = (other.family, other.family_kana, other.given, other.given_kana)
                neighbours = [c for c in by_postcode[other.company.district] if c.core != other.company.core]
                if not neighbours:
                    continue
                e, kind = self.entity(i, rng.choice(neighbours), name), "namesake, same postcode"
            elif other and roll < 0.035:  # namesake colleague: other mobile and mailbox
                e, kind = self.entity(i, other.company, name), "namesake, same company"
                self.ensure_contacts(e)
                self.ensure_contacts(other)
            elif other and roll < 0.045:  # relative or colleague with one family name and one office phone
                family, family_kana = other.family, other.family_kana
                while True:
                    _, _, given, given_kana = self.name()
                    if given_kana != other.given_kana:
                        break
                e, kind = (
                    self.entity(i, other.company, (family, family_kana, given, given_kana)),
                    "relative, same office",
                )
                e.office = other.office = other.company.phone
            elif other and roll < 0.052:  # namesakes with different birthdays
                while (company := companies[rng.randrange(len(companies))]).core == other.company.core:
                    pass
                e, kind = self.entity(i, company, name), "namesake, other birthday"
                other.birthday = other.birthday or self.birthday()
                while e.birthday in ("", other.birthday):
                    e.birthday = self.birthday()
            elif other and roll < 0.057 and twin_people:  # namesake at 株式会社X vs 有限会社X
                other = rng.choice(twin_people)
                name = (other.family, other.family_kana, other.given, other.given_kana)
                twin = companies[other.company.twin - 1]
                e, kind = self.entity(i, twin, name), "namesake, twin company (other legal form)"
            else:
                company = rng.choices(companies, cum_weights=company_cum)[0]
                # Namesakes at one company are only the planted ones (told apart by their own contacts): two
                # people reading the same at one company with nothing of their own would be a coin toss.
                while True:
                    name = self.name()
                    if (name[1] + name[3], company.core) not in readings_at:
                        break
                e, kind = self.entity(i, company, name), ""
            readings_at.add((e.family_kana + e.given_kana, e.company.core))
            e.hard = kind
            hard[kind] += bool(kind)
            entities.append(e)
            if e.company.district:
                district_people.append(e)
            if e.company.twin:
                twin_people.append(e)
        # readings at each company: a planted namesake colleague's records always keep a contact of their own
        at_company = Counter((e.family_kana + e.given_kana, e.company.core) for e in entities)
        records = []
        for e in entities:
            records.append(Record(0, e.id, (), self.canonical(e)))
            if rng.random() < 0.3:
                for _ in range(rng.choices([1, 2, 3], weights=[70, 22, 8])[0]):
                    kinds, data = self.duplicate(
                        e, companies, at_company[(e.family_kana + e.given_kana, e.company.core)] > 1
                    )
                    records.append(Record(0, e.id, kinds, data))
            if len(records) >= size:
                break
        records = records[:size]
        rng.shuffle(records)  # the scan must not rely on input order
        for index, r in enumerate(records):
            r.id = index + 1
        kept = {r.entity for r in records}
        entities = [e for e in entities if e.id in kept]
        return entities, records, Counter(e.hard for e in entities if e.hard)

    # records --------------------------------------------------------------------------------------

    def reading(self, kana: str, kata: bool) -> str:
        return kana.translate(TO_KATA) if kata else kana

    def canonical(self, e: Entity) -> dict:
        c = e.company
        return {
            "family_name": e.family,
            "given_name": e.given,
            "family_name_kana": self.reading(e.family_kana, e.kata) if e.has_reading else "",
            "given_name_kana": self.reading(e.given_kana, e.kata) if e.has_reading else "",
            "company_name": c.name,
            "postcode": c.postcode,
            "prefecture": c.prefecture,
            "city": c.city,
            "street": c.street,
            "department": e.department,
            "birthday": e.birthday,
            "emails": [e.email] if e.email else [],
            "phones": [{"value": e.office, "label": "office"}]
            + ([{"value": e.mobile, "label": "mobile"}] if e.mobile else []),
        }

    def duplicate(self, e: Entity, companies, namesake_colleague: bool) -> tuple[tuple, dict]:
        rng = self.rng
        d = self.canonical(e)
        c = e.company
        # A second record rarely has everything the first had.
        mobile = e.mobile if rng.random() < 0.8 else ""
        email = e.email if rng.random() < 0.7 else ""
        office = e.office if rng.random() < 0.75 else ""
        if rng.random() > 0.7:
            d["city"] = d["street"] = d["prefecture"] = ""
            if rng.random() < 0.5:
                d["postcode"] = ""
        if rng.random() > 0.6:
            d["department"] = ""
        if rng.random() > 0.6:
            d["birthday"] = ""
        if namesake_colleague and not (mobile or email):
            mobile = e.mobile  # planted namesake colleagues both have one (ensure_contacts)
        structural = rng.choices(
            ["", "sparse", "job_change", "email_change", "dept_move"], weights=[55, 14, 11, 10, 10]
        )
        structural = structural[0]
        kinds = []
        if structural == "sparse":
            options = (["name+company"] if not namesake_colleague else []) + (["name+mobile"] if e.mobile else [])
            if options:
                option = rng.choice(options)
                kinds.append(f"sparse {option}")
                keep_reading = rng.random() < 0.5
                d = {
                    "family_name": d["family_name"],
                    "given_name": d["given_name"],
                    "family_name_kana": d["family_name_kana"] if keep_reading else "",
                    "given_name_kana": d["given_name_kana"] if keep_reading else "",
                    "company_name": c.name if option == "name+company" else "",
                    "postcode": "", "prefecture": "", "city": "", "street": "", "department": "", "birthday": "",
                    "emails": [], "phones": [],
                }  # fmt: skip
                mobile, email, office = (e.mobile, "", "") if option == "name+mobile" else ("", "", "")
        elif structural == "job_change" and e.mobile:
            # A new company, office phone, mailbox and address; only the mobile stays.
            kinds.append("job_change")
            reading = e.family_kana + e.given_kana
            while True:  # a company without someone of the same reading (that would be a coin toss)
                c = companies[rng.randrange(len(companies))]
                if c.core != e.company.core and (reading, c.core) not in self.readings_at:
                    break
            d.update(company_name=c.name, postcode=c.postcode, prefecture=c.prefecture, city=c.city, street=c.street)
            d["department"] = rng.choice(DEPARTMENTS)
            mobile, office = e.mobile, c.phone
            email = self.work_email(e.family_kana, e.given_kana, c) if rng.random() < 0.7 else ""
        elif structural == "email_change" and e.email_kind in ("work", "eai"):
            kinds.append("email_change")  # same company, a new mailbox; the rest as it was (mobile if any)
            email, mobile = self.work_email(e.family_kana, e.given_kana, c), e.mobile
        elif structural == "dept_move" and e.department:
            kinds.append("dept_move")
            d["department"] = rng.choice([x for x in DEPARTMENTS if x != e.department])
        d["emails"] = [email] if email else []
        d["phones"] = ([{"value": office, "label": "office"}] if office else []) + (
            [{"value": mobile, "label": "mobile"}] if mobile else []
        )
        # Surface variants: how the same facts get typed differently.
        surface = ["width", "reading_script", "honorific", "phone_format", "name_one_field"]
        # A name typed in kana is told from the kanji only by a reading somewhere in the person's records.
        surface += ["kana_only"] if e.has_reading else []
        surface += ["reading_missing", "reading_halfwidth"] if d["family_name_kana"] else []
        surface += ["old_kanji"] if any(ch in e.family + e.given for ch in OLD_KANJI) else []
        surface += ["given_typo"] if e.given in GIVEN_TYPO else []
        surface += (
            ["legal_form", "branch"] if d["company_name"] and c.form else (["branch"] if d["company_name"] else [])
        )
        surface += ["email_case"] if d["emails"] else []
        count = rng.choices([0, 1, 2, 3], weights=[10, 50, 30, 10] if kinds else [0, 55, 33, 12])[0]
        for kind in rng.sample(surface, min(count, len(surface))):
            kinds.append(kind)
            self.surface(kind, d, e, c)
        return tuple(kinds), d

    def surface(self, kind: str, d: dict, e: Entity, c: Company) -> None:
        rng = self.rng
        if kind == "width":  # full-width digits, half-width readings
            for p in d["phones"]:
                p["value"] = p["value"].translate(FULL_WIDTH)
            d["postcode"] = d["postcode"].translate(FULL_WIDTH)
            d["street"] = d["street"].translate(FULL_WIDTH)
        elif kind == "reading_script":
            flip = TO_HIRA if e.kata else TO_KATA
            d["family_name_kana"], d["given_name_kana"] = (
                d["family_name_kana"].translate(flip),
                d["given_name_kana"].translate(flip),
            )
        elif kind == "reading_halfwidth":
            import jaconv

            d["family_name_kana"] = jaconv.z2h(d["family_name_kana"].translate(TO_KATA), kana=True)
            d["given_name_kana"] = jaconv.z2h(d["given_name_kana"].translate(TO_KATA), kana=True)
        elif kind == "reading_missing":
            d["family_name_kana"] = d["given_name_kana"] = ""
        elif kind == "honorific":
            field = "given_name" if d["given_name"] else "family_name"
            d[field] += rng.choice(["様", " 様", "　様", "殿"])
        elif kind == "name_one_field":
            d["family_name"], d["given_name"] = f"{d['family_name']}{rng.choice([' ', '　', ''])}{d['given_name']}", ""
        elif kind == "kana_only":  # the name typed in hiragana (no IME conversion)
            d["family_name"], d["given_name"] = e.family_kana, e.given_kana
        elif kind == "old_kanji":
            for field in ("family_name", "given_name"):
                for common, old in OLD_KANJI.items():
                    d[field] = d[field].replace(common, rng.choice([old, OLD_ALT.get(common, old)]))
        elif kind == "given_typo":
            d["given_name"] = d["given_name"].replace(e.given, GIVEN_TYPO[e.given])
        elif kind == "legal_form":  # 山田製作所株式会社 / ㈱山田製作所 / (株)山田製作所
            written = d["company_name"]
            core = next((x for x in (c.core,) if x in written), c.core)
            options = [f.format(x=core) for f in LEGAL_FORMS[c.form] if f.format(x=core) != written]
            d["company_name"] = rng.choice(options) if options else written
        elif kind == "branch":
            d["company_name"] += rng.choice(["", " ", "　"]) + rng.choice(BRANCHES)
        elif kind == "phone_format":
            for p in d["phones"]:
                p["value"] = _phone_variant(p["value"], rng)
        elif kind == "email_case":
            d["emails"] = [x.upper() if rng.random() < 0.6 else x.translate(FULL_WIDTH) for x in d["emails"]]


def _phone_variant(phone: str, rng) -> str:
    if phone.count("-") != 2:
        return phone
    a, b, c = phone.split("-")
    return rng.choice(
        [
            f"{a}{b}{c}",
            f"{a}（{b}）{c}".translate(FULL_WIDTH),
            f"+81 {a[1:]}-{b}-{c}",
            f"+81{a[1:]}{b}{c}",
            f"({a}){b}-{c}",
            f"{a} {b} {c}",
            f"{a}.{b}.{c}",
        ]
    )


# --- Kizuna's matcher -----------------------------------------------------------------------------


def to_facts(records):
    from kizuna.contacts.dedup.facts import person_facts_from_data

    companies, facts = {}, []
    for r in records:
        name = r.data["company_name"]
        if name and name not in companies:
            companies[name] = FakeCompany(name)
        f = person_facts_from_data(r.data, company=companies.get(name))
        f.id = r.id
        f.label = f"{r.data['family_name']} {r.data['given_name']}（{name}）"
        facts.append(f)
    return facts


def import_matcher():
    try:
        from kizuna.contacts.dedup.scan import PERSON, find_clusters
    except ImportError as error:
        sys.exit(f"dedup_linkage: cannot import the matcher (kizuna.contacts.dedup.scan): {error}")
    try:
        from kizuna.contacts.dedup.scan import scored_pairs, train
    except ImportError as error:
        train = scored_pairs = None
        print(f"WARNING: kizuna.contacts.dedup.scan has no train/scored_pairs yet ({error}): trained model and "
              "calibration are not measured")  # fmt: skip
    return PERSON, find_clusters, train, scored_pairs


def exact_keys(facts) -> set:
    """Baseline: two records are one when they share the first of mobile, e-mail, office phone that both have."""
    uf = UnionFind()
    blocks = defaultdict(list)
    for f in facts:
        for m in f.mobiles:
            blocks[("m", m)].append(f)
        for e in f.emails:
            blocks[("e", e)].append(f)
        for p in f.phones:
            blocks[("o", p)].append(f)
    for (kind, _value), members in blocks.items():
        if len(members) < 2:
            continue
        # A pair sharing this value links unless both have an earlier field. Members fall into classes by which
        # earlier fields they hold; two classes link wholesale when their pairs are allowed (no pair enumeration).
        if kind == "m":
            classes = {(): members}
        else:
            classes = defaultdict(list)
            for f in members:
                classes[(bool(f.mobiles), bool(f.emails) if kind == "o" else False)].append(f)

        def allowed(x, y):
            return not (x[0] and y[0]) and not (x[1] and y[1]) if x else True

        keys = list(classes)
        for i, x in enumerate(keys):
            for y in keys[i:]:
                if not allowed(x, y) or (x == y and len(classes[x]) < 2):
                    continue
                anchor = classes[x][0].id
                for f in classes[x] + classes[y]:
                    uf.union(anchor, f.id)
    return cluster_pairs(uf.groups())


def _same_name(a, b) -> bool:
    return a.name == b.name or bool(a.reading and a.reading in (b.reading, b.name)) or bool(b.reading == a.name)


def fp_class(a, b) -> str:
    """Why a false pair looked alike (first match wins)."""
    if _same_name(a, b) and a.postcode and a.postcode == b.postcode and a.company and b.company != a.company:
        return "same name & postcode, other company"
    if _same_name(a, b) and a.company and a.company == b.company:
        return "same name & company"
    if a.phones & b.phones:
        return "shared office phone"
    return "other"


def describe(r: Record, hard: dict) -> str:
    d = r.data
    parts = [
        f"{d['family_name']} {d['given_name']}".strip(),
        f"[{d['family_name_kana']}{d['given_name_kana']}]",
        d["company_name"],
        d["postcode"],
        *[f"{p['label']}:{p['value']}" for p in d["phones"]],
        *d["emails"],
        d["birthday"],
        f"(entity {r.entity}{', planted: ' + hard[r.entity] if hard.get(r.entity) else ''})",
    ]
    return " | ".join(p for p in parts if p)


# --- splink ---------------------------------------------------------------------------------------


def splink_frame(records, facts):
    import pandas as pd

    from kizuna.core import japanese

    rows = []
    for r, f in zip(records, facts, strict=True):
        d = r.data
        name = unicodedata.normalize("NFKC", d["family_name"] + d["given_name"]).replace(" ", "")
        for suffix in ("様", "殿"):
            name = name.removesuffix(suffix)
        reading = unicodedata.normalize("NFKC", d["family_name_kana"] + d["given_name_kana"]).replace(" ", "")
        mobiles = [p for p in d["phones"] if p["label"] == "mobile"]
        offices = [p for p in d["phones"] if p["label"] == "office"]

        def digits(points):
            phone = japanese.parse_phone(points[0]["value"]) if points else None
            return phone.digits if phone and phone.valid else None

        email = unicodedata.normalize("NFKC", d["emails"][0]).lower() if d["emails"] else None
        rows.append(
            {
                "unique_id": r.id,
                "name": name or None,
                "reading": reading.translate(TO_HIRA) or None,
                "company": japanese.company_key(d["company_name"]) if d["company_name"] else None,
                "mobile": digits(mobiles),
                "email": email,
                "office": digits(offices),
                "postcode": f.postcode or None,
                "birthday": d["birthday"] or None,
            }
        )
    return pd.DataFrame(rows).astype({"unique_id": "int64"})


def run_splink(records, facts):
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    db = DuckDBAPI()
    table = db.register(splink_frame(records, facts))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("name").configure(term_frequency_adjustments=True),
            cl.ExactMatch("reading").configure(term_frequency_adjustments=True),
            cl.ExactMatch("company").configure(term_frequency_adjustments=True),
            cl.ExactMatch("mobile"),
            cl.ExactMatch("email"),
            cl.ExactMatch("office").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            cl.ExactMatch("birthday"),
        ],
        blocking_rules_to_generate_predictions=[  # the matcher's own blocking keys
            block_on("mobile"),
            block_on("email"),
            block_on("name", "company"),
            block_on("name", "postcode"),
            block_on("reading", "company"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("mobile"), block_on("email"), block_on("name", "company")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    # m by EM, each session on a blocking rule (its fields are fixed by the rule): no labels used
    sample = min(1.0, 100_000 / max(1, len(records)))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name", "company"), record_sample_proportion=sample
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("mobile"), record_sample_proportion=1.0)
    predictions = linker.inference.predict(threshold_match_probability=DEFAULT_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, DEFAULT_THRESHOLD)
    frame = clusters.as_pandas_dataframe()
    groups = frame.groupby("cluster_id")["unique_id"].apply(list)
    return cluster_pairs(g for g in groups if len(g) > 1)


# --- one size ----------------------------------------------------------------------------------------


def run_size(size: int, args, matcher) -> dict:
    person, find_clusters, train, scored_pairs = matcher
    started = time.perf_counter()
    entities, records, hard = Generator(args.seed + size).entities_and_records(size)
    gen_time = time.perf_counter() - started
    started = time.perf_counter()
    facts = to_facts(records)
    facts_time = time.perf_counter() - started
    by_id = {r.id: r for r in records}
    planted = {e.id: e.hard for e in entities if e.hard}
    fact_by_id = {f.id: f for f in facts}
    members = defaultdict(list)
    for r in records:
        members[r.entity].append(r.id)
    gold = cluster_pairs(members.values())
    variants = Counter(k for r in records for k in r.kinds)
    result = {
        "records": len(records),
        "entities": len(entities),
        "duplicates": sum(1 for r in records if r.kinds),
        "gold_pairs": len(gold),
        "generation_seconds": round(gen_time, 2),
        "facts_seconds": round(facts_time, 2),
        "hard_negatives": dict(hard),
        "variants": dict(variants),
        "methods": {},
    }
    companies = {r.data["company_name"] for r in records if r.data["company_name"]}
    postcodes = Counter(f.postcode for f in facts if f.postcode).most_common(3)
    print(
        f"\n== {len(records):,} records (seed {args.seed}): {len(entities):,} entities, {result['duplicates']:,} "
        f"duplicate records, {len(gold):,} gold pairs; generated in {gen_time:.1f}s, facts in {facts_time:.1f}s =="
    )
    print(f"company spellings {len(companies):,}; busiest postcodes {postcodes}")
    print(f"planted hard negatives: {dict(hard)}")
    print(f"duplicate variants: {dict(sorted(variants.items()))}")

    table = []

    def record(method, predicted, seconds, extra=None):
        p, r, f = prf(predicted, gold)
        numbers = {"precision": p, "recall": r, "f1": f, "pairs": len(predicted), "seconds": round(seconds, 2)}
        result["methods"][method] = {**numbers, **(extra or {})}
        table.append((method, p, r, f, len(predicted), f"{seconds:.2f}"))

    t0 = time.perf_counter()
    record("exact keys (mobile>email>office)", exact_keys(facts), time.perf_counter() - t0)

    predicted_by = {}
    t0 = time.perf_counter()
    clusters, stats = find_clusters(person, facts)
    predicted_by["kizuna shipped priors"] = cluster_pairs([m.id for m in c.members] for c in clusters)
    record("kizuna shipped priors", predicted_by["kizuna shipped priors"], time.perf_counter() - t0,
           {"comparisons": stats.comparisons, "skipped_blocks": stats.skipped_blocks})  # fmt: skip

    model = None
    if train is not None:
        t0 = time.perf_counter()
        model = train(person, facts)
        train_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        clusters, stats = find_clusters(person, facts, model=model)
        predicted_by["kizuna trained"] = cluster_pairs([m.id for m in c.members] for c in clusters)
        record(f"kizuna trained (+{train_time:.1f}s train)", predicted_by["kizuna trained"],
               time.perf_counter() - t0, {"train_seconds": round(train_time, 2)})  # fmt: skip

    if not args.skip_splink:
        try:
            import logging

            import splink

            logging.getLogger("splink").setLevel(logging.ERROR)
            t0 = time.perf_counter()
            record(f"splink {splink.__version__} duckdb", run_splink(records, facts), time.perf_counter() - t0)
        except Exception as error:  # a third-party pipeline failing must not hide the other numbers
            print(f"splink failed: {type(error).__name__}: {error}")
            result["methods"]["splink"] = {"error": f"{type(error).__name__}: {error}"}

    print(row("method", "precision", "recall", "F1", "pairs", "seconds"))
    for line in table:
        print(row(*line))
    for method in predicted_by:
        m = next(v for k, v in result["methods"].items() if k.startswith(method))
        met = m["f1"] >= 0.98 and m["precision"] >= 0.995
        print(f"{method}: {'MET' if met else 'NOT MET'}")

    # Calibration: does a probability of 0.95 mean 95% of such pairs are true?
    if scored_pairs is not None:
        t0 = time.perf_counter()
        bins = [[0, 0] for _ in CALIBRATION_BINS]
        for a, b, probability in scored_pairs(person, facts, model=model):
            for index, (low, high) in enumerate(CALIBRATION_BINS):
                if low <= probability < high:
                    bins[index][0] += 1
                    bins[index][1] += by_id[a].entity == by_id[b].entity
                    break
        print(f"\ncalibration of kizuna trained (scored_pairs, {time.perf_counter() - t0:.1f}s)")
        print(row("probability", "pairs", "true share", "mid", widths=(36, 10, 10, 10)))
        result["calibration"] = []
        for (low, high), (n, true) in zip(CALIBRATION_BINS, bins, strict=True):
            label = f"[{low}, {min(high, 1.0)}{']' if high > 1 else ')'}"
            print(row(label, n, true / n if n else float("nan"), (low + min(high, 1.0)) / 2, widths=(36, 10, 10, 10)))
            result["calibration"].append({"bin": [low, min(high, 1.0)], "pairs": n, "true": true})

    # False positives at the default threshold, by what made the two records look alike.
    for method, predicted in predicted_by.items():
        false = sorted(predicted - gold)
        classes = defaultdict(list)
        for a, b in false:
            classes[fp_class(fact_by_id[a], fact_by_id[b])].append((a, b))
        counts = {k: len(v) for k, v in sorted(classes.items(), key=lambda kv: -len(kv[1]))}
        result["methods"][next(k for k in result["methods"] if k.startswith(method))]["false_positives"] = counts
        print(f"\nfalse pairs of {method} at {DEFAULT_THRESHOLD}: {len(false)} {counts}")
        if classes:
            biggest = max(classes, key=lambda k: len(classes[k]))
            print(f"examples of '{biggest}':")
            for a, b in classes[biggest][:5]:
                print(f"  A: {describe(by_id[a], planted)}\n  B: {describe(by_id[b], planted)}")

    # Recall by duplicate variant (a duplicate record joined to its entity's first record).
    if predicted_by:
        method = list(predicted_by)[-1]
        predicted = predicted_by[method]
        first = {}
        for r in sorted(records, key=lambda r: bool(r.kinds)):
            first.setdefault(r.entity, r.id)
        per = defaultdict(lambda: [0, 0])
        for r in records:
            if r.kinds:
                hit = (min(r.id, first[r.entity]), max(r.id, first[r.entity])) in predicted
                for kind in r.kinds:
                    per[kind][0] += 1
                    per[kind][1] += hit
        print(f"\nrecall of {method} by variant (duplicate vs the entity's first record)")
        print(" ".join(f"{k} {h / n:.3f} ({n})" for k, (n, h) in sorted(per.items())))
        result["recall_by_variant"] = {k: {"pairs": n, "recall": h / n} for k, (n, h) in per.items()}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,20000", help="records per data set, comma-separated")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--generate-only", action="store_true", help="time the generator and stop")
    parser.add_argument("--json", help="write all numbers to this path")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.generate_only:
        for size in sizes:
            t0 = time.perf_counter()
            entities, records, hard = Generator(args.seed + size).entities_and_records(size)
            print(f"{len(records):,} records, {len(entities):,} entities in {time.perf_counter() - t0:.1f}s; {hard}")
        return
    setup_django()
    matcher = import_matcher()
    print(TARGET)
    results = {"seed": args.seed, "threshold": DEFAULT_THRESHOLD, "target": TARGET, "sizes": {}}
    for size in sizes:
        results["sizes"][str(size)] = run_size(size, args, matcher)
    print(f"\n{TARGET}")
    for size, res in results["sizes"].items():
        cells = ", ".join(f"{k}: P {v['precision']:.4f} R {v['recall']:.4f} F1 {v['f1']:.4f}"
                          for k, v in res["methods"].items() if "f1" in v)  # fmt: skip
        print(f"  {int(size):,}: {cells}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
