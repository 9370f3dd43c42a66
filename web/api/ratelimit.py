"""Per-client request limits for the public tracking look-ups and for intake.

A fixed window per (bucket, client) kept in this process's memory. That is enough for one node; behind a load
balancer every node counts on its own, so N nodes let a client through up to N times the limit. Several nodes
need a shared store (a PostgreSQL table or Redis) behind the same ``hit`` interface.

Limits come from ``app.config["API_RATE_LIMITS"]``: ``{"track": (30, 60), "intake": (600, 60)}`` means at most
30 tracking look-ups and 600 complaints per client per 60 seconds.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import datetime

from flask import current_app

from web.api.inputs import ApiError

DEFAULT_LIMITS = {
    "track": (30, 60.0),
    "intake": (600, 60.0),
    # The pages: sign-in tries per client and per username, complaints filed through the public form.
    "signin": (10, 300.0),
    "intake_page": (20, 3600.0),
}
# Past this many clients the windows that are over are dropped, so memory stays bounded.
_PRUNE_AT = 10_000


class RateLimiter:
    def __init__(self, clock: Callable[[], datetime]):
        self.clock = clock
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, client: str, limit: int, period: float, *, count: bool = True) -> float | None:
        """Count one request; return None when it is allowed, else the seconds until the client may retry.

        With ``count=False`` only ask: a client whose failures alone are limited (sign-in) is counted on failure.
        """
        now = self.clock().timestamp()
        with self._lock:
            if len(self._windows) > _PRUNE_AT:
                self._windows = {k: w for k, w in self._windows.items() if w[0] + period > now}
            start, used = self._windows.get((bucket, client), (now, 0))
            if start + period <= now:
                start, used = now, 0
            if used >= limit:
                return start + period - now
            if count:
                self._windows[(bucket, client)] = (start, used + 1)
            return None


def limiter() -> RateLimiter:
    return current_app.extensions["api_rate_limiter"]


def wait(bucket: str, client: str, *, count: bool = True) -> float | None:
    """Count one request of ``client`` in ``bucket``: None when allowed, else the seconds until it may retry."""
    limits = {**DEFAULT_LIMITS, **current_app.config.get("API_RATE_LIMITS", {})}
    limit, period = limits[bucket]
    return limiter().hit(bucket, client, int(limit), float(period), count=count)


def check(bucket: str, client: str) -> None:
    """Refuse the request with 429 (and Retry-After) when ``client`` has used up ``bucket``."""
    wait_seconds = wait(bucket, client)
    if wait_seconds is not None:
        raise ApiError(
            429,
            "rate_limited",
            "too many requests; try again later",
            headers={"Retry-After": str(max(1, math.ceil(wait_seconds)))},
        )
