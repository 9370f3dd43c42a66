"""Deploy-time checks of DMN decision tables, as SpiffWorkflow's DMN parser and engine would meet them."""

from __future__ import annotations

import ast
import re

from lxml import etree

from engine.deploy.checks import local
from engine.deploy.expressions import quote, sandbox_problem
from engine.errors import Problem
from engine.scripting.sandbox import check_source

# DMNEngine.evaluate's rule: a "?" outside quotes stands for the input value.
_QUESTION = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')
_HIT_POLICIES = {"UNIQUE", "FIRST", "ANY", "COLLECT"}


def check_dmn(file: str, root: etree._Element) -> list[Problem]:
    """The problems of one DMN file, as SpiffWorkflow's DMN parser and engine would meet them."""
    problems: list[Problem] = []
    ns = etree.QName(root).namespace or ""
    if local(root) != "definitions" or "dmn" not in ns.lower():
        return [
            Problem(
                file, f"is not a DMN file: its root element is {local(root)!r} in {ns or 'no namespace'}."
            )
        ]
    decisions = root.findall(f"{{{ns}}}decision")
    if not decisions:
        return [Problem(file, "has no decision; a DMN file must hold one decision table.")]
    if len(decisions) > 1:
        message = (
            f"has {len(decisions)} decisions; SpiffWorkflow reads one per DMN file: put each in its own."
        )
        return [Problem(file, message)]
    decision = decisions[0]
    table = decision.find(f"{{{ns}}}decisionTable")
    name = describe_dmn(decision)

    def report(node: etree._Element, message: str) -> None:
        problems.append(Problem(file, f"{name}: {message}", node.get("id")))

    if table is None:
        report(decision, "has no decision table; SpiffWorkflow runs decision tables only.")
        return problems
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in _HIT_POLICIES or (policy == "COLLECT" and table.get("aggregation")):
        shown = policy + (f" {table.get('aggregation')}" if table.get("aggregation") else "")
        report(
            table,
            f"the hit policy {shown} is not supported by SpiffWorkflow; use UNIQUE, FIRST, ANY or COLLECT.",
        )
    inputs = []
    for column in table.findall(f"{{{ns}}}input"):
        text = column.findtext(f"{{{ns}}}inputExpression/{{{ns}}}text")
        label = describe_dmn(column)
        if not text or not text.strip():
            report(column, f"{label} has no input expression; say which value it tests (amount, say).")
        elif problem := sandbox_problem("the expression", text, "eval"):
            report(column, f"{label} {problem}")
            text = None
        inputs.append((label, text))
    outputs = table.findall(f"{{{ns}}}output")
    for column in outputs:
        if not (column.get("name") or column.get("label")):
            report(
                column, f"{describe_dmn(column)} has no name; the result is stored under the output's name."
            )
    for row, rule in enumerate(table.findall(f"{{{ns}}}rule"), start=1):
        cells_in = rule.findall(f"{{{ns}}}inputEntry")
        cells_out = rule.findall(f"{{{ns}}}outputEntry")
        if len(cells_in) != len(inputs) or len(cells_out) != len(outputs):
            report(
                rule,
                f"rule {row} has {len(cells_in)} input and {len(cells_out)} output cells, but the "
                f"table has {len(inputs)} inputs and {len(outputs)} outputs.",
            )
            continue
        for (label, input_expression), cell in zip(inputs, cells_in, strict=True):
            text = cell.findtext(f"{{{ns}}}text")
            if input_expression is not None and text is not None and text != "-":
                reason = _input_cell_problem(input_expression, text)
                if reason:
                    report(cell, f"rule {row}, {label}: the cell {quote(text)} {reason}")
        for cell in cells_out:
            text = cell.findtext(f"{{{ns}}}text")
            if text and (problem := sandbox_problem("the value", text, "eval")):
                report(cell, f"rule {row}: output {problem}")
    return problems


def describe_dmn(node: etree._Element) -> str:
    label = " ".join((node.get("label") or node.get("name") or "").split())
    return f'{local(node)} "{label}"' if label else f"{local(node)} {node.get('id') or '(no id)'}"


def _input_cell_problem(input_expression: str, text: str) -> str | None:
    """Compose the cell as ``DMNEngine.evaluate`` does and check what would really run."""
    match = _QUESTION.sub("dmninputexpr", text)
    if "dmninputexpr" in match:
        expression = match
    else:
        try:
            ast.parse(match)
            expression = f"({input_expression}) == ({match})"
        except SyntaxError:
            try:
                ast.parse(f"v {match}")
            except SyntaxError:
                return 'cannot be read as a value or a test (such as "gold", > 500 or ? > 5).'
            expression = input_expression + match
        except (ValueError, RecursionError, MemoryError):
            return "cannot be read."
    problems = [p.rstrip(".") for p in check_source(expression, "eval")]
    return f"cannot run: {'; '.join(problems)}" if problems else None
