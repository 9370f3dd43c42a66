"""Run diagram expressions and scripts without giving process owners the server.

Conditions, timer expressions, service-task parameters, DMN cells and scripts are written by process owners.
SpiffWorkflow would run them with plain ``eval``/``exec`` and full builtins; here RestrictedPython compiles
them under a stricter policy and they run against guards that only let them handle plain data:

* names: task data, ``extra`` names and ``SAFE_HELPERS``; ``open``, ``getattr``, ``type``... are stubs that
  raise ``SandboxViolation``;
* attributes: public attributes of data values only (text, numbers, lists, dicts, sets, dates), never of
  functions, classes or anything else. ``str.format``/``format_map`` work but refuse fields that look things
  up (``{0.attr}``, ``{0[key]}``), because ``format`` walks attributes without passing through our guard;
* writes: dict and list items, in scripts only; expressions are read only (``.append``, ``.update``... are
  refused there);
* statements: no ``import``, ``while``, ``def``, ``class``, ``try``, ``global``, ``print``;
* size: ``range`` is capped; ``+``, ``*``, ``**`` and ``<<`` refuse results beyond fixed limits.

It is not a CPU or memory jail: nested loops, or ``list.extend`` in a loop, can still burn time and memory.

Task data shadows a helper of the same name (a field called ``date`` hides ``date()`` in that task), as
Python scoping would; nothing is raised. Helpers live in ``__builtins__``, so they never enter task data.

Cost, measured on the dev box: ``evaluate("amount > 500 and category == 'fee_dispute'", data)`` takes about
0.7 µs once compiled (plain ``eval`` of the text takes 9 µs), a two-line script 3 µs; compiling is cached by
``(source, mode)``.
"""

from __future__ import annotations

import ast
import functools
import operator
import string
import textwrap
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, NoReturn

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import copy_locations

from engine import clock
from engine.errors import SandboxViolation

MAX_SOURCE_CHARS = 100_000
MAX_RANGE = 10_000
MAX_SEQUENCE = 1_000_000  # items or characters produced by + or *
MAX_INT_BITS = 10_000  # about 3,000 decimal digits; no amount of money needs more

