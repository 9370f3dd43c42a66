"""What the bounds on diagram content cost, and how fast a hostile diagram is turned away.

    python -m bench.diagram_limits            # SQLite in a temporary folder, about a minute

Prints (1) the sandbox's cost per call for an ordinary condition and a two-line script, (2) the deploy check of
the shipped processes/, and (3) for each hostile case of issue 11 the time from starting the case to its
incident. Compare (1) and (2) with the same script run on a checkout before the bounds (the figures in
bench/RESULTS.md were taken that way); (3) has no "before" run here on purpose: before, those cases took
seconds to hours and up to a gigabyte each.
"""

from __future__ import annotations

import tempfile
import timeit
from pathlib import Path
from time import perf_counter

from bench._common import sqlite_database
from engine.cases.engine import CaseEngine
from engine.clock import FrozenClock
from engine.deploy import deployment
from engine.deploy.bundle import load_bundle
from engine.models import CaseStatus
from engine.scripting.sandbox import evaluate, execute
from handlers import registry

DATA = {"amount": 750, "category": "fee_dispute", "items": [{"fee": 25}, {"fee": 40}]}
CONDITION = "amount > 500 and category == 'fee_dispute'"
SCRIPT = "total = sum(item['fee'] for item in items)\nnote = 'fee %d' % total"
HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
    '<bpmn:process id="hostile" isExecutable="true"><bpmn:laneSet id="ls"><bpmn:lane id="l" name="frontline">'
    '<bpmn:flowNodeRef>look</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet><bpmn:startEvent id="start"/>'
)
TAIL = (
    '<bpmn:userTask id="look" name="Look"/><bpmn:endEvent id="end"/>'
    '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="step"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="step" targetRef="look"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="end"/></bpmn:process></bpmn:definitions>'
)
HOSTILE = {
    "script 'a'.ljust(width), width = 10**9": (
        '<bpmn:scriptTask id="step" name="Pad"><bpmn:script>x = "a".ljust(width)</bpmn:script></bpmn:scriptTask>',
        {"width": 10**9},
    ),
    'timer "P" + str(years) + "Y", years = 2,000,000': (
        '<bpmn:intermediateCatchEvent id="step" name="Wait"><bpmn:timerEventDefinition><bpmn:timeDuration>'
        '"P" + str(years) + "Y"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
        {"years": 2_000_000},
    ),
    "parallel multi-instance, cardinality 200,000": (
        '<bpmn:scriptTask id="step" name="Each"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>'
        "count</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics><bpmn:script>x = 1</bpmn:script>"
        "</bpmn:scriptTask>",
        {"count": 200_000},
    ),
}


def per_call(fn, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main() -> None:
    evaluate(CONDITION, DATA)
    print(f"evaluate (condition):      {per_call(lambda: evaluate(CONDITION, DATA), 100_000) * 1e6:.2f} us")
    print(f"execute (two-line script): {per_call(lambda: execute(SCRIPT, dict(DATA)), 20_000) * 1e6:.2f} us")
    files = deployment.read_paths([Path(__file__).resolve().parent.parent / "processes"])
    deploy_check = per_call(lambda: load_bundle(files, handler_names=registry.names()), 3)
    print(f"load_bundle(processes/):   {deploy_check * 1e3:.0f} ms")
    with tempfile.TemporaryDirectory() as folder:
        database = sqlite_database(Path(folder), "limits")  # migrated
        clock = FrozenClock()
        for label, (step, data) in HOSTILE.items():
            with database.session() as session:
                content = (HEAD + step + TAIL).encode()
                deployment.deploy(session, [("hostile.bpmn", content)], actor="bench", clock=clock)
                started = perf_counter()
                case = CaseEngine(session, clock).start_case("hostile", data, actor="bench")
                took = perf_counter() - started
                assert case.status == CaseStatus.INCIDENT, label
                print(f"{label}: incident after {took * 1e3:.0f} ms")
        database.engine.dispose()


if __name__ == "__main__":
    main()
