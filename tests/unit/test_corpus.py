"""Every diagram of the shared BPMN corpus gets a clear answer from load_bundle: accepted or refused readably.

The corpus (the OMG MIWG reference models and their Camunda Modeler exports) lives outside the repository, in
``../shared/corpus``; a clone without it skips these tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.deploy.bundle import load_bundle
from engine.errors import DeploymentRejected
from handlers import registry
from tests.paths import CORPUS as SHARED

CORPUS = SHARED / "bpmn"
DIAGRAMS = sorted(CORPUS.rglob("*.bpmn")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not DIAGRAMS, reason=f"the shared BPMN corpus is not at {CORPUS}")
@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_corpus_diagram_is_accepted_or_refused_readably(path: Path, record_property):
    try:
        bundle = load_bundle([(path.name, path.read_bytes())], handler_names=registry.names())
    except DeploymentRejected as rejection:
        assert rejection.problems
        for problem in rejection.problems:
            assert problem.file == path.name
            assert problem.message.strip()
            assert "Traceback" not in problem.message
        record_property("outcome", f"refused: {rejection.problems[0].message}")
        print(f"refused {path.name}: {len(rejection.problems)} problem(s), first: {rejection.problems[0]}")
    else:
        assert bundle.process_ids
        record_property("outcome", f"accepted: {', '.join(bundle.process_ids)}")
        print(f"accepted {path.name}: {', '.join(bundle.process_ids)}")
