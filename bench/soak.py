"""Soak: two app nodes and two sweepers on PostgreSQL, killed with SIGKILL in turn, while complaints come in,
cycle timers and failing scripts run, and people complete tasks. Then: was anything lost or done twice?

- two app nodes: gunicorn (2 workers x 2 threads each) on loopback ports, scheduler off;
- two sweepers: the app with its scheduler on (SLA sweep every second) and no HTTP;
- intake: complaints POSTed to either node (``/api/v1/complaints`` with an ``Idempotency-Key``; on a dead
  node or a 5xx the same request goes to the other node);
- cases of two test diagrams, started from this process on the database: ``cycle_timers`` with its cycles
  shortened (``R3/PT20S`` on an intermediate event, an unbounded ``R/PT30S`` reminder on the review task) and
  ``divide_after_timer`` (a script after a 10 s timer that fails, by design, for one case in three);
- completions: the review tasks of those cases, through the API of either node, once they are a minute old;
- every ``--kill-every`` seconds one process is killed with SIGKILL (node A, sweeper 1, node B, sweeper 2, ...)
  and started again five seconds later.

After ``--minutes`` the load stops, the sweepers get ``--drain`` seconds to catch up, and the database is checked:
every acknowledged complaint is stored; no timer fired twice (two ``timer.fired`` events for one row) or never
(waiting and overdue); each finite cycle fired exactly its three occurrences and each reminder fired every 30 s
without a gap until its task was completed; every failing case is in incident with an open incident, and no
other case is; ``audit verify`` passes.

    python -m bench.soak [--minutes 30] [--kill-every 180] [--pg postgresql://postgres@127.0.0.1:5432/x]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.pool import NullPool

from bench._common import ROOT, Http, free_port, load_average, own_postgres, revision
from bench.intake_http import complaint, flask
from engine.cases.engine import CaseEngine
from engine.clock import system_clock
from engine.store.db import Database, make_engine

DATABASE = "soak_faults"
DEFAULT_PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test_faults")
FAULTS = ROOT / "tests" / "data" / "faults"
CYCLE_SECONDS, CYCLES, REMINDER_SECONDS = 20, 3, 30
ENV = {"API_RATE_LIMITS": json.dumps({"intake": [1_000_000, 60]}), "SLA_SWEEP_SECONDS": "1"}


def soak_diagrams(folder: Path) -> Path:
    """The two test diagrams, with the cycle timers shortened to run in seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    cycle = (FAULTS / "cycle_timers.bpmn").read_text()
    cycle = cycle.replace('"R3/PT1H"', f'"R{CYCLES}/PT{CYCLE_SECONDS}S"')
    cycle = cycle.replace('"R/PT1H"', f'"R/PT{REMINDER_SECONDS}S"')
    (folder / "cycle_timers.bpmn").write_text(cycle)
    (folder / "divide_after_timer.bpmn").write_bytes((FAULTS / "divide_after_timer.bpmn").read_bytes())
    return folder


