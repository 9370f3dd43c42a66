"""What the page tests share (no tests here): a browser-like test client that signs in and sends CSRF tokens."""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.test import TestResponse

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse"


def csrf_token(html: str) -> str | None:
    found = _TOKEN.search(html)
    return found.group(1) if found else None


class Browser:
    """A test client used like a browser: it keeps its cookies and puts the page's CSRF token in its forms."""

    def __init__(self, app: Flask, language: str = "en"):
        self.client = app.test_client()
        self.headers = {"Accept-Language": language}
        self._token: str | None = None

    def get(self, path: str, **kwargs) -> TestResponse:
        response = self.client.get(path, headers=self.headers, **kwargs)
        self._token = csrf_token(response.text) or self._token
        return response

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs) -> TestResponse:
        """POST a form as the page would: with the session's CSRF token (fetched once from the sign-in page)."""
        form = dict(data or {})
        if csrf:
            if self._token is None:
                self.get("/signin")
            form.setdefault("csrf_token", self._token)
        return self.client.post(path, data=form, headers=self.headers, **kwargs)

    def as_user(self, user_id: int) -> Browser:
        """Be signed in as this user without the password round trip (sign-in itself is tested on its own)."""
        with self.client.session_transaction() as cookie_session:
            cookie_session.update(signed_in(self.client.application, user_id))
        return self

    def forget_token(self) -> None:
        """The next form fetches a fresh CSRF token (after the session changed under the browser)."""
        self._token = None

    def sign_in(self, username: str, password: str = PASSWORD, next: str | None = None) -> TestResponse:
        self._token = None
        form = {"username": username, "password": password}
        if next is not None:
            form["next"] = next
        response = self.post("/signin", form)
        self._token = None  # signing in starts a new session, with a new CSRF token
        return response


def signed_in(app: Flask, user_id: int) -> dict:
    """What a browser's cookie holds after signing in as ``user_id``: the user and a live server-side session."""
    from engine.accounts import sessions
    from engine.clock import system_clock
    from engine.models import User

    with app.extensions["database"].session() as db:
        user = db.get(User, user_id)
        if user is None:  # a test of a stale cookie: any session id will do, none is on record
            return {"user_id": user_id, "sid": "none"}
        token = sessions.open_session(db, system_clock, user, "test", app.permanent_session_lifetime)
    return {"user_id": user_id, "sid": token}
