"""Where the tests' material lies: their own small diagrams, the shipped processes, and the shared corpus of
real material beside the clone (``../shared/corpus``; tests that need it skip with a message without it)."""

from pathlib import Path

import processes

DATA = Path(__file__).resolve().parent / "data"
PROCESSES = processes.FOLDER
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
