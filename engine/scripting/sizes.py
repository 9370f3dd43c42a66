"""Size limits on what diagram code may build: no expression or script may ask the server for a gigabyte.

Every way we know of to grow a value from a short text goes through a check here before the value is made:

* operators: ``+``, ``*``, ``**``, ``<<`` and ``%`` (text formatting) on sequences and numbers;
* text methods that pad or repeat: ``ljust``, ``rjust``, ``center``, ``zfill``, ``expandtabs``, ``replace``,
  ``join``, ``translate``; ``int.to_bytes``; ``list.extend``;
* formatting: ``str.format``/``format_map`` and f-strings check each field's width and precision, and the
  total length, as they go;
* ``str()``/``repr`` of nested data, and the values a script leaves in task data (a list holding the same
  million-item list a thousand times is a billion items once stored);
* loops: one evaluation may start loops over at most ``MAX_ITERATIONS`` items in all, so nested loops over
  ranges cannot run for minutes.

Each refusal is a ``SandboxViolation``, which the engine turns into an incident on the case. ``literal_size``
lets the compile-time policy refuse the same things at deploy when the sizes are written as numbers.
"""

from __future__ import annotations

import ast
import contextvars
import re
import string
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from engine.errors import SandboxViolation

MAX_SEQUENCE = 1_000_000  # characters or items in one value
MAX_INT_BITS = 10_000  # about 3,000 decimal digits; no amount of money needs more
MAX_ITERATIONS = 1_000_000  # loop items started by one evaluation or script run

_SEQUENCES = (str, bytes, list, tuple)
_CONTAINERS = (list, tuple, set, frozenset, dict)


def refuse(message: str) -> NoReturn:
    raise SandboxViolation(message)


def _too_long(what: str, size: int) -> NoReturn:
    refuse(f"{what} would make {size:,} characters or items; the limit is {MAX_SEQUENCE:,}")


# --- operators -------------------------------------------------------------------------------------------


def check_add(a: Any, b: Any) -> None:
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES) and len(a) + len(b) > MAX_SEQUENCE:
        refuse(f"joining these values would exceed {MAX_SEQUENCE:,} items")


def check_mul(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, _SEQUENCES):
        a, b = b, a
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        refuse("this multiplication would produce an absurdly large number")
    if isinstance(a, _SEQUENCES) and isinstance(b, int) and len(a) * b > MAX_SEQUENCE:
        refuse(f"repeating this value would exceed {MAX_SEQUENCE:,} items")


