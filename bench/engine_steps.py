"""What one engine step costs next to SpiffWorkflow alone, and whether it stays flat as cases pile up.

    .venv/bin/python -m bench.engine_steps [--cases N] [--rounds R] [--skip-large] [--pg URL]

Part 1 runs the five-user-task process (tests/data/engine/five_tasks.bpmn) four ways, in rounds that rotate
the order of the variants so that noise on a shared machine hits them all alike, and reports the median round:

  (a) SpiffWorkflow in memory;
  (b) SpiffWorkflow with its stock serializer, deserialized before and serialized after every step;
  (c) our engine on a fresh SQLite file;
  (d) our engine on PostgreSQL, in the bench's own database ``bench_engine``, when the server answers.

A step is the start or one task completion: six per case. For (c) and (d) only the engine calls are timed.

Part 2 measures the same steps on fresh cases in databases already holding 1,000 and 100,000 cases (filled by
bulk copies of real cases; see ``bench._common.fill``), alternating between the two.

Time comes from a ``FrozenClock`` moved 30 seconds before every completion, so runs are reproducible.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sqlite3
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from time import perf_counter

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from tqdm import tqdm

from bench._common import (
    DEFAULT_PG_URL,
    FIVE_TASKS,
    START_DATA,
    Bench,
    drop_postgres_schema,
    fill,
    postgres_database,
    prepare,
    run_case,
    sqlite_database,
)
from engine import audit
from engine.store.db import Database

STEPS = 6  # the start and five completions
TASKS = 5

# ------------------------------------------------------------------------------------------- variants


def load_spec():
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(FIVE_TASKS))
    return parser.get_spec("five_tasks")


def _start(spec) -> BpmnWorkflow:
    workflow = BpmnWorkflow(spec)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(START_DATA)
    workflow.do_engine_steps()
    return workflow


def _next_task(workflow: BpmnWorkflow) -> None:
    workflow.get_tasks(state=TaskState.READY, manual=True)[0].run()
    workflow.do_engine_steps()


def raw_in_memory(spec, cases: int) -> float:
    """(a): seconds for ``cases`` cases run start to end in memory."""
    began = perf_counter()
    for _ in range(cases):
        workflow = _start(spec)
        for _ in range(TASKS):
            _next_task(workflow)
        assert workflow.completed
    return perf_counter() - began


def raw_serialized(spec, serializer: BpmnWorkflowSerializer, cases: int) -> float:
    """(b): the same, with the workflow deserialized before and serialized after every step."""
    began = perf_counter()
    for _ in range(cases):
        state = serializer.serialize_json(_start(spec))
        for _ in range(TASKS):
            workflow = serializer.deserialize_json(state)
            _next_task(workflow)
            state = serializer.serialize_json(workflow)
        assert workflow.completed
    return perf_counter() - began


def through_engine(bench: Bench, cases: int) -> float:
    """(c), (d): seconds spent inside the engine's calls for ``cases`` cases."""
    return sum(sum(run_case(bench)[1]) for _ in range(cases))


def measure(variants: dict[str, Callable[[int], float]], cases: int, rounds: int, desc: str) -> dict:
    """Median over ``rounds`` of each variant's seconds per case; each round starts with the next variant."""
    for run in variants.values():
        run(2)  # warm up: imports, spec cache, connection pool, statement caches
    per_case: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for round_no in tqdm(range(rounds), desc=desc, unit="round", leave=False):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            per_case[name].append(variants[name](cases) / cases)
    return per_case


# --------------------------------------------------------------------------------------------- report


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


def print_part1(labels: dict[str, str], per_case: dict[str, list[float]]) -> None:
    print(f"{'variant':<47} {'ms/case':>8} {'ms/step':>8}   ms/step min..max over rounds")
    for name, label in labels.items():
        times = per_case[name]
        median = statistics.median(times)
        print(
            f"{label:<47} {ms(median)} {ms(median / STEPS)}   "
            f"{min(times) * 1000 / STEPS:.2f}..{max(times) * 1000 / STEPS:.2f}"
        )
    serialized = statistics.median(per_case["b"])
    for name in ("c", "d"):
        if name in per_case:
            print(f"ratio ({name})/(b): {statistics.median(per_case[name]) / serialized:.2f}   (target <= 3)")


@dataclass
class Backend:
    """How to get a fresh, migrated database by name for part 2, and how to give its space back."""

    create: Callable[[str], Database]
    drop: Callable[[str], None] = lambda _name: None


