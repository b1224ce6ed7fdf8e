"""Every Japanese message a user can see goes through gettext and has an English translation.

(a) an AST scan of src/kizuna finds no Japanese string literal in a message position (an exception, an error body,
    a flash message, a field error, a value assigned to a name that is then used as a message) outside gettext;
(b) every gettext'd Japanese literal in the code has a non-empty English translation in the compiled catalog;
(c) the same for `{% translate %}` / `{% blocktranslate %}` in templates (read with Django's own `templatize`);
(d) with English active, a service validation error and an API 422 come back in English.
"""

import ast
import gettext as gnu_gettext
import io
import re
import tokenize
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation.template import templatize

import kizuna
from kizuna.contacts import services as contact_services
from kizuna.core.exceptions import ValidationFailed
from tests.core.translation_scan import GETTEXT, JA, Scanner, call_name

SRC = Path(kizuna.__file__).parent
CATALOG = SRC / "locale" / "en" / "LC_MESSAGES" / "django.mo"


def _relative(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _python_files():
    for path in sorted(SRC.rglob("*.py")):
        rel = _relative(path)
        if "migrations" in path.parts:
            continue
        yield path, rel


def unwrapped_messages() -> list[str]:
    trees = {rel: ast.parse(path.read_text(encoding="utf-8")) for path, rel in _python_files()}
    scanner = Scanner(list(trees.values()))
    return [f"{rel}:{line}: {text[:60]}" for rel, tree in trees.items() for line, text in scanner.problems(tree)]


def test_every_message_is_wrapped_in_gettext():
    problems = unwrapped_messages()
    assert not problems, "Japanese messages outside gettext:\n" + "\n".join(problems)


def test_the_scan_catches_every_kind_of_unwrapped_message():
    helper = """
def text(data, key, errors, *, label=""):
    errors.add(key, f"{label}を入力してください。")
def lookup(pk, errors, label):
    text({}, "x", errors, label=label)
"""
    source = """
from django.utils.translation import gettext as _
CONSTANT = "定数のメッセージ"
OK = _("翻訳済み")
class Refused(ValidationFailed):
    default_message = "既定のメッセージ"
def _why(value):
    return "戻り値のメッセージ" if value else None
def f(x, errors, problems):
    errors.add("a", "直接のメッセージ")
    errors.add("a", f"{x}の書式")
    errors.add("a", _("翻訳済み"))
    message = "変数のメッセージ"
    raise ValidationFailed(message, field_errors={"b": ["辞書のメッセージ"]})
    raise Refused(CONSTANT)
    text({}, "name", errors, label="ラベル")
    lookup(1, errors, "人")
    if why := _why(x):
        raise PydanticCustomError("bad", why)
    problems.append(f"「{x}」の警告")
    for key, label in (("person", "ループの人"),):
        lookup(key, errors, label)
    print("メッセージではない")
    normalized = {"髙": "高"}
    render(request, "error.html", {"status": 400, "message": "文脈のメッセージ"})
    raise ValidationFailed(_(f"{x}を整形してから翻訳"))
"""
    module = ast.parse(source)
    texts = [text for _line, text in Scanner([ast.parse(helper), module]).problems(module)]
    assert texts[:-1] == [
        "定数のメッセージ",
        "既定のメッセージ",
        "戻り値のメッセージ",
        "直接のメッセージ",
        "の書式",
        "変数のメッセージ",
        "辞書のメッセージ",
        "ラベル",
        "人",
        "」の警告",
        "ループの人",
        "文脈のメッセージ",
    ]
    assert texts[-1].startswith("gettext of a formatted string")


def _english():
    with CATALOG.open("rb") as fh:
        return gnu_gettext.GNUTranslations(fh)._catalog


def _catalog_key(func: str, strings: list[str]):
    """The key under which GNUTranslations stores a msgid, or None when the call is not about Japanese text."""
    context = strings.pop(0) if func.startswith(("pgettext", "npgettext")) else None
    if not strings or not JA.search(strings[0]):
        return None
    msgid = f"{context}\x04{strings[0]}" if context is not None else strings[0]
    return (msgid, 0) if func.startswith(("ngettext", "npgettext")) else msgid


def _python_msgids(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and call_name(node.func) in GETTEXT:
            strings = []
            for arg in node.args:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    break
                strings.append(arg.value)
            name = call_name(node.func)
            func = {"_": "gettext", "_l": "gettext"}.get(name, name)
            if strings and (key := _catalog_key(func, strings)) is not None:
                yield node.lineno, key


def test_every_gettext_literal_has_an_english_translation():
    catalog = _english()
    missing = [
        f"{rel}:{line}: {key!r}"
        for path, rel in _python_files()
        for line, key in _python_msgids(path)
        if not catalog.get(key)
    ]
    assert not missing, "No English translation (add it to django.po and run msgfmt):\n" + "\n".join(missing)


CALL = re.compile(r"\b(gettext|pgettext|ngettext|npgettext)\(")


def template_msgids(source: str):
    """msgids of a template as makemessages sees them: Django's `templatize` turns {% translate %} and
    {% blocktranslate %} into gettext calls with Python string literals, which are read back with the tokenizer."""
    code = templatize(source)
    for match in CALL.finditer(code):
        strings = []
        tokens = tokenize.generate_tokens(io.StringIO(code[match.end() :]).readline)
        for token in tokens:
            if token.type == tokenize.STRING:
                strings.append(ast.literal_eval(token.string))
            elif token.string == ")" or token.type == tokenize.NAME:
                break
        if (key := _catalog_key(match.group(1), strings)) is not None:
            yield key


def _templates():
    for path in sorted(SRC.rglob("templates/**/*.html")):
        if _relative(path) in JAPANESE_DOCUMENTS:
            continue
        yield path, _relative(path)


def test_every_template_translation_has_english():
    catalog = _english()
    missing = [
        f"{rel}: {key!r}"
        for path, rel in _templates()
        for key in template_msgids(path.read_text(encoding="utf-8"))
        if not catalog.get(key)
    ]
    assert not missing, "No English translation for template strings:\n" + "\n".join(missing)


def test_template_reading_sees_translate_and_blocktranslate():
    source = (
        '{% load i18n %}{% translate \'関係マップ\' %}{% translate "タスク" context "画面" %}'
        "{% blocktranslate with name=x %}{{ name }} さんから{% endblocktranslate %}"
        "{% blocktranslate count n=c %}{{ n }} 件{% plural %}{{ n }} 件{% endblocktranslate %}"
    )
    assert list(template_msgids(source)) == ["関係マップ", "画面\x04タスク", "%(name)s さんから", ("%(n)s 件", 0)]
    catalog = _english()
    assert catalog.get("関係マップ")
    assert not catalog.get("訳のない文")


@pytest.mark.django_db
def test_a_service_error_comes_back_in_english(cast):
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        contact_services.create_person(actor=cast.owner, data={"family_name": ""})
    assert caught.value.field_errors["family_name"] == ["Family name is required."]
    with translation.override("ja"), pytest.raises(ValidationFailed) as caught:
        contact_services.create_person(actor=cast.owner, data={"family_name": ""})
    assert caught.value.field_errors["family_name"] == ["姓を入力してください。"]


@pytest.mark.django_db
def test_an_api_422_comes_back_in_english(api, cast):
    client = api(cast.owner)
    response = client.post("/api/v1/people", {"family_name": ""}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    body = response.json()
    assert not JA.search(repr(body)), body
    assert "Family name is required." in repr(body)
    japanese = client.post("/api/v1/people", {"family_name": ""}, headers={"Accept-Language": "ja"}).json()
    assert JA.search(repr(japanese))


JAPANESE_DOCUMENTS = {
    "sales/templates/sales/quotes/pdf.html"
}  # 見積書: a Japanese business document in any UI language


def test_templates_hold_no_japanese_outside_translate_tags():
    """Text and filter arguments (a date format such as "Y年n月") in templates go through gettext or the locale's
    formats; only the brand (絆) is the same in every language."""
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    problems = []
    for path in sorted(SRC.rglob("templates/**/*.html")):
        if _relative(path) in JAPANESE_DOCUMENTS:
            continue
        text = re.sub(r"\{% blocktranslate.*?%\}.*?\{% endblocktranslate %\}", "", path.read_text(encoding="utf-8"),
                      flags=re.S)  # fmt: skip
        text = re.sub(r"\{% translate .*?%\}|\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", text, flags=re.S)
        text = re.sub(r'_\("[^"]*"\)', "", text.replace("絆", ""))  # {{ x|default:_("未割り当て") }} is gettext
        problems += [f"{_relative(path)}: {line.strip()[:80]}" for line in text.splitlines() if japanese.search(line)]
    assert not problems, "Japanese outside {% translate %} in templates:\n" + "\n".join(problems)
