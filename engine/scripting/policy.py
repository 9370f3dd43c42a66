"""The compile-time half of the sandbox: RestrictedPython's policy, tightened for a bank's diagrams.

It refuses statements and names diagram code has no business with, checks what can be checked before the
code runs (literal format templates, sizes written as numbers), and rewrites the operators and f-string
fields that can build huge values into calls to the run-time guards of ``engine.scripting.sandbox``.
"""

from __future__ import annotations

import ast

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.transformer import copy_locations

from engine.errors import SandboxViolation
from engine.scripting import sizes
from engine.scripting.sizes import MAX_SEQUENCE

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


class Policy(RestrictingNodeTransformer):
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
                sizes.check_fields(func.value.value)
            except SandboxViolation as refusal:
                self.error(node, refusal.message)
            except ValueError:
                pass  # a malformed template fails with its own error when it runs
        if isinstance(func, ast.Attribute) and func.attr in sizes.SIZE_ARGUMENT_METHODS and node.args:
            size = sizes.literal_size(node.args[0])
            if size is not None and size > MAX_SEQUENCE:
                self.error(node, f".{func.attr}({size:,}) would be larger than the limit of {MAX_SEQUENCE:,}")
        return super().visit_Call(node)

    def visit_FormattedValue(self, node: ast.FormattedValue):
        # f'{x:>20}': the spec goes through the size-checking guard, which formats the value itself.
        node = self.node_contents_visit(node)
        spec = node.format_spec
        if spec is None:
            return node
        if isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values):
            try:
                sizes.check_spec("".join(str(v.value) for v in spec.values))
            except SandboxViolation as refusal:
                self.error(node, refusal.message)
        call = ast.Call(
            func=ast.Name("_format_value_", ast.Load()),
            args=[node.value, ast.Constant(node.conversion), spec],
            keywords=[],
        )
        copy_locations(call, node)
        node.value, node.conversion, node.format_spec = call, -1, None
        return node

    def visit_Attribute(self, node: ast.Attribute):
        if not isinstance(node.ctx, ast.Load):
            self.error(node, f'assigning or deleting the attribute "{node.attr}" is not allowed')
        return super().visit_Attribute(node)

    def visit_BinOp(self, node: ast.BinOp):
        # Operators that can build huge values become calls to the size-checking guards below.
        self._check_literal_sizes(node)  # before the operands below are rewritten into guard calls
        node = self.node_contents_visit(node)
        guard = BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        copy_locations(call, node)
        return call

    def _check_literal_sizes(self, node: ast.BinOp) -> None:
        """``'a' * 10**9`` and ``'%0999999999d' % 1`` written out: refused now, not when the case runs."""
        left, right = node.left, node.right
        try:
            if (
                isinstance(node.op, ast.Mod)
                and isinstance(left, ast.Constant)
                and isinstance(left.value, str)
            ):
                sizes.check_mod(left.value, ())
            if isinstance(node.op, ast.Mult):
                for sequence, count in ((left, right), (right, left)):
                    size = sizes.literal_size(count)
                    if size is None:
                        continue
                    if isinstance(sequence, ast.Constant) and isinstance(sequence.value, str | bytes):
                        length = len(sequence.value)
                    elif isinstance(sequence, ast.List | ast.Tuple):
                        length = len(sequence.elts)
                    else:
                        continue
                    if length * size > MAX_SEQUENCE:
                        sizes.refuse(f"repeating this value would exceed {MAX_SEQUENCE:,} items")
        except SandboxViolation as refusal:
            self.error(node, refusal.message)


BINOP_GUARDS = {
    ast.Add: "_add_",
    ast.Mult: "_mul_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.Mod: "_mod_",
}
