"""Outside debug and testing the app refuses to start without SECRET_KEY: gunicorn workers that each invent
their own key would sign each other's sessions out. ``SECRET_KEY_FILE`` keeps one generated key for a
single-machine setup (``make run``)."""

from __future__ import annotations

import os
import stat

import pytest

from app import create_app


@pytest.fixture(autouse=True)
def no_secret_in_the_environment(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def make(database_url, **overrides):
    app = create_app({"DATABASE_URL": database_url, "SCHEDULER_ENABLED": False, **overrides})
    app.extensions["database"].engine.dispose()
    return app


def test_without_a_secret_key_the_app_refuses_to_start(database_url):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make(database_url)


def test_an_empty_secret_key_is_no_key(database_url, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make(database_url)


def test_the_key_from_the_environment_is_used(database_url, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert make(database_url).secret_key == "from-the-environment"


def test_testing_and_debug_get_a_key_of_their_own(database_url):
    assert make(database_url, TESTING=True).secret_key
    assert make(database_url, DEBUG=True).secret_key


def test_a_key_file_is_created_once_and_read_by_every_process(database_url, tmp_path, monkeypatch):
    key_file = tmp_path / "instance" / "secret_key"
    monkeypatch.setenv("SECRET_KEY_FILE", str(key_file))
    first = make(database_url).secret_key
    assert key_file.read_text().strip() == first and len(first) >= 32
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert make(database_url).secret_key == first  # a second worker reads the same key


def test_an_empty_key_file_is_refused(database_url, tmp_path, monkeypatch):
    key_file = tmp_path / "secret_key"
    key_file.write_text("\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(key_file))
    with pytest.raises(RuntimeError, match="empty"):
        make(database_url)
