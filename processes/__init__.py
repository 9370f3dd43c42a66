"""The shipped complaint processes: BPMN diagrams, DMN tables, task forms and the advisory knowledge base.

Data, not code. They are installed with the package, so ``flask --app app deploy`` without a path and the
default knowledge base work from an installed wheel as well as from the source tree.
"""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
KNOWLEDGE_BASE = FOLDER / "knowledge_base.toml"