class Process:
    """A child process in its own process group, so that SIGKILL takes it and every worker it forked."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path):
        self.name, self.command, self.env, self.log = name, command, env, log
        self.child: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.child = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        if self.child is not None and self.child.poll() is None:
            os.killpg(self.child.pid, signal.SIGKILL)
            self.child.wait()
            self.kills += 1

    def stop(self) -> None:
        if self.child is not None and self.child.poll() is None:
            os.killpg(self.child.pid, signal.SIGTERM)
            try:
                self.child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def app_node(name: str, url: str, secret: str, logs: Path) -> tuple[Process, str]:
    port = free_port()
    env = {**os.environ, **ENV, "DATABASE_URL": url, "SECRET_KEY": secret, "SCHEDULER_ENABLED": "0"}
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "2", "--timeout", "60"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"]
    return Process(name, command, env, logs / f"{name}.log"), f"http://127.0.0.1:{port}"


def sweeper(name: str, url: str, secret: str, logs: Path) -> Process:
    env = {**os.environ, **ENV, "DATABASE_URL": url, "SECRET_KEY": secret, "SCHEDULER_ENABLED": "1"}
    code = "import time; from app import create_app; create_app(); time.sleep(10**9)"
    return Process(name, [sys.executable, "-c", code], env, logs / f"{name}.log")


class Load:
    """The three kinds of work, each in its own thread, until ``stop`` is set."""

    def __init__(self, url: str, bases: list[str], token: str, rate: float, start_every: float):
        self.url, self.bases, self.token = url, bases, token
        self.rate, self.start_every = rate, start_every
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged: dict[int, str] = {}  # case id -> reference, answered 201/200
        self.refused = Counter()  # answers other than 201/200 after every retry
        self.retries = 0
        self.started: dict[int, tuple[str, bool, float]] = {}  # case id -> (process, fails by design, when)
        self.completed: dict[int, float] = {}  # case id -> when its review task was completed
        self.completion_errors = Counter()

    def threads(self) -> list[threading.Thread]:
        return [threading.Thread(target=t, daemon=True) for t in (self.intake, self.starter, self.completer)]

    def _post(self, path: str, body: bytes, key: str) -> tuple[int, dict]:
        """POST to a node, moving to the other on a dead node or a 5xx; the same key makes it exactly once."""
        for attempt in range(20):
            base = self.bases[attempt % len(self.bases)]
            http = Http(base, {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key})
            try:
                response = http.post(path, body, "application/json")
            except OSError:
                response = None
            finally:
                http.close()
            if response is not None and response.status < 500:
                return response.status, response.json()
            with self.lock:
                self.retries += 1
            time.sleep(0.5)
        return 0, {}

    def intake(self) -> None:
        run, n = uuid.uuid4().hex[:6], 0
        while not self.stop.is_set():
            status, answer = self._post("/api/v1/complaints", complaint(n, run), uuid.uuid4().hex)
            with self.lock:
                if status in (200, 201):
                    self.acknowledged[answer["id"]] = answer["reference"]
                else:
                    self.refused[status] += 1
            n += 1
            self.stop.wait(1 / self.rate)

    def starter(self) -> None:
        database = Database.connect(self.url, poolclass=NullPool)
        n = 0
        while not self.stop.is_set():
            with database.session() as session:
                engine = CaseEngine(session, system_clock)
                if n % 2 == 0:
                    case = engine.start_case("cycle_timers", {}, actor="soak")
                    entry = ("cycle_timers", False)
                else:
                    fails = n % 3 == 1
                    case = engine.start_case(
                        "divide_after_timer", {"amount": 100, "parts": 0 if fails else 4}, actor="soak"
                    )
                    entry = ("divide_after_timer", fails)
            with self.lock:
                self.started[case.id] = (*entry, time.time())
            n += 1
            self.stop.wait(self.start_every)
        database.engine.dispose()

    def completer(self) -> None:
        turn = 0
        while not self.stop.is_set():
            with self.lock:
                due = [
                    case_id
                    for case_id, (_, fails, at) in self.started.items()
                    if not fails and case_id not in self.completed and time.time() - at > 60
                ]
            for case_id in due[:10]:
                turn += 1
                base = self.bases[turn % len(self.bases)]
                self._complete_review(base, case_id)
            self.stop.wait(2)

    def _complete_review(self, base: str, case_id: int) -> None:
        http = Http(base, {"Authorization": f"Bearer {self.token}"})
        try:
            listed = http.get(f"/api/v1/tasks?case_id={case_id}&state=open")
            if listed.status != 200:
                self.completion_errors[f"list {listed.status}"] += 1
                return
            for task in listed.json()["items"]:
                if task["name"] not in ("Review", "Review the share"):
                    continue
                http.post(f"/api/v1/tasks/{task['id']}/claim", b"{}", "application/json")
                done = http.post(
                    f"/api/v1/tasks/{task['id']}/complete",
                    b'{"data": {}}',
                    "application/json",
                    **{"Idempotency-Key": f"review-{task['id']}"},
                )
                if done.status == 200:
                    with self.lock:
                        self.completed[case_id] = time.time()
                else:
                    self.completion_errors[f"complete {done.status}"] += 1
        except OSError:
            self.completion_errors["node down"] += 1  # tried again on the next round, on the other node
        finally:
            http.close()


def check(url: str, secret: str, load: Load, drained_at: float) -> list[tuple[str, int, str]]:
    """(what, how many wrong, detail) for each check; every count should be 0."""
    engine = make_engine(url, poolclass=NullPool)
    results = []
    with engine.connect() as conn:
        stored = {r[0]: r[1] for r in conn.execute(text("SELECT id, reference FROM cases"))}
        lost = [i for i, ref in load.acknowledged.items() if stored.get(i) != ref]
        results.append(
            ("acknowledged complaints lost", len(lost), f"of {len(load.acknowledged):,} acknowledged")
        )

        fired = conn.execute(
            text(
                "SELECT case_id, payload->>'timer', payload->>'due_at', count(*) FROM audit_events"
                " WHERE kind = 'timer.fired' GROUP BY 1, 2, 3 HAVING count(*) > 1"
            )
        ).all()
        total_fired = conn.execute(text("SELECT count(*) FROM timers WHERE status = 'fired'")).scalar()
        results.append(("timers fired twice", len(fired), f"of {total_fired:,} fired timer rows"))
        overdue = conn.execute(
            text(
                "SELECT count(*) FROM timers WHERE status = 'waiting' AND due_at < now() - interval '30 seconds'"
            )
        ).scalar()
        results.append(("timers never fired (waiting, overdue at the end)", overdue, ""))

        rows = conn.execute(
            text("SELECT case_id, name, status, due_at FROM timers ORDER BY case_id, name, due_at")
        ).all()
        by_case: dict[tuple[int, str], list] = {}
        for case_id, name, status, due in rows:
            by_case.setdefault((case_id, name), []).append((status, due))
        bad_cycles, cycles_checked = [], 0
        for case_id, (process, _, at) in load.started.items():
            if process != "cycle_timers" or drained_at - at < CYCLES * CYCLE_SECONDS + 30:
                continue
            cycles_checked += 1
            nudges = by_case.get((case_id, "Every hour, three times"), [])
            if [s for s, _ in nudges] != ["fired"] * CYCLES:
                bad_cycles.append((case_id, "nudges", [s for s, _ in nudges]))
            reminders = by_case.get((case_id, "Remind every hour"), [])
            gaps = [b[1] - a[1] for a, b in itertools.pairwise(reminders)]
            if any(g != timedelta(seconds=REMINDER_SECONDS) for g in gaps):
                bad_cycles.append((case_id, "reminder gaps", gaps))
        results.append(
            (
                "cycle timers with a missing, extra or late occurrence",
                len(bad_cycles),
                f"of {cycles_checked} cases",
            )
        )

        open_incident = {
            r[0]
            for r in conn.execute(
                text(
                    "SELECT c.id FROM cases c JOIN incidents i ON i.case_id = c.id"
                    " WHERE c.status = 'incident' AND i.resolved_at IS NULL"
                )
            )
        }
        expected = {
            case_id for case_id, (_, fails, at) in load.started.items() if fails and drained_at - at > 30
        }
        missing = expected - open_incident
        results.append(
            ("failing cases without their open incident", len(missing), f"of {len(expected)} expected")
        )
        unexpected = open_incident - {c for c, (_, fails, _) in load.started.items() if fails}
        results.append(("other cases in incident", len(unexpected), ""))
    engine.dispose()
    # The nodes' key: the app does not start without one; the checkpoints the sweepers signed are checked with it.
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret}
    verify = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    results.append(
        ("audit verify failed", int(verify.returncode != 0), (verify.stdout + verify.stderr).strip()[-300:])
    )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30, help="how long the load runs (30)")
    parser.add_argument("--kill-every", type=float, default=180, help="seconds between two SIGKILLs (180)")
    parser.add_argument(
        "--drain", type=float, default=90, help="seconds the sweepers get after the load (90)"
    )
    parser.add_argument("--rate", type=float, default=2.0, help="complaints per second (2)")
    parser.add_argument("--start-every", type=float, default=3.0, help="seconds between two test cases (3)")
    parser.add_argument(
        "--pg", default=DEFAULT_PG, help="a PostgreSQL server URL; the soak uses its own database"
    )
    parser.add_argument(
        "--logs", default=None, help="folder for the processes' logs (kept; default: a new one)"
    )
    args = parser.parse_args(argv)
    url = own_postgres(args.pg, DATABASE)
    logs = Path(args.logs or tempfile.mkdtemp(prefix="soak-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(
        f"commit {revision()}; {os.cpu_count()} CPUs; {load_average()}; database {DATABASE}; logs in {logs}"
    )
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        folder = Path(tmp)
        flask(url, "init-db")
        flask(url, "deploy", str(ROOT / "processes"))
        flask(url, "deploy", str(soak_diagrams(folder / "diagrams")))
        flask(url, "users", "create", "soak.agent", "--role", "agent", "--department", "frontline")
        token = flask(url, "tokens", "create", "soak.agent")
        secret = uuid.uuid4().hex
        (node_a, base_a), (node_b, base_b) = (
            app_node("node-a", url, secret, logs),
            app_node("node-b", url, secret, logs),
        )
        sweepers = [sweeper("sweeper-1", url, secret, logs), sweeper("sweeper-2", url, secret, logs)]
        victims = [node_a, sweepers[0], node_b, sweepers[1]]
        for process in victims:
            process.start()
        time.sleep(8)  # the nodes import and listen
        load = Load(url, [base_a, base_b], token, args.rate, args.start_every)
        threads = load.threads()
        for thread in threads:
            thread.start()
        began = time.time()
        end = began + args.minutes * 60
        turn = 0
        next_kill = began + args.kill_every
        while time.time() < end:
            time.sleep(min(5, max(0, end - time.time())))
            if time.time() >= next_kill and time.time() < end:
                victim = victims[turn % len(victims)]
                victim.kill()
                print(f"  {time.time() - began:6.0f} s: SIGKILL {victim.name}", flush=True)
                time.sleep(5)
                victim.start()
                turn += 1
                next_kill += args.kill_every
        load.stop.set()
        for thread in threads:
            thread.join(timeout=120)
        print(f"  load stopped after {time.time() - began:.0f} s; draining {args.drain:.0f} s", flush=True)
        time.sleep(args.drain)
        drained_at = time.time()
        for process in victims:
            process.stop()
        results = check(url, secret, load, drained_at)
        print(
            f"\n{args.minutes:g} min: {len(load.acknowledged):,} complaints acknowledged"
            f" ({load.retries} requests retried on the other node, refused: {dict(load.refused) or 'none'});"
            f" {len(load.started):,} test cases started, {len(load.completed):,} reviews completed"
            f" (errors: {dict(load.completion_errors) or 'none'}); SIGKILLs: "
            + ", ".join(f"{p.name} {p.kills}" for p in victims)
        )
        for what, wrong, detail in results:
            print(f"  {what}: {wrong}" + (f" ({detail})" if detail else ""))
        errors = Counter()
        for log in sorted(logs.glob("*.log")):
            in_traceback = False
            for line in log.read_text(errors="replace").splitlines():
                # A traceback ends with its first unindented line, which names the exception.
                if line.startswith("Traceback"):
                    in_traceback = True
                elif in_traceback and line and not line.startswith(" "):
                    errors[f"{log.stem}: {line[:160]}"] += 1
                    in_traceback = False
        print(f"  errors in the processes' logs: {sum(errors.values())}")
        for line, n in errors.most_common(8):
            print(f"    {n} x {line}")
        print("verdict:", "clean" if all(wrong == 0 for _, wrong, _ in results) else "PROBLEMS FOUND")


if __name__ == "__main__":
    main()
