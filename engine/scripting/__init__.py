"""What diagrams compute with: the sandbox for expressions and scripts, its helpers, and the script engine
SpiffWorkflow runs them through.

Importing any module of this package registers the date and business-calendar helpers (``helpers``), so an
expression checked at deploy and one run in a case see the same names.
"""

from engine.scripting import helpers  # noqa: F401