def check_pow(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and a.bit_length() * b > MAX_INT_BITS:
        refuse("this power would produce an absurdly large number")


def check_lshift(a: Any, b: Any) -> None:
    if isinstance(b, int) and b > MAX_INT_BITS:
        refuse("this shift would produce an absurdly large number")


# "%[(key)][flags][width][.precision][length]type", width and precision as digits or "*".
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def check_mod(a: Any, b: Any) -> None:
    """``text % values`` (old-style formatting): widths, precisions and the length of the result."""
    if not isinstance(a, str):
        return
    values = list(b.values()) if isinstance(b, dict) else list(b) if isinstance(b, tuple) else [b]
    fields = _PERCENT.findall(a)
    for width, precision, _ in fields:
        for number in (width, precision):
            if number.isdigit() and int(number) > MAX_SEQUENCE:
                _too_long(f"the format width {number}", int(number))
            if number == "*" and any(type(v) is int and v > MAX_SEQUENCE for v in values):
                _too_long("a format width given as a value", max(v for v in values if type(v) is int))
    if fields and values:
        longest = max(measure(v, MAX_SEQUENCE + 1) for v in values)
        if len(a) + len(fields) * longest > MAX_SEQUENCE:
            _too_long("this formatting", len(a) + len(fields) * longest)


# --- text methods ----------------------------------------------------------------------------------------


def _arg(args: tuple, kwargs: dict, position: int, name: str, default: Any = None) -> Any:
    return args[position] if len(args) > position else kwargs.get(name, default)


def _pad(text: str, args: tuple, kwargs: dict, method: str) -> None:
    width = _arg(args, kwargs, 0, "width", 0)
    if isinstance(width, int) and width > MAX_SEQUENCE:
        _too_long(f".{method}({width})", width)


def _expandtabs(text: str, args: tuple, kwargs: dict, method: str) -> None:
    size = _arg(args, kwargs, 0, "tabsize", 8)
    if isinstance(size, int) and size > 0 and len(text) + text.count("\t") * size > MAX_SEQUENCE:
        _too_long(f".expandtabs({size})", len(text) + text.count("\t") * size)


def _replace(text: str, args: tuple, kwargs: dict, method: str) -> None:
    old, new = _arg(args, kwargs, 0, "old", ""), _arg(args, kwargs, 1, "new", "")
    count = _arg(args, kwargs, 2, "count", -1)
    if not (isinstance(old, str) and isinstance(new, str)) or len(new) <= len(old):
        return
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    size = len(text) + found * (len(new) - len(old))
    if size > MAX_SEQUENCE:
        _too_long(".replace()", size)


def _translate(text: str, args: tuple, kwargs: dict, method: str) -> None:
    table = _arg(args, kwargs, 0, "table")
    if isinstance(table, dict):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        if len(text) * longest > MAX_SEQUENCE:
            _too_long(".translate()", len(text) * longest)


def _extend(items: list, args: tuple, kwargs: dict, method: str) -> None:
    more = _arg(args, kwargs, 0, "iterable", ())
    if hasattr(more, "__len__") and len(items) + len(more) > MAX_SEQUENCE:
        _too_long(".extend()", len(items) + len(more))


def _to_bytes(number: int, args: tuple, kwargs: dict, method: str) -> None:
    length = _arg(args, kwargs, 0, "length", 1)
    if isinstance(length, int) and length > MAX_SEQUENCE:
        _too_long(f".to_bytes({length})", length)


_CHECKS: dict[tuple[type, str], Callable[[Any, tuple, dict, str], None]] = {
    **{(str, m): _pad for m in ("ljust", "rjust", "center", "zfill")},
    (str, "expandtabs"): _expandtabs,
    (str, "replace"): _replace,
    (str, "translate"): _translate,
    (list, "extend"): _extend,
    (int, "to_bytes"): _to_bytes,
    (bool, "to_bytes"): _to_bytes,
}
# Methods whose first argument is a size: what the deploy-time policy looks at (with literal_size).
SIZE_ARGUMENT_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "to_bytes"})


def sized_method(obj: Any, name: str) -> Callable | None:
    """The method ``obj.name`` with its size check in front, or ``None`` if it needs none."""
    if type(obj) is str and name == "join":
        return lambda items: _join(obj, items)
    check = _CHECKS.get((type(obj), name))
    if check is None:
        return None
    method = getattr(obj, name)

    def checked(*args: Any, **kwargs: Any) -> Any:
        check(obj, args, kwargs, name)
        return method(*args, **kwargs)

    return checked


def _join(separator: str, items: Iterable) -> str:
    items = list(items)
    size = len(separator) * max(len(items) - 1, 0)
    for item in items:
        size += len(item) if isinstance(item, str) else 0  # join refuses anything else itself
        if size > MAX_SEQUENCE:
            _too_long(".join()", size)
    return separator.join(items)


# --- formatting ------------------------------------------------------------------------------------------

_NUMBERS = re.compile(r"\d+")


def check_spec(spec: str) -> None:
    """A format spec such as ``>20``, ``,.2f``, ``0999999999d``: no width or precision beyond the limit."""
    for number in _NUMBERS.findall(spec):
        if int(number) > MAX_SEQUENCE:
            _too_long(f"the format width or precision {number}", int(number))


def check_fields(template: str) -> None:
    """Refuse fields that look things up (``{0.attr}``, ``{0[key]}``) and literal widths beyond the limit."""
    for _, field, spec, _ in string.Formatter().parse(template):
        if field and ("." in field or "[" in field):
            refuse(f"format field {{{field}}} is refused: a field may only name a value ({{0}}, {{name}})")
        if spec and "{" in spec:
            check_fields(spec)  # nested fields such as {0:{1.attr}}
        elif spec:
            check_spec(spec)


