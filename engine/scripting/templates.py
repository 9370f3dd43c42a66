"""The diagrams' ``instructionsForEndUser`` templates: Jinja, sandboxed, with the expressions' size guards, and
rendered within bounds of output and time.

Jinja's own sandbox keeps templates away from Python's internals but not from the server's memory or CPU:
``{{ 9**(9**8) }}`` was even computed while compiling (Jinja folds constant expressions), so every view of
the task timed out. Here:

* ``+ * ** % //`` go through ``engine.scripting.sizes`` (and so are never folded at compile time);
* ``~`` (joining text) checks the length of what it builds; the ``center``, ``indent``, ``format``,
  ``replace``, ``join`` and ``wordwrap`` filters check their sizes; text methods (``'a'.ljust(n)``,
  ``.format``) are the sandbox's checked ones; ``lipsum`` is gone and ``range`` is capped;
* every ``for`` loop charges the items it goes over to one budget per rendering;
* ``render`` stops at ``MAX_OUTPUT`` characters and after ``MAX_SECONDS`` (checked at each output chunk,
  loop, call and attribute).

``check_template`` is what deploy runs on each template: it must compile, and rendering it without data (every
variable undefined) must stay within the bounds, which catches sizes written as numbers.
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from jinja2 import ChainableUndefined, TemplateError, nodes
from jinja2 import filters as jinja_filters
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from engine.errors import SandboxViolation
from engine.scripting import sizes

MAX_OUTPUT = 100_000  # characters of rendered instructions: pages of text
MAX_SECONDS = 2.0
MAX_LOOP_ITEMS = 100_000


class _Bounds:
    def __init__(self, seconds: float, items: int):
        self.deadline = time.monotonic() + seconds
        self.items = items

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            sizes.refuse(f"rendering the instructions took longer than {MAX_SECONDS:g} s")


_bounds: contextvars.ContextVar[_Bounds | None] = contextvars.ContextVar("template_bounds", default=None)


def _tick() -> None:
    bounds = _bounds.get()
    if bounds is not None:
        bounds.tick()


def _loop(items: Any) -> Any:
    """Every ``for`` loop goes over ``items`` through here: charged to the rendering's budget."""
    bounds = _bounds.get()
    if bounds is not None:
        bounds.tick()
        if hasattr(items, "__len__"):
            bounds.items -= len(items)
            if bounds.items < 0:
                sizes.refuse(f"the loops of the instructions may go over at most {MAX_LOOP_ITEMS:,} items")
    return items


def _concat(parts: Iterable[Any]) -> str:
    """``a ~ b``: the joined text, refused before it is built if too long."""
    texts = [str(p) for p in parts]
    if sum(len(t) for t in texts) > MAX_OUTPUT:
        sizes.refuse(f"joining these texts would exceed {MAX_OUTPUT:,} characters")
    return "".join(texts)


def _checked_filter(name: str, check: Callable[..., None]) -> Callable:
    original = jinja_filters.FILTERS[name]
    # Filters marked pass_context / pass_eval_context / pass_environment get that first; wraps copies the mark.
    skip = 1 if getattr(original, "jinja_pass_arg", None) else 0

    @functools.wraps(original)
    def run(*args: Any, **kwargs: Any) -> Any:
        check(*args[skip:], **kwargs)
        return original(*args, **kwargs)

    return run


