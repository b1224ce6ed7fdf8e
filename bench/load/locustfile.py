"""A day of a sales team and a contact center, for `locust --headless` (driven by bench/load_test.py).

Each simulated user signs in with a session of its own (pages) and an API token of its own (writes), picks one of
the app servers listed in KIZUNA_LOAD_HOSTS, and works like a person: types a name into the header search one
character at a time, opens lists, people, companies and their timelines, captures a one-line note, moves deals,
answers tickets; one importer uploads a CSV now and then, which the background worker imports meanwhile.

The fixture file (KIZUNA_LOAD_FIXTURE, written by bench/load_test.py) holds the sessions, tokens and the ids the
users may visit. Requests are grouped by route (`name=`), never by id, so the report has one row per route.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, events, task

FIXTURE = json.loads(open(os.environ["KIZUNA_LOAD_FIXTURE"], encoding="utf-8").read())  # noqa: SIM115
HOSTS = os.environ.get("KIZUNA_LOAD_HOSTS", "http://127.0.0.1:8000").split(",")
_SEATS = {role: itertools.cycle(FIXTURE["users"][role]) for role in FIXTURE["users"]}
# What people type into the header search: a family name, a company word, phone digits, an e-mail fragment.
TYPED = ["田中", "佐藤", "山田製作所", "鈴木", "高橋", "0312", "example", "製作", "渡辺", "伊藤", "株式会社"]
NOTES = ["納期より仕様に厳しい。来週見積", "工場見学のお礼。担当交代の予定あり", "価格より品質重視。決裁は工場長",
         "展示会で名刺交換。資料送付", "電話: 来月の発注数を確認"]  # fmt: skip


@events.init_command_line_parser.add_listener
def _(parser):
    parser.add_argument("--kizuna-think", type=float, default=1.0, help="mean think time between actions (s)")


class Worker(HttpUser):
    """Shared by both roles: a seat (session + token) on one app server."""

    abstract = True
    role = ""

    def wait_time(self):
        think = self.environment.parsed_options.kizuna_think if self.environment.parsed_options else 1.0
        return between(think * 0.5, think * 1.5)(self)

    def on_start(self):
        seat = next(_SEATS[self.role])
        self.client.base_url = random.choice(HOSTS)
        self.client.cookies.set(FIXTURE["session_cookie"], seat["session"])
        self.api = {"Authorization": f"Bearer {seat['token']}"}
        self.me = seat

    def page(self, path, name):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif b"database is locked" in response.content:
                response.failure("database is locked")

    def api_write(self, method, path, name, payload, ok=(200, 201, 202)):
        with self.client.request(method, path, name=name, json=payload, headers=self.api,
                                 catch_response=True) as response:  # fmt: skip
            if response.status_code not in ok:
                response.failure(f"{response.status_code} {response.text[:200]}")
            return response


class SalesRep(Worker):
    weight = 3
    role = "sales"

    @task(4)
    def search_as_you_type(self):
        word = random.choice(TYPED)
        for end in range(1, len(word) + 1):  # one request per keystroke, as the header search sends them
            self.page(f"/search/quick/?q={word[:end]}", "search: /search/quick/?q=")

    @task(3)
    def people_list(self):
        self.page("/people/", "list: /people/")

    @task(1)
    def company_list(self):
        self.page("/companies/", "list: /companies/")

    @task(4)
    def person_detail_and_timeline(self):
        pk = random.choice(self.me["people"])
        self.page(f"/people/{pk}/", "detail: /people/<pk>/")
        self.page(f"/timeline/person/{pk}/entries/", "timeline: /timeline/person/<pk>/entries/")

    @task(2)
    def company_detail_and_timeline(self):
        pk = random.choice(FIXTURE["busy_companies"] if random.random() < 0.3 else self.me["companies"])
        self.page(f"/companies/{pk}/", "detail: /companies/<pk>/")
        self.page(f"/timeline/company/{pk}/entries/", "timeline: /timeline/company/<pk>/entries/")

    @task(2)
    def deals(self):
        self.page("/sales/deals/", "list: /sales/deals/")
        self.page(f"/sales/deals/{random.choice(self.me['deals'])}/", "detail: /sales/deals/<pk>/")

    @task(3)
    def capture(self):
        family, pk = random.choice(self.me["capture"])  # the rep picks the person from the candidates
        text = f"@{family} {random.choice(NOTES)} !来週金曜"
        self.api_write("POST", "/api/v1/capture", "write: POST /api/v1/capture",
                       {"text": text, "preview": False, "resolve": {f"@{family}": pk}}, ok=(201,))  # fmt: skip

    @task(2)
    def move_deal(self):
        deal = random.choice(self.me["deals"])
        stage = random.choice(FIXTURE["open_stages"][str(deal)])  # open stages of the deal's pipeline
        self.api_write("POST", f"/api/v1/deals/{deal}/move", "write: POST /api/v1/deals/<id>/move", {"stage": stage})


class Agent(Worker):
    weight = 2
    role = "support"

    @task(3)
    def inbox(self):
        self.page("/support/", "list: /support/ (inbox)")

    @task(4)
    def ticket(self):
        pk = random.choice(self.me["tickets"])
        self.page(f"/support/tickets/{pk}/", "detail: /support/tickets/<pk>/")

    @task(3)
    def reply(self):
        pk = random.choice(self.me["open_tickets"])  # a closed ticket takes no reply (a 422 by design)
        kind = random.choice(["reply", "note"])
        self.api_write("POST", f"/api/v1/tickets/{pk}/messages", "write: POST /api/v1/tickets/<id>/messages",
                       {"kind": kind, "body_text": "お問い合わせありがとうございます。確認して折り返します。"},
                       ok=(201,))  # fmt: skip

    @task(2)
    def screen_pop_search(self):
        self.page(f"/search/quick/?q={random.choice(FIXTURE['phones'])}", "search: /search/quick/?q=")


class Importer(Worker):
    """One back-office user: a CSV of new contacts now and then; the task worker imports it in the background."""

    fixed_count = 1
    role = "importer"
    rows = 200

    def wait_time(self):
        return 20.0

    @task
    def import_csv(self):
        batch = random.randrange(10**9)
        lines = ["姓,名,メール"] + [f"取込,太郎{batch}-{i},load{batch}-{i}@example.co.jp" for i in range(self.rows)]
        body = ("\n".join(lines) + "\n").encode("cp932")
        with self.client.post(
            "/api/v1/imports",
            name="write: POST /api/v1/imports (upload)",
            headers=self.api,
            files={"file": ("people.csv", body, "text/csv")},
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return
            job = response.json()["id"]
        self.api_write("PATCH", f"/api/v1/imports/{job}", "write: PATCH /api/v1/imports/<id>",
                       {"mapping": {"0": "family_name", "1": "given_name", "2": "email"}})  # fmt: skip
        self.api_write("POST", f"/api/v1/imports/{job}/start", "write: POST /api/v1/imports/<id>/start", {})


class Baseline(HttpUser):
    """The bare Django view (/healthz: no database, no template) for the same servers, measured in the same run."""

    weight = 1  # run alone: the driver names the classes of each phase

    def wait_time(self):
        return 0

    def on_start(self):
        self.client.base_url = random.choice(HOSTS)

    @task
    def healthz(self):
        self.client.get("/healthz", name="baseline: /healthz")
