"""Operations: liveness for load balancers, and the SLA figures for monitoring systems."""

from web.ops import routes  # noqa: F401  (their views register on the blueprint)
from web.ops.blueprint import bp

__all__ = ["bp"]
