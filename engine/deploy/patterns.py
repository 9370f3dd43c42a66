"""Deploy-time check of the regular expressions in form schemas (``pattern``, ``patternProperties``).

A form's patterns are run against what customers and agents type. Python's ``re`` backtracks, so a pattern
such as ``^(a+)+$`` takes exponential time on ``"aaaa…!"``: one request can hold a worker for minutes. Such
patterns are refused when the form is deployed, with the reason and the way out:

* a variable repeat inside another repeat (``(a+)+``, ``(\\w+\\s?)*``, ``(a*b?)*``): nested quantifiers;
* a repeated alternation whose alternatives can start with the same character (``(a|aa)+``, ``(\\d|\\w)*``).

Possessive quantifiers (``a++``) and atomic groups (``(?>…)``) never backtrack, so they are the fix the
message suggests. A repeat that must be followed by a character it cannot match (``(?:[a-z0-9]+\\.)+com``)
is not ambiguous and passes. The check reads the pattern's structure with Python's own regex parser; it may
refuse a harmless pattern of those shapes (``(ab?)+``), never let one through.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

try:  # Python 3.11 moved the parser; the old names still work there, with a warning
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python before 3.11
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT}
_ADVICE = (
    "rewrite it without a repeat inside a repeat, or make the inner part possessive (a++) or atomic ((?>...))"
)


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be deployed, as a sentence; ``None`` if it is a safe regular expression."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        return f"is not a valid regular expression: {error}"
    reason = _walk(parsed, inside_repeat=False)
    return f"can take exponential time on some input ({reason}); {_ADVICE}" if reason else None


def _variable(av: tuple) -> bool:
    low, high, _ = av
    return high != low and high > 1


def _repeating(av: tuple) -> bool:
    """Whether a repeat makes what is inside it ambiguous: a variable count, or a fixed one of 10 or more."""
    return _variable(av) or av[1] >= 10


def _walk(items: Any, inside_repeat: bool) -> str | None:
    for index, (op, av) in enumerate(items):
        if op in _REPEATS:
            body = av[2]
            if inside_repeat and _variable(av) and not _delimited(items, index):
                return "a repeat inside a repeat"
            if _repeating(av) and (overlap := _overlapping_branch(body)):
                return overlap
            if reason := _walk(body, inside_repeat or _repeating(av)):
                return reason
        elif op is sre.SUBPATTERN:
            if reason := _walk(av[-1], inside_repeat):
                return reason
        elif op is sre.BRANCH:
            for branch in av[1]:
                if reason := _walk(branch, inside_repeat):
                    return reason
        elif op in (sre.ASSERT, sre.ASSERT_NOT) and (reason := _walk(av[1], inside_repeat)):
            return reason
        # POSSESSIVE_REPEAT and ATOMIC_GROUP never backtrack: nothing inside them can blow up.
    return None


def _delimited(items: Any, index: int) -> bool:
    """Whether the repeat at ``index`` must be followed by a character it cannot match (``[a-z]+\\.``).

    Then where it stops is never in doubt, and repeating the whole is linear: ``(?:[a-z0-9]+\\.)+com``.
    """
    own = _first(items[index][1][2])
    if own is None:
        return False
    for op, av in list(items)[index + 1 :]:
        if op is sre.AT:
            continue
        first = _first([(op, av)])
        if _overlap(first, own):
            return False
        if not (op in _REPEATS and av[0] == 0):
            return True  # a character that must come, and cannot be the repeat's
    return False


def _overlapping_branch(body: Any) -> str | None:
    """A choice inside a repeat whose alternatives can begin alike, or one of which can be empty.

    Python's parser factors common prefixes out (``a|aa`` becomes ``a(?:|a)``), so the empty alternative is
    how ``(a|aa)+`` shows.
    """
    for op, av in body:
        if op is sre.SUBPATTERN and (reason := _overlapping_branch(av[-1])):
            return reason
        if op is sre.BRANCH:
            firsts = [_first(branch) for branch in av[1]]
            for i, one in enumerate(firsts):
                for other in firsts[i + 1 :]:
                    if _overlap(one, other):
                        return "a repeated choice whose alternatives can match the same text"
    return None


_ANY = None  # "could be any character"
# Character classes by what they hold in ASCII plus a marker for the rest of Unicode, so that \w and é overlap.
_CLASSES = {
    sre.CATEGORY_DIGIT: set("0123456789") | {"<digit>", "<word>"},
    sre.CATEGORY_SPACE: set(" \t\n\r\f\v") | {"<space>"},
    sre.CATEGORY_WORD: set("0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    | {"<digit>", "<word>"},
}


def _marked(char: str) -> set[str]:
    marks = {char}
    if char.isascii():
        return marks  # the classes above list their ASCII characters
    if char.isalnum():
        marks.add("<word>")
    if char.isdigit():
        marks.add("<digit>")
    if char.isspace():
        marks.add("<space>")
    return marks


First = set[str] | tuple[str, set[str]] | None  # the characters, ("not", characters), or None for any


def _overlap(one: First, other: First) -> bool:
    if one is None or other is None:
        return True
    if isinstance(one, tuple) and isinstance(other, tuple):
        return True
    if isinstance(one, tuple):
        one, other = other, one
    if isinstance(other, tuple):
        return bool(one - other[1])
    return bool(one & other)


def _first(branch: Any) -> First:
    """The characters ``branch`` can start with (``None``: any, or too hard to say)."""
    for op, av in branch:
        if op is sre.LITERAL:
            return _marked(chr(av))
        if op is sre.NOT_LITERAL:
            return ("not", _marked(chr(av)))
        if op is sre.IN:
            chars: set[str] = set()
            negated = False
            for kind, value in av:
                if kind is sre.NEGATE:
                    negated = True
                elif kind is sre.LITERAL:
                    chars |= _marked(chr(value))
                elif kind is sre.RANGE and value[1] - value[0] < 256:
                    for code in range(value[0], value[1] + 1):
                        chars |= _marked(chr(code))
                elif kind is sre.CATEGORY and value in _CLASSES:
                    chars |= _CLASSES[value]
                else:
                    return _ANY
            return ("not", chars) if negated else chars
        if op in _REPEATS:
            low, _, body = av
            first = _first(body)
            return first if low > 0 else _ANY
        if op is sre.SUBPATTERN:
            return _first(av[-1])
        if op in (sre.AT,):
            continue
        return _ANY
    return _ANY


def schema_patterns(schema: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every regular expression in a JSON Schema, with where it is: ``(path, pattern)``."""
    if isinstance(schema, dict):
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            yield (path or "/") + "/pattern", pattern
        properties = schema.get("patternProperties")
        if isinstance(properties, dict):
            for key in properties:
                if isinstance(key, str):
                    yield f"{path}/patternProperties", key
        for key, value in schema.items():
            if isinstance(value, dict | list):
                yield from schema_patterns(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from schema_patterns(value, f"{path}/{index}")
