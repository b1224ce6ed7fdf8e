"""The world a matrix row runs in: the actors (users with API tokens), the records of each scenario, and the
builders that make the record an operation targets. Everything is created through the real services."""

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kizuna.accounts import roles
from kizuna.accounts import services as accounts
from kizuna.accounts.models import ApiToken
from kizuna.contacts import services as contacts
from kizuna.contacts.dedup.tasks import scan_duplicates
from kizuna.contacts.services import merge as merging
from kizuna.core import sharing
from kizuna.core.permissions import is_admin
from kizuna.core.tasks import enqueue
from kizuna.imports import services as imports
from kizuna.timeline import services as timeline

from .matrix import ACTORS, CUSTOM_ROLES, SCENARIOS

PASSWORD = "correct-horse-battery"
TEAMS = {"A": "営業1部", "B": "営業2部", "C": "内部監査室"}
CSV = "顧客ID,氏名\r\nK-1,髙橋 一郎\r\n".encode("cp932")


@dataclass
class Target:
    """What one request acts on: path parameters, an optional body/query, the ETag for If-Match, and the
    record whose id a 2xx body should carry."""

    params: dict = field(default_factory=dict)
    body: dict | None = None
    query: dict | None = None
    files: dict | Callable | None = None  # a callable makes a fresh upload per request
    obj: object | None = None  # its ETag goes into If-Match
    expect_id: int | None = None
    background: dict = field(default_factory=dict)  # scenario → id of the list check's record of that scenario