# Present as stubs that raise, so that even `f = open; f(...)` fails with a clear message.
REFUSED_BUILTINS = frozenset(
    {"__import__", "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "hasattr", "globals"}
    | {"locals", "vars", "type", "object", "dir", "input", "breakpoint", "help", "exit", "quit"}
    | {"memoryview", "super", "classmethod", "staticmethod", "property"}
)
_REFUSED_STATEMENTS = {
    "While": "while loops are not allowed; loop over a list or range() instead",
    "Import": "import is not allowed",
    "ImportFrom": "import is not allowed",
    "FunctionDef": "defining functions is not allowed (a lambda is)",
    "ClassDef": "defining classes is not allowed",
    "Try": "try/except is not allowed; a failing script must fail its task visibly",
    "Global": "global statements are not allowed",
}
_DATA_TYPES = frozenset(
    {str, int, float, bool, Decimal, list, tuple, dict, set, frozenset, date, datetime, timedelta, type(None)}
)
_CLOCK_ATTRIBUTES = frozenset({"now", "utcnow", "today", "fromtimestamp", "utcfromtimestamp"})
_MUTATORS = frozenset(
    {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "add"}
    | {"discard", "sort", "reverse", "difference_update", "intersection_update"}
    | {"symmetric_difference_update"}
)
_SEQUENCES = (str, bytes, list, tuple)


def _refuse(message: str) -> NoReturn:
    raise SandboxViolation(message)


# --- compile time ----------------------------------------------------------------------------------------


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, tightened for a bank's diagrams."""

    def visit(self, node: ast.AST):
        refusal = _REFUSED_STATEMENTS.get(type(node).__name__)
        if refusal is not None:
            self.error(node, refusal)
            return node
        return super().visit(node)

    def visit_Name(self, node: ast.Name):
        if node.id in ("print", "printed"):
            self.error(node, "print is not available; store results in task data instead")
            return node
        return super().visit_Name(node)

    def visit_Call(self, node: ast.Call):
        func = node.func
        # RestrictedPython already reports eval() and exec() calls itself.
        if isinstance(func, ast.Name) and func.id in REFUSED_BUILTINS - {"eval", "exec"}:
            self.error(node, f'calling "{func.id}" is not allowed')
        # A literal template can be checked now, at deploy time, rather than when the task runs.
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("format", "format_map")
            and isinstance(func.value, ast.Constant)
            and isinstance(func.value.value, str)
        ):
            try:
                _check_format_fields(func.value.value)
            except SandboxViolation as refusal:
                self.error(node, refusal.message)
            except ValueError:
                pass  # a malformed template fails with its own error when it runs
        return super().visit_Call(node)

    def visit_Attribute(self, node: ast.Attribute):
        if not isinstance(node.ctx, ast.Load):
            self.error(node, f'assigning or deleting the attribute "{node.attr}" is not allowed')
        return super().visit_Attribute(node)

    def visit_BinOp(self, node: ast.BinOp):
        # Operators that can build huge values become calls to the size-checking guards below.
        node = self.node_contents_visit(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        copy_locations(call, node)
        return call


_BINOP_GUARDS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_"}


class _Compiled(NamedTuple):
    code: Any
    problems: tuple[str, ...]
    syntax_error: SyntaxError | None = None


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> _Compiled:
    if len(source) > MAX_SOURCE_CHARS:
        return _Compiled(None, (f"Line 1: longer than {MAX_SOURCE_CHARS:,} characters",))
    # Text in BPMN XML often carries the indentation of the surrounding markup.
    text = source.strip() if mode == "eval" else textwrap.dedent(source)
    try:
        # "<string>" is the file name SpiffWorkflow looks for when it reports a script's failing line.
        tree = ast.parse(text, "<string>", mode)
        result = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(
            tree, "<string>", policy=_Policy
        )
    except SyntaxError as error:
        if not text:
            return _Compiled(None, ("Line 1: the expression is empty",), error)
        line = (error.text or "").strip()
        shown = f" in {line[:80]!r}" if line else ""
        return _Compiled(None, (f"Line {error.lineno or 1}: {error.msg}{shown}",), error)
    except (ValueError, RecursionError, MemoryError):
        # The policy walks the tree recursively: about 150 chained operators in one expression is the limit.
        return _Compiled(None, ("Line 1: too deeply nested or too long a chain of operators; split it up",))
    # RestrictedPython's warnings (e.g. "unknown syntax") always come with an error, so none are lost.
    return _Compiled(result.code, tuple(dict.fromkeys(result.errors)))


def check_source(source: str, mode: Literal["eval", "exec"]) -> list[str]:
    """Return the compile-time problems of ``source`` as readable sentences; [] if it may run."""
    if mode not in ("eval", "exec"):
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    if not isinstance(source, str):
        return [f"Line 1: expected text, got {type(source).__name__}"]
    return list(_compile(source, mode).problems)


def _code(source: str, mode: str):
    compiled = _compile(source, mode)
    if compiled.syntax_error is not None:  # an ordinary error, raised afresh as plain eval() would
        error = compiled.syntax_error
        raise SyntaxError(error.msg, (error.filename, error.lineno, error.offset, error.text))
    if compiled.code is None:
        raise SandboxViolation("refused: " + "; ".join(compiled.problems), problems=list(compiled.problems))
    return compiled.code


# --- run time --------------------------------------------------------------------------------------------


def _check_format_fields(template: str) -> None:
    for _, field, spec, _ in string.Formatter().parse(template):
        if field and ("." in field or "[" in field):
            _refuse(f"format field {{{field}}} is refused: a field may only name a value ({{0}}, {{name}})")
        if spec and "{" in spec:
            _check_format_fields(spec)  # nested fields such as {0:{1.attr}}


def _checked_format(text: str, method: str, *args: Any, **kwargs: Any) -> str:
    _check_format_fields(text)
    return getattr(text, method)(*args, **kwargs)


def _guarded_getattr(obj: Any, name: str) -> Any:
    if name.startswith("_"):
        _refuse(f'reading "{name}" is not allowed')
    if type(obj) not in _DATA_TYPES:
        _refuse(f'reading ".{name}" of a {type(obj).__name__} is not allowed; only data has attributes')
    if name in _CLOCK_ATTRIBUTES:
        _refuse(f'".{name}" is not available; use now() or today(), which follow the engine clock')
    if type(obj) is str and name in ("format", "format_map"):
        return functools.partial(_checked_format, obj, name)
    return getattr(obj, name)


def _read_only_getattr(obj: Any, name: str) -> Any:
    if name in _MUTATORS and type(obj) in (list, dict, set):
        _refuse(f'".{name}()" would change task data; expressions are read only (use a script task)')
    return _guarded_getattr(obj, name)


def _guarded_write(obj: Any) -> Any:
    if type(obj) is dict or type(obj) is list:
        return obj
    _refuse(f"changing a {type(obj).__name__} is not allowed; only dicts and lists can change")


def _check_add(a: Any, b: Any) -> None:
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES) and len(a) + len(b) > MAX_SEQUENCE:
        _refuse(f"joining these values would exceed {MAX_SEQUENCE:,} items")


