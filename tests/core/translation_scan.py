"""Find Japanese messages that do not go through gettext, by reading the source (no code is run).

A string literal is a message when it reaches a user: an argument of a domain exception, an error body, an HTTP
response, a Django message, a field error (`errors.add`, `add_error`, `field_errors={...}`), a pydantic error, a
management command error, a warning list (`problems.append`), a `{"message": …}` entry of a template context or
JSON body; a value assigned to a name (variable, constant,
attribute) that is then used in one of those places; what a function returns when its result is used there; and an
argument of a project function whose parameter ends up in one of those places (`text(..., label="姓")`,
`visible_one(..., errors, "人")`), across modules.
"""

import ast
import re

JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
GETTEXT = {
    "_",
    "_l",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
MESSAGE_CALLS = {
    "DomainError",
    "NotFound",
    "PermissionDenied",
    "ValidationFailed",
    "Conflict",
    "StaleVersion",
    "PreconditionRequired",
    "TooManyRequests",
    "ValidationError",
    "PydanticCustomError",
    "HttpError",
    "Http404",
    "HttpResponse",
    "HttpResponseBadRequest",
    "HttpResponseForbidden",
    "HttpResponseNotFound",
    "error_body",
    "success",
    "error",
    "warning",
    "info",
    "add",
    "add_error",
    "CommandError",
}
FIELD_FIRST = {"add", "add_error"}  # errors.add(field, message), form.add_error(field, message)
MESSAGE_KEYS = {"message", "error", "detail"}  # dict entries holding a message
MESSAGE_ATTRIBUTES = {"default_message"}  # class attributes read as the message of an exception
WARNING_LISTS = re.compile(r"problem|warning")  # problems.append("…") collects messages shown to the user


def call_name(func) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


TEXT_CALLS = {"str", "join", "format", "strip"}  # their arguments become part of the text


def parts(node):
    """What a message expression is made of: ("const", node) for string literals, ("name", id) for names and
    attributes it reads, ("call", name) for functions whose result becomes part of it. Dict keys, subscripts,
    call receivers and conditions are not message text; gettext calls are translated already."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            yield "const", node
    elif isinstance(node, ast.Name):
        yield "name", node.id
    elif isinstance(node, ast.Attribute):
        yield "name", node.attr
    elif isinstance(node, ast.JoinedStr):
        for value in node.values:
            yield from parts(value.value if isinstance(value, ast.FormattedValue) else value)
    elif isinstance(node, ast.BinOp):
        yield from parts(node.left)
        yield from parts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from parts(node.body)
        yield from parts(node.orelse)
    elif isinstance(node, ast.BoolOp | ast.Dict):  # dict values only: keys are field names
        for value in node.values:
            yield from parts(value)
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for elt in node.elts:
            yield from parts(elt)
    elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
        yield from parts(node.elt)
    elif isinstance(node, ast.DictComp | ast.Starred | ast.NamedExpr | ast.Subscript):  # a subscript: its container
        yield from parts(node.value)
    elif isinstance(node, ast.Call):
        name = call_name(node.func)
        if name in GETTEXT:
            return
        if name in TEXT_CALLS:
            for arg in node.args:
                yield from parts(arg)
        else:
            yield "call", name


def japanese_constants(node):
    for kind, value in parts(node):
        if kind == "const" and JA.search(value.value):
            yield value


def names(node):
    return {value for kind, value in parts(node) if kind == "name"}


def _targets(node) -> set[str]:
    return {
        n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node) if isinstance(n, ast.Name | ast.Attribute)
    }


def _assignments(tree):
    """(target names, value) of every assignment (plain, annotated, augmented, walrus, for loop) under `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            yield {n for t in node.targets for n in _targets(t)}, node.value
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr | ast.AugAssign) and node.value is not None:
            yield _targets(node.target), node.value
        elif isinstance(node, ast.For | ast.comprehension):  # for key, label in (("person", "人"), ...)
            yield _targets(node.target), node.iter


def _key(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[str], list[str]]:
    positional = [a.arg for a in [*func.args.posonlyargs, *func.args.args]]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    return positional, [*positional, *(a.arg for a in func.args.kwonlyargs)]


class Scanner:
    """Reads a set of modules; `problems(tree)` lists the unwrapped messages of one of them."""

    def __init__(self, trees: list[ast.Module]):
        self.calls = set(MESSAGE_CALLS)
        # function name → (positions, keywords) of its message parameters: all modules' functions of that name, and
        # (module, name) for a module's own functions, which its calls reach first
        self.params: dict = {}
        self.defined: set = set()
        self._walked: dict = {}  # id(node) → (its calls, its assignments)
        self._learn_exception_classes(trees)
        self._learn_message_parameters(trees)

    def _learn_exception_classes(self, trees):
        classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
        changed = True
        while changed:
            changed = False
            for cls in classes:
                if cls.name not in self.calls and any(call_name(b) in self.calls for b in cls.bases):
                    self.calls.add(cls.name)
                    changed = True

    def message_arguments(self, call: ast.Call | ast.Dict, module=None):
        if isinstance(call, ast.Dict):  # {"message": "…"}: a template context or a JSON body
            yield from (v for k, v in zip(call.keys, call.values, strict=True) if _key(k) in MESSAGE_KEYS)
            return
        name = call_name(call.func)
        local = (id(module), name)
        params = self.params.get(local) if local in self.defined else self.params.get(name)
        if name in self.calls:
            yield from call.args[1:] if name in FIELD_FIRST else call.args
            yield from (kw.value for kw in call.keywords)
        elif name == "append" and WARNING_LISTS.search(ast.unparse(call.func.value) if call.func else ""):
            yield from call.args
        elif params:
            positions, keywords = params
            yield from (arg for i, arg in enumerate(call.args) if i in positions)
            yield from (kw.value for kw in call.keywords if kw.arg in keywords)

    def message_names(self, tree, module) -> set[str]:
        """Names used as messages under `tree` (in `module`), and the names their values are built from."""
        if id(tree) not in self._walked:
            calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call | ast.Dict)]
            self._walked[id(tree)] = (calls, list(_assignments(tree)))
        calls, assignments = self._walked[id(tree)]
        found = set(MESSAGE_ATTRIBUTES)
        for node in calls:
            for arg in self.message_arguments(node, module):
                found.update(names(arg))
        changed = True
        while changed:
            changed = False
            for targets, value in assignments:
                if targets & found and not (new := set(names(value))) <= found:
                    found |= new
                    changed = True
        return found

    def _learn_message_parameters(self, trees):
        functions = [
            (tree, node)
            for tree in trees
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        self.defined = {(id(tree), func.name) for tree, func in functions}
        changed = True
        while changed:
            changed = False
            for tree, func in functions:
                used = self.message_names(func, tree)
                positional, every = _params(func)
                positions = {i for i, p in enumerate(positional) if p in used}
                keywords = {p for p in every if p in used}
                for key in (func.name, (id(tree), func.name)):
                    old = self.params.get(key, (set(), set()))
                    if not (positions <= old[0] and keywords <= old[1]):
                        self.params[key] = (old[0] | positions, old[1] | keywords)
                        changed = True

    def problems(self, tree: ast.Module) -> list[tuple[int, str]]:
        """(line, text) of Japanese literals in message positions outside gettext, and gettext calls that format
        before translating (`_(f"…")`, `_("…" % x)`: no catalog entry can ever match them)."""
        found = self.problem_nodes(tree)
        return [
            (
                node.lineno,
                node.value
                if isinstance(node, ast.Constant)
                else f"gettext of a formatted string: {ast.unparse(node)[:60]}",
            )
            for _key, node in sorted(found.items())
        ]

    def problem_nodes(self, tree: ast.Module) -> dict:
        found: dict = {}

        def flag(node):
            for const in japanese_constants(node):
                found[(const.lineno, const.col_offset)] = const

        returning: set[str] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call | ast.Dict):
                continue
            name = call_name(node.func) if isinstance(node, ast.Call) else ""
            if name in GETTEXT and node.args and not isinstance(node.args[0], ast.Constant | ast.Name | ast.Attribute):
                found[(node.lineno, node.col_offset)] = node
            for arg in self.message_arguments(node, tree):
                flag(arg)
                returning.update(value for kind, value in parts(arg) if kind == "call")
        used = self.message_names(tree, tree)
        for targets, value in _assignments(tree):
            if targets & used:
                flag(value)
                returning.update(v for kind, v in parts(value) if kind == "call")
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) and func.name in returning:
                for node in ast.walk(func):
                    if isinstance(node, ast.Return) and node.value is not None:
                        flag(node.value)
        return found
