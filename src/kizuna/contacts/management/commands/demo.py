"""`kizuna demo [--people N]`: a believable Japanese data set (manufacturers with plants and branches,
people with readings and career moves) and demo logins, written through the bulk services."""

import json
import random
import secrets
import time
from datetime import date, timedelta

import jaconv
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from faker import Faker

from kizuna.accounts import roles as role_services
from kizuna.accounts import services as account_services
from kizuna.accounts.models import Role as RoleModel
from kizuna.accounts.models import User
from kizuna.contacts.dedup import service as dedup
from kizuna.contacts.models import Company, ContactPoint, Employment, Person, Site
from kizuna.contacts.services.bulk import bulk_create_companies, bulk_create_people, contact_point
from kizuna.core import demo, japanese
from kizuna.core.context import request_context
from kizuna.core.permissions import OBJECT_TYPES, Role, Visibility, has_perm

DEMO_USERS = [
    # username, role, team, display name
    ("admin", Role.ADMIN, "営業1部", "管理者"),
    ("tanaka", Role.MANAGER, "営業1部", "田中 誠"),
    ("suzuki", Role.MEMBER, "営業1部", "鈴木 美咲"),
    ("sato", Role.MEMBER, "営業2部", "佐藤 健太"),
    ("kobayashi", Role.MEMBER, "カスタマーサポート", "小林 由美"),
    ("yamada", Role.READ_ONLY, "営業1部", "山田 花子"),
    ("kansa", "auditor", "内部監査室", "監査 次郎"),  # a custom role: reads everything, changes nothing
]
INDUSTRY_WORDS = {
    "製造業（機械）": ["製作所", "機械", "精機", "鉄工所", "工機"],
    "製造業（電機）": ["電機", "電子", "電装", "エレクトロニクス"],
    "製造業（化学）": ["化学", "化成", "樹脂", "ケミカル"],
    "製造業（金属）": ["金属", "鋼業", "メタル", "鍛造"],
    "卸売業": ["商事", "商会", "物産", "トレーディング"],
    "情報通信業": ["システムズ", "ソフト", "情報サービス", "テクノロジー"],
}
DEPARTMENTS = [
    "購買部",
    "資材部",
    "製造部",
    "品質保証部",
    "生産技術部",
    "設計部",
    "営業部",
    "総務部",
    "経営企画室",
]
TITLES = ["", "", "主任", "係長", "課長", "課長代理", "部長", "次長", "工場長", "取締役"]
LEGAL_FORMS = ["株式会社{}", "株式会社{}", "{}株式会社", "有限会社{}", "{}株式会社", "合同会社{}"]


def _office_phone(rng: random.Random) -> str:
    """0A-BCDE-FGHJ or 0AB-CDE-FGHJ: ten digits like a real fixed line (many are not in the numbering-plan
    metadata, so the demo shows 要確認 numbers too)."""
    area = rng.randint(3, 99)
    middle = rng.randint(1000, 9999) if area < 10 else rng.randint(100, 999)
    return f"0{area}-{middle}-{rng.randint(1000, 9999)}"


