"""Rate limits shared by every worker through Redis (``RATE_LIMIT_STORE``), against the Redis on this machine.

Two app instances stand for two gunicorn workers (or two nodes): with the default in-process counts each would
let a client through the whole limit; with the shared store the limit holds across both. Without a Redis server
these tests skip on a developer's machine and fail under CI, as the browser tests do without Chromium.
"""

from __future__ import annotations

import logging
import os
import uuid

import pytest
import redis

from tests.functional.test_api_support import PREFIX

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def store():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"no Redis at {REDIS_URL} ({exc}); set TEST_REDIS_URL"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    prefix = f"test:{uuid.uuid4().hex}"
    yield REDIS_URL, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def worker(database_url, clock, db):
    """Make app instances (workers) counting in ``store_url``; their connection pools are closed afterwards."""
    from app import create_app

    made = []

    def make(store_url: str, prefix: str):
        app = create_app(
            {
                "DATABASE_URL": database_url,
                "TESTING": True,
                "SCHEDULER_ENABLED": False,
                "CLOCK": clock,
                "SECRET_KEY": "test",
                "RATE_LIMIT_STORE": store_url,
                "RATE_LIMIT_PREFIX": prefix,
                "API_RATE_LIMITS": {"track": (3, 60)},
            }
        )
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["database"].engine.dispose()


def test_the_limit_holds_across_workers_sharing_the_store(worker, store):
    url, prefix = store
    first, second = (worker(url, prefix).test_client() for _ in range(2))
    answers = [client.get(f"{PREFIX}/track/{'x' * 40}").status_code for client in (first, second, first)]
    assert answers == [404, 404, 404]  # three look-ups of an unknown code, wherever they landed
    refused = second.get(f"{PREFIX}/track/{'x' * 40}")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other_client = first.get(f"{PREFIX}/track/{'y' * 40}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_client.status_code == 404  # counted per client


def test_an_unreachable_store_lets_requests_through_and_says_so(worker, caplog):
    app = worker("redis://127.0.0.1:1/0", "test:down")
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        answers = [client.get(f"{PREFIX}/track/{'x' * 40}").status_code for _ in range(5)]
    assert answers == [404] * 5  # beyond the limit of 3: nobody counts, nobody is refused
    assert "rate limit store unreachable" in caplog.text


def test_failed_sign_ins_are_counted_across_workers_per_client_and_username(worker, store, make_user):
    from tests.functional.pages_support import Browser

    url, prefix = store
    make_user("ann", "agent", password="correct horse")
    first, second = (Browser(worker(url, prefix)) for _ in range(2))
    for browser in (first, second) * 5:
        assert browser.sign_in("ann", "guess").status_code == 401
    assert first.sign_in("ann", "correct horse").status_code == 429  # ten failures, wherever they landed
    assert second.sign_in("ann", "correct horse").status_code == 429
    elsewhere = Browser(worker(url, prefix))
    elsewhere.client.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert elsewhere.sign_in("ann", "correct horse").status_code == 302  # ann's own desk is not locked out