def _check_mul(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, _SEQUENCES):
        a, b = b, a
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        _refuse("this multiplication would produce an absurdly large number")
    if isinstance(a, _SEQUENCES) and isinstance(b, int) and len(a) * b > MAX_SEQUENCE:
        _refuse(f"repeating this value would exceed {MAX_SEQUENCE:,} items")


def _check_pow(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and a.bit_length() * b > MAX_INT_BITS:
        _refuse("this power would produce an absurdly large number")


def _check_lshift(a: Any, b: Any) -> None:
    if isinstance(b, int) and b > MAX_INT_BITS:
        _refuse("this shift would produce an absurdly large number")


def _guarded(check: Callable[[Any, Any], None], op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def run(a: Any, b: Any) -> Any:
        check(a, b)
        return op(a, b)

    return run


# `x += y` arrives as _inplacevar_("+=", x, y); in-place operators keep `items += [...]` mutating the list.
_INPLACE = {
    "+=": _guarded(_check_add, operator.iadd),
    "*=": _guarded(_check_mul, operator.imul),
    "**=": _guarded(_check_pow, operator.ipow),
    "<<=": _guarded(_check_lshift, operator.ilshift),
    "-=": operator.isub,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    if op not in _INPLACE:
        _refuse(f"the operator {op} is not allowed")
    return _INPLACE[op](target, value)


# --- helpers ---------------------------------------------------------------------------------------------


def _range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        _refuse(f"range() is limited to {MAX_RANGE:,} items")
    return result


def _today() -> date:
    """Today's date in UTC, by the engine clock."""
    return clock.now().date()


def _datetime(*args: Any, **kwargs: Any) -> datetime:
    """``datetime(2026, 1, 5, 9, 30)``: aware (UTC unless ``tzinfo`` is given), so it compares with now()."""
    kwargs.setdefault("tzinfo", UTC)
    return datetime(*args, **kwargs)


def parse_datetime(text: str) -> datetime:
    """Parse an ISO-8601 date or datetime into aware UTC; values without an offset are taken as UTC."""
    return clock.as_utc(datetime.fromisoformat(text))


def iso_duration(days: float = 0, hours: float = 0, minutes: float = 0) -> str:
    """``iso_duration(hours=4)`` -> ``"PT4H"``; ``iso_duration(days=3)`` -> ``"P3D"``; zero -> ``"PT0S"``."""
    if min(days, hours, minutes) < 0:
        raise ValueError("iso_duration() takes no negative parts")

    def number(value: float) -> str:
        return str(int(value)) if value == int(value) else str(value)

    time = "".join(f"{number(value)}{unit}" for value, unit in ((hours, "H"), (minutes, "M")) if value)
    result = "P" + (f"{number(days)}D" if days else "") + (f"T{time}" if time else "")
    return "PT0S" if result == "P" else result


def _refused_builtin(name: str, *args: Any, **kwargs: Any) -> Any:
    _refuse(f'"{name}" is not allowed in diagram expressions and scripts')


_helpers: dict[str, Any] = {
    **{f.__name__: f for f in (len, min, max, sum, abs, round, sorted, reversed, any, all, enumerate, zip)},
    **{t.__name__: t for t in (str, int, float, bool, list, dict, set, tuple)},
    "range": _range,
    "now": clock.now,
    "today": _today,
    "date": date,
    "datetime": _datetime,
    "timedelta": timedelta,
    "parse_datetime": parse_datetime,
    "iso_duration": iso_duration,
}
SAFE_HELPERS: Mapping[str, Any] = MappingProxyType(_helpers)

_builtins: dict[str, Any] = {
    name: functools.partial(_refused_builtin, name) for name in REFUSED_BUILTINS
} | _helpers
_GUARDS: dict[str, Any] = {
    "__builtins__": _builtins,
    "_getattr_": _guarded_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": _guarded_write,
    "_inplacevar_": _inplacevar,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_apply_": lambda fn, *args, **kwargs: fn(*args, **kwargs),
    "_add_": _guarded(_check_add, operator.add),
    "_mul_": _guarded(_check_mul, operator.mul),
    "_pow_": _guarded(_check_pow, operator.pow),
    "_lshift_": _guarded(_check_lshift, operator.lshift),
}
_EVAL_GUARDS: dict[str, Any] = _GUARDS | {"_getattr_": _read_only_getattr}


def register_helper(name: str, fn: Callable) -> None:
    """Offer ``fn`` to every expression and script as ``name``; it should take and return plain data."""
    if not name.isidentifier() or name.startswith("_") or name in REFUSED_BUILTINS:
        raise ValueError(f"{name!r} cannot be a helper name")
    if not callable(fn):
        raise TypeError(f"helper {name!r} must be callable")
    _helpers[name] = fn
    _builtins[name] = fn  # the very dict every scope uses as __builtins__


# --- entry points ----------------------------------------------------------------------------------------


def evaluate(expression: str, context: dict, extra: dict | None = None) -> Any:
    """Return the value of ``expression`` over task data ``context`` (left unchanged) and ``extra`` names."""
    code = _code(expression, "eval")
    # Guards go last, so no task data key (say "_getattr_") can replace one. Task data beats extra names,
    # as in SpiffWorkflow's TaskDataEnvironment.
    return eval(code, {**(extra or {}), **context, **_EVAL_GUARDS})


def execute(script: str, context: dict, extra: dict | None = None) -> None:
    """Run ``script``; its top-level names become task data in ``context``.

    Names bound to callables (``f = lambda x: x``) are dropped, as SpiffWorkflow does. If the script fails,
    no top-level name changes, though dicts and lists it changed in place stay changed.
    """
    code = _code(script, "exec")
    extra = extra or {}
    scope = {**extra, **context, **_GUARDS}
    exec(code, scope)
    for key in [key for key in context if key not in scope and not key.startswith("_")]:
        del context[key]  # the script said `del key`
    for key, value in scope.items():
        if key.startswith("_") or (key in extra and key not in context):
            continue  # guards, RestrictedPython's temporaries and engine-provided names are not task data
        if callable(value):
            context.pop(key, None)
        else:
            context[key] = value