class _Formatter(string.Formatter):
    """``str.format`` as the standard library writes it, checking each field's size as it is formatted."""

    def __init__(self, template: str):
        self.total = len(template)

    def format_field(self, value: Any, format_spec: str) -> str:
        check_spec(format_spec)
        text = format(value, format_spec)
        self.total += len(text)
        if self.total > MAX_SEQUENCE:
            _too_long("this formatting", self.total)
        return text


def checked_format(text: str, method: str, *args: Any, **kwargs: Any) -> str:
    check_fields(text)
    if method == "format_map":
        (mapping,) = args
        return _Formatter(text).vformat(text, (), mapping)
    return _Formatter(text).vformat(text, args, kwargs)


_CONVERSIONS = {ord("s"): str, ord("r"): repr, ord("a"): ascii}


def format_value(value: Any, conversion: int, spec: str) -> str:
    """One f-string field with a format spec (``f'{x:>20}'``), checked like ``str.format``."""
    if conversion in _CONVERSIONS:
        value = _CONVERSIONS[conversion](value)
    check_spec(spec)
    return format(value, spec)


# --- nested data -----------------------------------------------------------------------------------------


def measure(value: Any, limit: int = MAX_SEQUENCE) -> int:
    """Items plus characters in ``value``, counting shared parts each time; stops counting past ``limit``."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            total += len(item)
            stack.extend(item)
        else:
            total += 1
    return total


def check_data(name: str, value: Any) -> None:
    """Refuse a value a script leaves in task data when, written out, it would be beyond the limit."""
    if isinstance(value, (*_CONTAINERS, str)) and measure(value) > MAX_SEQUENCE:
        refuse(f'"{name}" would hold more than {MAX_SEQUENCE:,} items and characters; keep task data small')


class CheckedStr(str):
    """``str`` for diagram code: a type as before, but ``str(data)`` refuses data too large to write out."""

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> str:  # type: ignore[misc]
        if args and isinstance(args[0], _CONTAINERS) and measure(args[0]) > MAX_SEQUENCE:
            refuse(f"writing this value out as text would exceed {MAX_SEQUENCE:,} characters")
        return str(*args, **kwargs)


def checked_sum(items: Iterable, start: Any = 0) -> Any:
    if isinstance(start, _SEQUENCES):
        items = list(items)
        size = len(start) + sum(len(i) for i in items if isinstance(i, _SEQUENCES))
        if size > MAX_SEQUENCE:
            _too_long("sum() of these sequences", size)
    return sum(items, start)


# --- loops -----------------------------------------------------------------------------------------------

_budget: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("loop_budget", default=None)


def start_budget() -> contextvars.Token:
    return _budget.set([MAX_ITERATIONS])


def end_budget(token: contextvars.Token) -> None:
    _budget.reset(token)


def checked_iter(items: Any) -> Any:
    """``iter`` for loops and comprehensions, charging sized iterables against the run's loop budget."""
    budget = _budget.get()
    if budget is not None and hasattr(items, "__len__"):
        budget[0] -= len(items)
        if budget[0] < 0:
            refuse(f"the loops of one expression or script may go over at most {MAX_ITERATIONS:,} items")
    return iter(items)


# --- deploy time: sizes written as numbers ---------------------------------------------------------------


def literal_size(node: ast.AST) -> int | None:
    """The value of an integer written with literals only (``10**9``, ``999999999``, ``2 * 10**6``).

    ``None`` when ``node`` is anything else. A power too large to compute counts as ``MAX_SEQUENCE + 1``.
    """
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = literal_size(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if not isinstance(node, ast.BinOp):
        return None
    left, right = literal_size(node.left), literal_size(node.right)
    if left is None or right is None:
        return None
    if isinstance(node.op, ast.Pow):
        if right < 0 or abs(left) < 2:
            return None
        return left**right if abs(left).bit_length() * right <= 64 else MAX_SEQUENCE + 1
    if isinstance(node.op, ast.LShift):
        return left << right if 0 <= right <= 64 else MAX_SEQUENCE + 1
    operations = {ast.Mult: lambda a, b: a * b, ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b}
    operation = operations.get(type(node.op))
    return operation(left, right) if operation else None
