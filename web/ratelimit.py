"""Per-client request limits: tracking look-ups, intake, sign-in failures, complaints filed on the public form.

A fixed window per (bucket, client). Where the counts live:
- ``RATE_LIMIT_STORE`` unset (the default): this process's memory. Every process counts on its own, so four
  gunicorn workers, or four nodes, let a client through up to four times the limit.
- ``RATE_LIMIT_STORE=redis://host:port/db``: Redis, shared by every worker and node. A window is one key,
  counted with INCR and given its expiry by the first request, in one round trip. If Redis cannot be reached
  the request is let through and the error logged: a broken counter must not stop customers filing complaints.

Limits come from ``app.config["API_RATE_LIMITS"]``: ``{"track": (30, 60), "intake": (600, 60)}`` means at most
30 tracking look-ups and 600 complaints per client per 60 seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app

DEFAULT_LIMITS = {
    "track": (30, 60.0),
    "intake": (600, 60.0),
    # The pages: failed sign-ins per (client, username) pair and per client, complaints filed through the
    # public form. The per-client cap is high: a bank office's staff often share one address.
    "signin": (10, 300.0),
    "signin_client": (100, 300.0),
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


class RedisRateLimiter:
    """The same ``hit`` as ``RateLimiter``, counted in Redis (real time: the app's clock does not move it)."""

    def __init__(self, url: str, prefix: str = "complaints:ratelimit"):
        try:
            import redis  # an optional dependency: pip install 'complaints[redis]'
        except ImportError:
            raise RuntimeError(
                "RATE_LIMIT_STORE names a Redis server, but the redis package is not installed "
                "(pip install 'complaints[redis]')"
            ) from None
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.unreachable = redis.RedisError
        self.prefix = prefix

    def hit(self, bucket: str, client: str, limit: int, period: float, *, count: bool = True) -> float | None:
        key = f"{self.prefix}:{bucket}:{client}"
        try:
            if count:
                pipe = self.client.pipeline()
                pipe.incr(key)
                pipe.pexpire(key, max(1, int(period * 1000)), nx=True)
                pipe.pttl(key)
                used, _, ttl = pipe.execute()
                over = used > limit
            else:
                pipe = self.client.pipeline()
                pipe.get(key)
                pipe.pttl(key)
                used, ttl = pipe.execute()
                over = used is not None and int(used) >= limit
        except self.unreachable:
            current_app.logger.exception("rate limit store unreachable; letting the request through")
            return None
        if not over:
            return None
        return max(ttl, 1) / 1000 if ttl and ttl > 0 else period


def make_limiter(config: dict, clock: Callable[[], datetime]) -> RateLimiter | RedisRateLimiter:
    """The limiter ``RATE_LIMIT_STORE`` asks for: Redis when it names one, else this process's memory."""
    store = config.get("RATE_LIMIT_STORE")
    if store:
        return RedisRateLimiter(store, config.get("RATE_LIMIT_PREFIX") or "complaints:ratelimit")
    return RateLimiter(clock)


def init_app(app: Flask) -> None:
    """One limiter per app, counting in Redis when ``RATE_LIMIT_STORE`` says so, else in this process."""
    app.extensions["rate_limiter"] = make_limiter(app.config, lambda: app.config["CLOCK"]())


def limiter() -> RateLimiter | RedisRateLimiter:
    return current_app.extensions["rate_limiter"]


def wait(bucket: str, client: str, *, count: bool = True) -> float | None:
    """Count one request of ``client`` in ``bucket``: None when allowed, else the seconds until it may retry."""
    limits = {**DEFAULT_LIMITS, **current_app.config.get("API_RATE_LIMITS", {})}
    limit, period = limits[bucket]
    return limiter().hit(bucket, client, int(limit), float(period), count=count)
