"""The auditor's pages (read-only): find a case, its full trace, the audit chain's verification."""

from web.auditor import evidence, export, heatmap, path, routes  # noqa: F401  (their views register on the blueprint)
from web.auditor.blueprint import bp

__all__ = ["bp"]