def scale(label: str, backend: Backend, cases: int, rounds: int, skip_large: bool) -> dict[str, float]:
    """Median seconds per step on fresh cases with 1,000 and (unless skipped) 100,000 cases stored."""
    sizes = {"1k": 1_000} if skip_large else {"1k": 1_000, "100k": 100_000}
    benches = {}
    for size, total in sizes.items():
        bench = prepare(f"{label} {size}", backend.create(f"scale_{size}"))
        began = perf_counter()
        fill(bench, total)
        print(f"  filled {label} to {total:,} cases in {perf_counter() - began:.0f} s")
        benches[size] = bench
    with benches["1k"].db.session() as session:
        print(f"  {label} 1k: {audit.verify(session)}")
    variants = {size: (lambda n, b=b: through_engine(b, n)) for size, b in benches.items()}
    per_case = measure(variants, cases, rounds, desc=f"part 2, {label}")
    for size, bench in benches.items():
        bench.db.engine.dispose()
        backend.drop(f"scale_{size}")
    return {size: statistics.median(times) / STEPS for size, times in per_case.items()}


def print_part2(results: dict[str, dict[str, float]]) -> None:
    print(f"{'backend':<12} {'1k ms/step':>11} {'100k ms/step':>13} {'100k/1k':>8}")
    for label, per_step in results.items():
        small, large = per_step["1k"], per_step.get("100k")
        if large is None:
            print(f"{label:<12} {small * 1000:11.2f} {'skipped':>13}")
        else:
            print(
                f"{label:<12} {small * 1000:11.2f} {large * 1000:13.2f} {large / small:8.2f}   (target <= 1.3)"
            )


def environment(pg_version: str | None) -> str:
    return (
        f"python {platform.python_version()}, SpiffWorkflow {version('SpiffWorkflow')}, "
        f"SQLAlchemy {version('SQLAlchemy')}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {pg_version or 'not reachable'}, {os.cpu_count()} CPUs; clock: FrozenClock"
    )


def connect_postgres(url: str) -> tuple[Database | None, str]:
    """The bench's PostgreSQL database with a fresh public schema and its server version, or None and why not."""
    try:
        database = postgres_database(url, "public")
    except OperationalError as exc:
        return None, (str(exc.orig) if exc.orig else str(exc)).strip().splitlines()[0]
    with database.engine.connect() as conn:
        return database, conn.scalar(text("SHOW server_version"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.engine_steps", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--cases", type=int, default=40, help="cases per variant per round (default 40)")
    parser.add_argument("--rounds", type=int, default=9, help="rounds in part 1 (default 9)")
    parser.add_argument("--scale-cases", type=int, default=20, help="cases per size per round in part 2")
    parser.add_argument("--scale-rounds", type=int, default=7, help="rounds in part 2 (default 7)")
    parser.add_argument("--skip-large", action="store_true", help="skip the 100,000-case databases")
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL),
        help="a PostgreSQL server's URL; the bench creates and resets its own bench_engine there",
    )
    args = parser.parse_args(argv)
    began = perf_counter()

    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        pg, pg_info = connect_postgres(args.pg)  # the server version, or why it is unreachable
        print(environment(pg_info if pg else None))
        spec = load_spec()
        serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        sqlite_bench = prepare("SQLite", sqlite_database(Path(tmp), "steps"))
        labels = {
            "a": "(a) SpiffWorkflow in memory",
            "b": "(b) SpiffWorkflow, serialized around each step",
            "c": "(c) engine on SQLite",
        }
        variants = {
            "a": lambda n: raw_in_memory(spec, n),
            "b": lambda n: raw_serialized(spec, serializer, n),
            "c": lambda n: through_engine(sqlite_bench, n),
        }
        if pg is not None:
            pg_bench = prepare("PostgreSQL", pg)
            labels["d"] = "(d) engine on PostgreSQL"
            variants["d"] = lambda n: through_engine(pg_bench, n)

        print(f"\nPart 1: {args.cases} cases per variant per round, median of {args.rounds} rounds")
        per_case = measure(variants, args.cases, args.rounds, desc="part 1")
        print_part1(labels, per_case)
        if pg is None:
            print(f"(d) skipped, and PostgreSQL in part 2: not reachable at {args.pg} ({pg_info})")
        for bench in (sqlite_bench, pg_bench) if pg else (sqlite_bench,):
            bench.db.engine.dispose()

        print(
            f"\nPart 2: per-step ms on fresh cases with N cases stored ({args.scale_cases} cases per size "
            f"per round, median of {args.scale_rounds} rounds)"
        )
        backends = {"SQLite": Backend(lambda name: sqlite_database(Path(tmp), name))}
        if pg is not None:
            backends["PostgreSQL"] = Backend(
                lambda name: postgres_database(args.pg, name),
                lambda name: drop_postgres_schema(args.pg, name),
            )
        results = {
            label: scale(label, backend, args.scale_cases, args.scale_rounds, args.skip_large)
            for label, backend in backends.items()
        }
        print_part2(results)
    print(f"\nwhole run: {perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