def _corporate_number(rng: random.Random) -> str:
    base = [rng.randint(0, 9) for _ in range(12)]
    # NTA check digit: 9 - (Σ Pn×Qn mod 9), Qn = 1 for odd n, 2 for even n counted from the right
    total = sum(d * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return str(9 - total % 9) + "".join(map(str, base))


def _logins_path():
    return settings.DATA_DIR / "demo-logins.json"


class Command(BaseCommand):
    help = "デモデータを作成します / Load a Japanese demo data set."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=2000)
        parser.add_argument("--companies", type=int, default=None, help="default: people / 5")
        parser.add_argument("--seed", type=int, default=20261124)
        parser.add_argument("--print-logins", action="store_true", help="only print the demo logins")

    def handle(self, *args, people, companies, seed, print_logins, **options):
        if print_logins:
            self._print_logins()
            return
        started = time.monotonic()
        with request_context(channel="cli"):
            users = self._users()
            admin = users[0]
            rng = random.Random(seed)
            fake = Faker("ja_JP")
            fake.seed_instance(seed)
            company_objs = self._companies(admin, users, fake, rng, companies or max(20, people // 5))
            self._people(admin, users, fake, rng, company_objs, people)
            for loader in demo.loaders():  # the other apps' demo data (core.demo), through their services
                self.stdout.write(f"demo: {loader.name}: {loader.load(users, rng)}")
            # The review queue starts with the duplicates the demo planted, as after a real import.
            for kind in (dedup.PERSON, dedup.COMPANY):
                clusters, _stats = dedup.run_scan(kind)
                self.stdout.write(f"demo: {len(clusters)} {kind} duplicate groups to review")
        self.stdout.write(f"demo: {len(company_objs)} companies, {people} people in {time.monotonic() - started:.1f}s")
        self._print_logins()

    # --- users --------------------------------------------------------------------------------------
    def _users(self) -> list[User]:
        if not RoleModel.objects.filter(key="auditor").exists():
            read_all = {t: ["view", "export"] if t in ("person", "company") else ["view"] for t in OBJECT_TYPES}
            role_services.create_role(actor=None, data={
                "key": "auditor", "name": "監査担当", "scope": "all", "permissions": read_all,
                "description": "すべてのレコードを閲覧・書き出しできるが、変更はできない（デモ用の独自ロール）",
            })  # fmt: skip
        path = _logins_path()
        logins = json.loads(path.read_text()) if path.exists() else {}
        users = []
        for username, role, team_name, display in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                team = account_services.get_or_create_team(actor=None, name=team_name)
                password = secrets.token_urlsafe(9)
                user = account_services.create_user(
                    actor=None,
                    username=username,
                    password=password,
                    role=role,
                    team=team,
                    display_name=display,
                )
                logins[username] = {"password": password, "role": role, "team": team_name}
            users.append(user)
        path.write_text(json.dumps(logins, ensure_ascii=False, indent=1))
        path.chmod(0o600)
        return users

    def _print_logins(self):
        path = _logins_path()
        if not path.exists():
            self.stdout.write("demo logins: none (run `kizuna demo` first)")
            return
        self.stdout.write("デモ用ログイン / demo logins (http://127.0.0.1:8000/):")
        for username, info in json.loads(path.read_text()).items():
            self.stdout.write(f"  {username:<10} {info['password']:<14} {info['role']:<8} {info['team']}")

    # --- companies ----------------------------------------------------------------------------------
    def _companies(self, admin, users, fake, rng, count) -> list[Company]:
        owners = [u for u in users if has_perm(u, "person", "create")]
        companies = []
        for _ in range(count):
            industry = rng.choice(list(INDUSTRY_WORDS))
            family, family_kana, _roman = fake.last_name_pair()
            word = rng.choice(INDUSTRY_WORDS[industry])
            owner = rng.choice(owners)
            prefecture = rng.choice(japanese.PREFECTURES)
            companies.append(
                Company(
                    name=rng.choice(LEGAL_FORMS).format(family + word),
                    name_kana=family_kana + _kana_word(word),
                    corporate_number=_corporate_number(rng),
                    industry=industry,
                    website=f"https://www.{_roman.lower()}-{rng.randint(1, 999)}.co.jp",
                    phone=_office_phone(rng),
                    postcode=f"{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}",
                    prefecture=prefecture,
                    city=fake.city(),
                    street=f"{fake.town()}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
                    owner=owner,
                    team_id=owner.team_id,
                    visibility=rng.choices(list(Visibility), weights=[3, 6, 1])[0],
                )
            )
        for company in companies:
            company.phone_digits = japanese.parse_phone(company.phone).digits
        created = bulk_create_companies(actor=admin, companies=companies)
        sites = []
        for company in created:
            if rng.random() < 0.4:
                sites.append(
                    Site(
                        company=company,
                        name=f"{fake.city()}工場",
                        kind=Site.Kind.PLANT,
                        prefecture=rng.choice(japanese.PREFECTURES),
                        created_by=admin,
                        updated_by=admin,
                    )
                )
            if rng.random() < 0.3:
                sites.append(
                    Site(
                        company=company,
                        name=f"{rng.choice(['大阪', '名古屋', '福岡', '仙台'])}営業所",
                        kind=Site.Kind.SALES_OFFICE,
                        created_by=admin,
                        updated_by=admin,
                    )
                )
        Site.objects.bulk_create(sites, batch_size=2000)
        return created

    # --- people ---------------------------------------------------------------------------------------
    def _people(self, admin, users, fake, rng, companies, count, batch=5000, first=0):
        owners = [u for u in users if has_perm(u, "person", "create")]
        today = date.today()
        for offset in range(0, count, batch):
            people, points, jobs = [], {}, {}
            size = min(batch, count - offset)
            twins = size // 50  # about 2% of each batch are people entered twice
            for i in range(size - twins):
                family, family_kana, family_roman = fake.last_name_pair()
                given, given_kana, given_roman = (
                    fake.first_name_male_pair() if rng.random() < 0.6 else fake.first_name_female_pair()
                )
                company = rng.choice(companies)
                owner = company.owner if rng.random() < 0.7 else rng.choice(owners)
                domain = company.website.removeprefix("https://www.")
                person = Person(
                    family_name=family,
                    given_name=given,
                    family_name_kana=family_kana,
                    given_name_kana=given_kana,
                    company_id=company.pk,
                    owner_id=owner.pk,
                    team_id=owner.team_id,
                    visibility=company.visibility if rng.random() < 0.8 else Visibility.PRIVATE,
                    lifecycle_stage=rng.choice(list(Person.Stage)),
                    prefecture=company.prefecture,
                    external_id=f"DEMO-{first + offset + i + 1:07d}",
                )
                people.append(person)
                pts = [
                    contact_point(
                        "email",
                        f"{given_roman.lower()}.{family_roman.lower()}@{domain}",
                        ContactPoint.Label.WORK,
                    )
                ]
                pts.append(
                    contact_point(
                        "phone", company.phone, ContactPoint.Label.OFFICE, 1, extension=str(rng.randint(100, 899))
                    )
                )
                if rng.random() < 0.4:
                    pts.append(
                        contact_point(
                            "phone",
                            f"0{rng.choice([70, 80, 90])}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                            ContactPoint.Label.MOBILE,
                            2,
                        )
                    )
                points[i] = pts
                start = today - timedelta(days=rng.randint(30, 365 * 12))
                job = Employment(
                    company_id=company.pk,
                    department=rng.choice(DEPARTMENTS),
                    title=rng.choice(TITLES),
                    start_date=start,
                    is_primary=True,
                )
                jobs[i] = [job]
                if rng.random() < 0.15:  # a career move: an earlier post at another company
                    previous = rng.choice(companies)
                    jobs[i].append(
                        Employment(
                            company_id=previous.pk,
                            department=rng.choice(DEPARTMENTS),
                            title=rng.choice(TITLES),
                            start_date=start - timedelta(days=rng.randint(400, 3000)),
                            end_date=start - timedelta(days=1),
                            is_primary=True,
                        )
                    )
            self._add_duplicates(rng, people, points, jobs, twins)
            bulk_create_people(actor=admin, people=people, points=points, employments=jobs)
            self.stdout.write(f"  people: {offset + len(people)}/{count}")

    def _add_duplicates(self, rng, people, points, jobs, count: int):
        """`count` people entered twice, as real lists have them: old kanji, half-width readings,
        another phone format, an upper-case e-mail (the review queue has something to show)."""
        now = timezone.now()
        for i in rng.sample(range(len(people)), count):
            src = people[i]
            # entered long ago, in an old list: not what leads the people list or the home's recently updated
            entered = now - timedelta(days=rng.randint(200, 900))
            twin = Person(
                family_name=src.family_name.translate(_OLD_FORMS), given_name=src.given_name,
                family_name_kana=jaconv.z2h(src.family_name_kana, kana=True), given_name_kana="",
                company_id=src.company_id, owner_id=src.owner_id, team_id=src.team_id, visibility=src.visibility,
                lifecycle_stage=src.lifecycle_stage, prefecture=src.prefecture, external_id=f"{src.external_id}-B",
                created_at=entered, updated_at=entered,
            )  # fmt: skip
            twin_points = []
            for n, point in enumerate(points[i]):
                value = point.value.upper() if point.kind == "email" else jaconv.h2z(point.normalized, digit=True)
                twin_points.append(contact_point(point.kind, value, point.label, n, extension=point.extension))
            people.append(twin)
            points[len(people) - 1] = twin_points
            jobs[len(people) - 1] = [Employment(company_id=j.company_id, department=j.department, title=j.title,
                                                start_date=j.start_date, end_date=j.end_date, is_primary=j.is_primary)
                                     for j in jobs[i][:1]]  # fmt: skip


_OLD_FORMS = str.maketrans({"高": "髙", "崎": "﨑", "斉": "齋", "辺": "邊", "沢": "澤", "浜": "濱", "島": "嶋"})
_KANA = {
    "製作所": "セイサクショ", "機械": "キカイ", "精機": "セイキ", "鉄工所": "テッコウショ", "工機": "コウキ",
    "電機": "デンキ", "電子": "デンシ", "電装": "デンソウ", "エレクトロニクス": "エレクトロニクス",
    "化学": "カガク", "化成": "カセイ", "樹脂": "ジュシ", "ケミカル": "ケミカル", "金属": "キンゾク",
    "鋼業": "コウギョウ", "メタル": "メタル", "鍛造": "タンゾウ", "商事": "ショウジ", "商会": "ショウカイ",
    "物産": "ブッサン", "トレーディング": "トレーディング", "システムズ": "システムズ", "ソフト": "ソフト",
    "情報サービス": "ジョウホウサービス", "テクノロジー": "テクノロジー",
}  # fmt: skip


def _kana_word(word: str) -> str:
    return _KANA.get(word, "")