class World:
    """Users for every actor column (plus `stranger`, who owns the other team's records) and their tokens."""

    def __init__(self):
        self.teams = {key: accounts.get_or_create_team(actor=None, name=name) for key, name in TEAMS.items()}
        for key, data in CUSTOM_ROLES.items():
            roles.create_role(actor=None, data={"key": key, **data})
        self.users = {}
        for name, (role, team) in ACTORS.items():
            if role is None:
                continue
            self.users[name] = self._user(name, role, team)
        self.users["stranger"] = self._user("stranger", "member", "B")
        self.admin = self.users["admin"]
        self.tokens = {name: self._token(user) for name, user in self.users.items()}
        # Each request is rolled back, so a token's use would be written and audited on every one (a quarter of the
        # matrix's time); marked as just used, they are not. tests/accounts covers that write.
        ApiToken.objects.filter(user__in=self.users.values()).update(last_used_at=timezone.now() + timedelta(days=1))
        self._anchor = None
        self._clients = {}

    def next_test(self) -> "World":
        """The same actors for another test: forget the records the last one made (they were rolled back), re-read
        the users and teams it may have changed."""
        self._anchor = None
        for obj in (*self.teams.values(), *self.users.values()):
            obj.refresh_from_db()
        return self

    @staticmethod
    def _token(user) -> str:
        """read and write; administrators' tokens also carry the admin scope that /roles and /users need."""
        scopes = ("read", "write", "admin") if is_admin(user) else ("read", "write")
        return accounts.create_token(actor=None, user=user, name="matrix", scopes=scopes)[1]

    def _user(self, name, role, team):
        return accounts.create_user(
            actor=None, username=name, password=PASSWORD, role=role, team=self.teams[team], check_password=False
        )

    # --- records ------------------------------------------------------------------------------------
    def ownership(self, scenario: str) -> dict:
        owner, visibility, _ = SCENARIOS[scenario]
        return {"owner": self.users[owner].pk, "visibility": visibility}

    def share(self, obj, scenario: str):
        shared_with = SCENARIOS[scenario][2]
        if shared_with and shared_with.startswith("team:"):
            data = {"shared_with_teams": [self.teams[shared_with.removeprefix("team:")].pk]}
        elif shared_with:
            data = {"shared_with": [self.users[shared_with].pk]}
        if shared_with:
            sharing.set_access(actor=self.admin, obj=obj, data=data)
            obj.refresh_from_db()
        return obj

    @property
    def anchor(self):
        """A public person of the admin's that everyone can see: the other end of relationships and insights."""
        if self._anchor is None:
            self._anchor = contacts.create_person(
                actor=self.admin, data={"family_name": "公開", "given_name": "太郎", "visibility": "public"}
            )
        return self._anchor

    def company(self, scenario: str, name="株式会社山田製作所", **extra):
        data = {"name": name, **self.ownership(scenario), **extra}
        return self.share(contacts.create_company(actor=self.admin, data=data), scenario)

    def person(self, scenario: str, family="田中", given="太郎", **extra):
        data = {"family_name": family, "given_name": given, "family_name_kana": "タナカ", "given_name_kana": "タロウ"}
        return self.share(
            contacts.create_person(actor=self.admin, data={**data, **self.ownership(scenario), **extra}), scenario
        )

    def activity(self, scenario: str, **extra):
        data = {"kind": "note", "body": "工場見学。仕様に厳しい。", **self.ownership(scenario), **extra}
        return self.share(timeline.create_activity(actor=self.admin, data=data), scenario)

    def captured(self, scenario: str):
        saved = timeline.save_capture(self.admin, "来週見積を送る")
        activity = saved.activity
        timeline.update_activity(actor=self.admin, activity=activity, data=self.ownership(scenario))
        activity.refresh_from_db()
        return self.share(activity, scenario)

    def insight(self, scenario: str):
        data = {"person": self.anchor.pk, "category": "other", "statement": "納期より仕様に厳しい"}
        return self.share(
            timeline.create_insight(actor=self.admin, data={**data, **self.ownership(scenario)}), scenario
        )

    def task(self, scenario: str):
        owner = SCENARIOS[scenario][0]
        data = {"title": "見積送付", "assignee": self.users[owner].pk, **self.ownership(scenario)}
        return self.share(timeline.create_follow_up(actor=self.admin, data=data), scenario)

    def employment(self, person):
        company = contacts.create_company(actor=self.admin, data={"name": "公開商事", "visibility": "public"})
        return contacts.add_employment(actor=self.admin, person=person, data={"company": company.pk, "title": "部長"})

    def site(self, company):
        return contacts.add_site(actor=self.admin, company=company, data={"name": "大阪営業所"})

    def relationship(self, scenario: str):
        person = self.person(scenario)
        return timeline.create_relationship(
            actor=self.admin,
            data={"from_person": person.pk, "to_person": self.anchor.pk, "kind": "custom", "label": "元上司"},
        )

    def merge(self, scenario: str):
        survivor, other = self.person(scenario), self.person(scenario, given="次郎")
        return merging.merge_records(actor=self.admin, kind="person", survivor=survivor, others=[other])

    def import_job(self, uploader: str = "owner"):
        upload = SimpleUploadedFile("list.csv", CSV)
        return imports.upload(actor=self.users[uploader], file=upload, filename="list.csv", kind="person")

    def scan(self):
        return enqueue(scan_duplicates, "person", 0.9)

    def ticket(self, scenario: str):
        from django.db import transaction

        from kizuna.support.services.intake import open_ticket

        owner, visibility, _ = SCENARIOS[scenario]
        user = self.users[owner]
        with transaction.atomic():
            ticket = open_ticket(channel=None, subject="請求書の再発行", person=None, actor=self.admin,
                                 data={"owner": user, "team": user.team, "visibility": visibility})  # fmt: skip
        return self.share(ticket, scenario)

    # --- requests -----------------------------------------------------------------------------------
    def client(self, actor: str) -> Client:
        """One client per actor and token (a Client builds its middleware stack once, on its first request)."""
        token = self.tokens.get(actor)
        key = (actor, token)
        if key not in self._clients:
            self._clients[key] = Client(headers={"Authorization": f"Bearer {token}"} if token else {})
        self._clients[key].cookies.clear()  # nothing carried between requests but the token
        return self._clients[key]

    def call(self, actor: str, method: str, path: str, target: Target, headers: dict | None = None):
        """One request; an exception inside the view becomes status 500 with its traceback as the body."""
        client = self.client(actor)
        headers = dict(headers or {})
        if target.obj is not None and method in ("PUT", "PATCH", "DELETE"):
            target.obj.refresh_from_db()
            headers.setdefault("If-Match", target.obj.etag)
        kwargs = {"headers": headers}
        url = path.format(**target.params)
        if target.query:
            kwargs["query_params"] = target.query
        if target.files is not None:
            kwargs["data"] = target.files() if callable(target.files) else target.files
        elif target.body is not None:
            kwargs["data"] = json.dumps(target.body)
            kwargs["content_type"] = "application/json"
        try:
            return getattr(client, method.lower())(url, **kwargs)
        except Exception:  # a crash is a finding, reported with the others
            return Crash(traceback.format_exc())

    def req(self, actor: str, method: str, url: str, body=None, *, headers=None, query=None, etag_of=None):
        """A plain request for the attack tests; `etag_of` sends that record's current ETag as If-Match."""
        return self.call(actor, method, url.replace("{", "{{").replace("}", "}}"),
                         Target(body=body, query=query, obj=etag_of), headers=headers)  # fmt: skip


class Crash:
    status_code = 500

    def __init__(self, text):
        self.text = text
        self.content = text.encode()

    def json(self):
        return {"crash": self.text}