def _width(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> None:
    if isinstance(width, int) and width > sizes.MAX_SEQUENCE:
        sizes.refuse(f"a width of {width:,} is beyond the limit of {sizes.MAX_SEQUENCE:,}")
    text = str(value)
    if isinstance(width, int) and len(text) * max(1, text.count("\n") + 1) > sizes.MAX_SEQUENCE:
        sizes.refuse("this text is too long to lay out")


def _format(value: Any, *args: Any, **kwargs: Any) -> None:
    sizes.check_mod(str(value), kwargs or tuple(args))


def _replace(value: Any, old: Any, new: Any, count: Any = None) -> None:
    text = str(value)
    if not (isinstance(old, str) and isinstance(new, str)) or len(new) <= len(old):
        return
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    if len(text) + found * (len(new) - len(old)) > sizes.MAX_SEQUENCE:
        sizes.refuse(f".replace() would make more than {sizes.MAX_SEQUENCE:,} characters")


def _join(value: Any, d: str = "", attribute: Any = None) -> None:
    items = list(value) if isinstance(value, Iterable) and not isinstance(value, str | Mapping) else []
    size = len(str(d)) * max(len(items) - 1, 0) + sum(len(i) for i in items if isinstance(i, str))
    if size > sizes.MAX_SEQUENCE:
        sizes.refuse(f"joining these would make more than {sizes.MAX_SEQUENCE:,} characters")


class InstructionsEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with the size guards of diagram expressions (see the module's docstring)."""

    intercepted_binops = frozenset({"+", "*", "**", "%", "//"})
    _GUARDS: ClassVar[dict[str, Callable[[Any, Any], None]]] = {
        "+": sizes.check_add,
        "*": sizes.check_mul,
        "**": sizes.check_pow,
        "%": sizes.check_mod,
    }

    def __init__(self, **options: Any):
        options.setdefault("undefined", ChainableUndefined)
        super().__init__(**options)
        self.globals.pop("lipsum", None)
        self.filters["_loop"] = _loop
        self.filters["_concat"] = _concat
        self.filters["center"] = _checked_filter("center", _width)
        self.filters["indent"] = _checked_filter("indent", _width)
        self.filters["wordwrap"] = _checked_filter("wordwrap", _width)
        self.filters["format"] = _checked_filter("format", _format)
        self.filters["replace"] = _checked_filter("replace", _replace)
        self.filters["join"] = _checked_filter("join", _join)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _tick()
        guard = self._GUARDS.get(operator)
        if guard is not None:
            guard(left, right)
        return self.binop_table[operator](left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        if isinstance(attribute, str) and not attribute.startswith("_"):
            if type(obj) is str and attribute in ("format", "format_map"):
                return functools.partial(sizes.checked_format, obj, attribute)
            sized = sizes.sized_method(obj, attribute)
            if sized is not None:
                return sized
        return super().getattr(obj, attribute)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        return super().call(__context, __obj, *args, **kwargs)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "_loop", [], [], None, None, lineno=loop.lineno)
        for concat in list(tree.find_all(nodes.Concat)):
            joined = nodes.Filter(
                nodes.List(concat.nodes), "_concat", [], [], None, None, lineno=concat.lineno
            )
            concat.nodes = [joined]  # one node: Jinja's own join of it is the text as it is
        return tree


def render(environment: SandboxedEnvironment, source: str, data: Mapping[str, Any]) -> str:
    """``source`` rendered with ``data``; ``SandboxViolation`` when it goes beyond the size or time bounds."""
    token = _bounds.set(_Bounds(MAX_SECONDS, MAX_LOOP_ITEMS))
    loops = sizes.start_budget()
    try:
        template = environment.from_string(source)
        out: list[str] = []
        total = 0
        for chunk in template.generate(**data):
            total += len(chunk)
            if total > MAX_OUTPUT:
                sizes.refuse(f"the instructions would be longer than {MAX_OUTPUT:,} characters")
            out.append(chunk)
            _tick()
        return "".join(out)
    finally:
        sizes.end_budget(loops)
        _bounds.reset(token)


def check_template(source: str) -> str | None:
    """Why the template cannot be used, as a sentence; ``None`` if it compiles and renders within bounds."""
    environment = InstructionsEnvironment(autoescape=False)
    try:
        environment.from_string(source)
    except TemplateError as error:
        line = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
        return f"is not a valid template{line}: {error.message or error}"
    try:
        render(environment, source, {})
    except SandboxViolation as refusal:
        return f"cannot be shown: {refusal.message}"
    except SecurityError as error:
        return f"uses what the template sandbox does not allow: {error}"
    except Exception:  # other failures without data are the data's business, not the diagram's
        return None
    return None
