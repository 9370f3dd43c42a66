"""The figures' pages: the dashboard, the cases behind each number, the monthly review, regulatory statistics."""

from web.reports import monthly_views, regulatory_views, routes  # noqa: F401  (their views register on the blueprint)
from web.reports.blueprint import bp

__all__ = ["bp"]
