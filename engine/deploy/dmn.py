"""Deploy-time checks of DMN decision tables, as SpiffWorkflow's DMN parser and engine would meet them."""

from __future__ import annotations

import ast
import re

from lxml import etree

from engine.deploy.checks import local
from engine.deploy.expressions import quote, sandbox_problem, sandbox_reasons
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
                file,
                f"is not a DMN file: its root element is {local(root)!r} in {ns or 'no namespace'}.",
                code="dmn.not_dmn",
                params={"root": repr(local(root)), "namespace": ns},
            )
        ]
    decisions = root.findall(f"{{{ns}}}decision")
    if not decisions:
        message = "has no decision; a DMN file must hold one decision table."
        return [Problem(file, message, code="dmn.no_decision")]
    if len(decisions) > 1:
        message = (
            f"has {len(decisions)} decisions; SpiffWorkflow reads one per DMN file: put each in its own."
        )
        return [Problem(file, message, code="dmn.decisions", params={"count": len(decisions)})]
    decision = decisions[0]
    table = decision.find(f"{{{ns}}}decisionTable")
    name = describe_dmn(decision)

    def report(node: etree._Element, message: str, code: str, **params) -> None:
        params = {"what": dmn_ref(decision), **params}
        problems.append(Problem(file, f"{name}: {message}", node.get("id"), code, params))

    if table is None:
        report(decision, "has no decision table; SpiffWorkflow runs decision tables only.", "dmn.no_table")
        return problems
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in _HIT_POLICIES or (policy == "COLLECT" and table.get("aggregation")):
        shown = policy + (f" {table.get('aggregation')}" if table.get("aggregation") else "")
        report(
            table,
            f"the hit policy {shown} is not supported by SpiffWorkflow; use UNIQUE, FIRST, ANY or COLLECT.",
            "dmn.hit_policy",
            policy=shown,
        )
    inputs = []
    columns = table.findall(f"{{{ns}}}input")
    for column in columns:
        text = column.findtext(f"{{{ns}}}inputExpression/{{{ns}}}text")
        label = describe_dmn(column)
        if not text or not text.strip():
            message = f"{label} has no input expression; say which value it tests (amount, say)."
            report(column, message, "dmn.no_input_expression", column=dmn_ref(column))
        elif problem := sandbox_problem("the expression", text, "eval"):
            reason = "; ".join(sandbox_reasons(text, "eval"))
            report(
                column,
                f"{label} {problem}",
                "dmn.input_refused",
                column=dmn_ref(column),
                source=quote(text),
                reason=reason,
            )
            text = None
        inputs.append((label, text))
    outputs = table.findall(f"{{{ns}}}output")
    for column in outputs:
        if not (column.get("name") or column.get("label")):
            report(
                column,
                f"{describe_dmn(column)} has no name; the result is stored under the output's name.",
                "dmn.output_unnamed",
                column=dmn_ref(column),
            )
    for row, rule in enumerate(table.findall(f"{{{ns}}}rule"), start=1):
        cells_in = rule.findall(f"{{{ns}}}inputEntry")
        cells_out = rule.findall(f"{{{ns}}}outputEntry")
        if len(cells_in) != len(inputs) or len(cells_out) != len(outputs):
            report(
                rule,
                f"rule {row} has {len(cells_in)} input and {len(cells_out)} output cells, but the "
                f"table has {len(inputs)} inputs and {len(outputs)} outputs.",
                "dmn.rule_cells",
                row=row,
                cells_in=len(cells_in),
                cells_out=len(cells_out),
                inputs=len(inputs),
                outputs=len(outputs),
            )
            continue
        for (label, input_expression), column, cell in zip(inputs, columns, cells_in, strict=True):
            text = cell.findtext(f"{{{ns}}}text")
            if input_expression is not None and text is not None and text != "-":
                found = _input_cell_problem(input_expression, text)
                if found:
                    code, reason, detail = found
                    report(
                        cell,
                        f"rule {row}, {label}: the cell {quote(text)} {reason}",
                        code,
                        row=row,
                        column=dmn_ref(column),
                        cell=quote(text),
                        reason=detail,
                    )
        for cell in cells_out:
            text = cell.findtext(f"{{{ns}}}text")
            if text and (problem := sandbox_problem("the value", text, "eval")):
                reason = "; ".join(sandbox_reasons(text, "eval"))
                report(
                    cell,
                    f"rule {row}: output {problem}",
                    "dmn.output_refused",
                    row=row,
                    source=quote(text),
                    reason=reason,
                )
    return problems


def describe_dmn(node: etree._Element) -> str:
    label = " ".join((node.get("label") or node.get("name") or "").split())
    return f'{local(node)} "{label}"' if label else f"{local(node)} {node.get('id') or '(no id)'}"


def dmn_ref(node: etree._Element) -> dict:
    """A DMN element named in a problem's params, as ``engine.deploy.checks.ref`` names BPMN elements."""
    label = " ".join((node.get("label") or node.get("name") or "").split())
    return {"kind": local(node), "name": label, "id": node.get("id") or "(no id)"}


def _input_cell_problem(input_expression: str, text: str) -> tuple[str, str, str] | None:
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
                return (
                    "dmn.cell_unreadable",
                    'cannot be read as a value or a test (such as "gold", > 500 or ? > 5).',
                    "",
                )
            expression = input_expression + match
        except (ValueError, RecursionError, MemoryError):
            return "dmn.cell_unparsable", "cannot be read.", ""
    problems = [p.rstrip(".") for p in check_source(expression, "eval")]
    return (
        ("dmn.cell_refused", f"cannot run: {'; '.join(problems)}", "; ".join(problems)) if problems else None
    )
