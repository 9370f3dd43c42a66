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
* size: ``range`` is capped, and every operator, method and formatting that can grow a value checks the
  size first (``engine.scripting.sizes``); loops share a budget of items per run. Sizes written as numbers
  (``'a'.ljust(10**9)``, ``'%0999999999d'``) are refused when the diagram is deployed.

It is not a CPU jail: a loop within its budget can still do slow work in each step; the engine bounds a
step's time.

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
import textwrap
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, NoReturn

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from engine import clock
from engine.errors import SandboxViolation
from engine.scripting import sizes
from engine.scripting.policy import REFUSED_BUILTINS, Policy
from engine.scripting.sizes import MAX_INT_BITS, MAX_SEQUENCE  # noqa: F401 (part of this module's story)

MAX_SOURCE_CHARS = 100_000
MAX_RANGE = 10_000

_DATA_TYPES = frozenset(
    {str, int, float, bool, Decimal, list, tuple, dict, set, frozenset, date, datetime, timedelta, type(None)}
)
_CLOCK_ATTRIBUTES = frozenset({"now", "utcnow", "today", "fromtimestamp", "utcfromtimestamp"})
_MUTATORS = frozenset(
    {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "add"}
    | {"discard", "sort", "reverse", "difference_update", "intersection_update"}
    | {"symmetric_difference_update"}
)


def _refuse(message: str) -> NoReturn:
    raise SandboxViolation(message)


# --- compile time ----------------------------------------------------------------------------------------


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
            tree, "<string>", policy=Policy
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


def _guarded_getattr(obj: Any, name: str) -> Any:
    if name.startswith("_"):
        _refuse(f'reading "{name}" is not allowed')
    if type(obj) not in _DATA_TYPES:
        _refuse(f'reading ".{name}" of a {type(obj).__name__} is not allowed; only data has attributes')
    if name in _CLOCK_ATTRIBUTES:
        _refuse(f'".{name}" is not available; use now() or today(), which follow the engine clock')
    if type(obj) is str and name in ("format", "format_map"):
        return functools.partial(sizes.checked_format, obj, name)
    return sizes.sized_method(obj, name) or getattr(obj, name)


def _read_only_getattr(obj: Any, name: str) -> Any:
    if name in _MUTATORS and type(obj) in (list, dict, set):
        _refuse(f'".{name}()" would change task data; expressions are read only (use a script task)')
    return _guarded_getattr(obj, name)


def _guarded_write(obj: Any) -> Any:
    if type(obj) is dict or type(obj) is list:
        return obj
    _refuse(f"changing a {type(obj).__name__} is not allowed; only dicts and lists can change")


def _guarded(check: Callable[[Any, Any], None], op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def run(a: Any, b: Any) -> Any:
        check(a, b)
        return op(a, b)

    return run


# `x += y` arrives as _inplacevar_("+=", x, y); in-place operators keep `items += [...]` mutating the list.
_INPLACE = {
    "+=": _guarded(sizes.check_add, operator.iadd),
    "*=": _guarded(sizes.check_mul, operator.imul),
    "**=": _guarded(sizes.check_pow, operator.ipow),
    "<<=": _guarded(sizes.check_lshift, operator.ilshift),
    "-=": operator.isub,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": _guarded(sizes.check_mod, operator.imod),
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
    **{f.__name__: f for f in (len, min, max, abs, round, sorted, reversed, any, all, enumerate, zip)},
    **{t.__name__: t for t in (int, float, bool, list, dict, set, tuple)},
    "sum": sizes.checked_sum,
    "str": sizes.CheckedStr,
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
    "_getiter_": sizes.checked_iter,
    "_write_": _guarded_write,
    "_inplacevar_": _inplacevar,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_apply_": lambda fn, *args, **kwargs: fn(*args, **kwargs),
    "_add_": _guarded(sizes.check_add, operator.add),
    "_mul_": _guarded(sizes.check_mul, operator.mul),
    "_pow_": _guarded(sizes.check_pow, operator.pow),
    "_lshift_": _guarded(sizes.check_lshift, operator.lshift),
    "_mod_": _guarded(sizes.check_mod, operator.mod),
    "_format_value_": sizes.format_value,
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
    budget = sizes.start_budget()
    try:
        return eval(code, {**(extra or {}), **context, **_EVAL_GUARDS})
    finally:
        sizes.end_budget(budget)


def execute(script: str, context: dict, extra: dict | None = None) -> None:
    """Run ``script``; its top-level names become task data in ``context``.

    Names bound to callables (``f = lambda x: x``) are dropped, as SpiffWorkflow does. If the script fails,
    no top-level name changes, though dicts and lists it changed in place stay changed.
    """
    code = _code(script, "exec")
    extra = extra or {}
    scope = {**extra, **context, **_GUARDS}
    budget = sizes.start_budget()
    try:
        exec(code, scope)
    finally:
        sizes.end_budget(budget)
    for key, value in scope.items():
        if not key.startswith("_") and not (key in extra and key not in context):
            sizes.check_data(key, value)  # before any of it becomes task data
    for key in [key for key in context if key not in scope and not key.startswith("_")]:
        del context[key]  # the script said `del key`
    for key, value in scope.items():
        if key.startswith("_") or (key in extra and key not in context):
            continue  # guards, RestrictedPython's temporaries and engine-provided names are not task data
        if callable(value):
            context.pop(key, None)
        else:
            context[key] = value
