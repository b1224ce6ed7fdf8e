"""One-line capture: `@田中 #山田製作所 工場見学。仕様には厳しいが納期には寛容 !来週金曜 見積送付`.

`parse()` is pure: it finds the @people, #companies, @@users (colleagues to notify: `@@鈴木`), the !due date with
its task, the kind of activity and a proposed insight. Resolving names against the database and saving are the
service's job (timeline/services/capture.py).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from kizuna.core import japanese

_NAME = r"[^\s@＠#＃!！。、,，]+"
_MENTION = re.compile(rf"(?<![@＠])([@＠#＃])(?![@＠])({_NAME})")  # @person, #company (not the @@ of a user)
USER_MENTION = re.compile(rf"[@＠]{{2}}({_NAME})")  # @@鈴木: a user of Kizuna (display name or username)
_DUE = re.compile(r"[!！]\s*(\S+)\s*([^@＠#＃!！\n]*)")
_SENTENCE_END = re.compile(r"(?<=[。．!！?？\n])")

# Activity kinds by the words people use; first match wins.
_KIND_WORDS = [
    ("plant_tour", ("工場見学", "ライン見学", "現場見学")),
    ("trade_show", ("展示会", "見本市", "EXPO")),
    ("meeting", ("打ち合わせ", "打合せ", "打合", "会議", "ミーティング", "MTG", "商談")),
    ("visit", ("訪問", "来訪", "往訪", "伺", "面談")),
    ("call", ("電話", "TEL", "架電", "着信")),
    ("email", ("メール", "mail")),
    ("chat", ("LINE", "チャット", "Teams", "Slack")),
]
# Insight categories by keyword; a sentence with one of them is proposed as an insight.
_INSIGHT_WORDS = [
    ("decision", ("決裁", "決める", "決定権", "キーマン", "実権", "権限", "稟議", "鶴の一声")),
    ("quality", ("仕様", "品質", "検査", "不良", "精度", "公差")),
    ("delivery", ("納期", "リードタイム", "短納期")),
    ("price", ("価格", "値引", "値下げ", "予算", "コスト", "単価", "見積")),
    ("personal", ("趣味", "好き", "ゴルフ", "釣り", "お酒", "酒", "野球", "出身", "家族")),
    ("risk", ("不満", "競合", "解約", "乗り換え", "クレーム", "リスク", "撤退")),
    ("preference", ("厳しい", "寛容", "うるさい", "こだわ", "重視", "嫌い", "苦手", "好む")),
]


@dataclass(frozen=True)
class Marker:
    """An app's own marker in the line, e.g. the sales app's `$案件名 300万 !月末` (a deal). Its `pattern` is taken
    out of the line before anything else is read (so its `!date` is not the task's); each match's groupdict goes to
    `plan(actor, matches, plan, today) -> MarkerPlan` when the line is previewed, and `save(actor, marker_plan,
    plan) -> MarkerSaved` runs in the capture's transaction before the activity is written (its `links` are
    added to the activity). `undo(actor, activity) -> list[str]`, when given, runs in the transaction of the
    capture's undo before its activity is deleted: it removes what `save` created for that activity and returns
    what it kept, and why, for the user to read. Registered with `register_marker()` from the app's
    AppConfig.ready."""

    key: str
    pattern: re.Pattern
    plan: Callable
    save: Callable
    undo: Callable | None = None


@dataclass
class MarkerPlan:
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, what saving will do), for the preview
    problems: list[str] = field(default_factory=list)
    blocking: bool = False  # the line cannot be saved as it is (a deal without a company)
    body: str = ""  # the activity's text when the line has nothing else to say
    data: object = None  # the app's own, handed back to save()


@dataclass
class MarkerSaved:
    lines: list[str] = field(default_factory=list)  # what was done, for the saved message
    links: list[dict] = field(default_factory=list)  # [{"type": "deal", "id": 5}] for the activity
    objects: list = field(default_factory=list)


_MARKERS: dict[str, Marker] = {}


def register_marker(
    key: str, pattern: re.Pattern, *, plan: Callable, save: Callable, undo: Callable | None = None
) -> None:
    _MARKERS[key] = Marker(key, pattern, plan, save, undo)


def markers() -> dict[str, Marker]:
    return dict(_MARKERS)


@dataclass
class Parsed:
    text: str
    people: list[str] = field(default_factory=list)  # names after @, in order
    companies: list[str] = field(default_factory=list)  # names after #
    users: list[str] = field(default_factory=list)  # names after @@ (colleagues to notify)
    kind: str = "note"
    body: str = ""  # the note with the markers removed
    due_text: str = ""
    due: date | None = None
    task: str = ""
    insight: tuple[str, str] | None = None  # (category, statement)
    problems: list[str] = field(default_factory=list)
    marks: dict[str, list[dict]] = field(default_factory=dict)  # registered markers found: {key: [groupdict]}


def _kind(text: str) -> str:
    folded = japanese.nfkc(text).lower()
    for kind, words in _KIND_WORDS:
        if any(w.lower() in folded for w in words):
            return kind
    return "note"


def _insight(body: str) -> tuple[str, str] | None:
    for sentence in (s.strip(" 。．\n") for s in _SENTENCE_END.split(body)):
        if not sentence:
            continue
        for category, words in _INSIGHT_WORDS:
            if any(w in sentence for w in words):
                return category, sentence[:300]
    return None


def user_mentions(text: str) -> list[str]:
    """The names after @@ in a note, each once, in order (`@@鈴木さん` → 鈴木). The note keeps them as written."""
    names: list[str] = []
    for name in USER_MENTION.findall(japanese.nfkc(text or "")):
        name = japanese.strip_honorific(name)
        if name and name not in names:
            names.append(name)
    return names


def parse(text: str, today: date) -> Parsed:
    text = japanese.collapse_spaces(text) if "\n" not in text else text.strip()
    parsed = Parsed(text=text)
    rest = text
    for marker in _MARKERS.values():
        found = [m.groupdict() for m in marker.pattern.finditer(rest)]
        if found:
            parsed.marks[marker.key] = found
            rest = marker.pattern.sub(" ", rest).strip()
    if match := _DUE.search(rest):
        parsed.due_text = match[1]
        parsed.due = japanese.parse_relative_date(match[1], today)
        parsed.task = match[2].strip(" 。")
        if parsed.due is None:  # "!見積送付" with no date: the whole thing is the task
            parsed.task = f"{match[1]} {parsed.task}".strip()
            problem = _("「%(text)s」は日付として読めないため、期日なしのタスクにします。")
            parsed.problems.append(problem % {"text": match[1]})
        rest = rest[: match.start()] + rest[match.end() :]
    for mark, name in _MENTION.findall(japanese.nfkc(rest)):  # a multi-line note is not NFKC'd: "´" becomes " ́"
        name = japanese.strip_honorific(name)
        target = parsed.people if mark in "@＠" else parsed.companies
        if name and name not in target:
            target.append(name)
    parsed.users = user_mentions(rest)
    body = _MENTION.sub(lambda m: japanese.strip_honorific(m[2]), rest)
    parsed.body = re.sub(r"\s+", " ", body).strip(" 　")
    parsed.kind = _kind(parsed.body)
    parsed.insight = _insight(USER_MENTION.sub(lambda m: m[1], _MENTION.sub("", rest)))
    if not parsed.body and not parsed.task and not parsed.marks:
        parsed.problems.append(_("内容を入力してください。"))
    return parsed
