"""Signing in and out through the pages: argon2 passwords, audit events, limits, the session and CSRF."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import AuditEvent
from tests.conftest import fresh
from tests.functional.pages_support import Browser, csrf_token


def events(session, kind: str) -> list[AuditEvent]:
    fresh(session)
    return list(session.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)))


def test_a_good_password_signs_in_lands_on_the_role_page_and_is_audited(app, session, make_user):
    make_user("ann", "agent", password="correct horse")
    browser = Browser(app)
    response = browser.sign_in("ann", "correct horse")
    assert response.status_code == 302
    [event] = events(session, "user.signed_in")
    assert event.payload["username"] == "ann" and event.payload["client"] == "127.0.0.1"


def test_a_wrong_password_or_unknown_user_is_refused_alike_and_audited(app, session, make_user):
    make_user("ann", "agent", password="correct horse")
    browser = Browser(app)
    wrong = browser.sign_in("ann", "wrong horse")
    nobody = browser.sign_in("nobody", "wrong horse")
    assert wrong.status_code == nobody.status_code == 401
    assert "The username or password is not right." in wrong.text
    assert "The username or password is not right." in nobody.text
    assert [e.payload["username"] for e in events(session, "user.sign_in_failed")] == ["ann", "nobody"]
    assert browser.get("/signout").status_code == 405  # signing out is a POST with a CSRF token


def test_failed_sign_ins_are_limited_per_username(app, make_user):
    make_user("ann", "agent", password="correct horse")
    browser = Browser(app)
    for _ in range(10):
        assert browser.sign_in("ann", "guess").status_code == 401
    locked = browser.sign_in("ann", "correct horse")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text


def test_a_disabled_user_cannot_sign_in(app, session, make_user):
    user = make_user("ann", "agent", password="correct horse")
    user.active = False
    session.commit()
    assert Browser(app).sign_in("ann", "correct horse").status_code == 401


def test_sign_in_refuses_a_post_without_the_csrf_token(app, make_user):
    make_user("ann", "agent", password="correct horse")
    client = app.test_client()
    response = client.post("/signin", data={"username": "ann", "password": "correct horse"})
    assert response.status_code == 400
    assert "CSRF" in response.text


def test_sign_out_ends_the_session_and_is_audited(app, session, make_user):
    make_user("ann", "agent", password="correct horse")
    browser = Browser(app)
    browser.sign_in("ann", "correct horse")
    assert browser.post("/signout").status_code == 302
    assert len(events(session, "user.signed_out")) == 1
    assert browser.post("/signout").status_code == 400  # the old session's CSRF token went with it
    browser.forget_token()
    again = browser.post("/signout")
    assert again.status_code == 302 and again.headers["Location"].startswith("/signin?next=")


def test_next_goes_back_to_a_page_of_this_site_only(app, make_user):
    make_user("ann", "agent", password="correct horse")
    browser = Browser(app)
    assert browser.sign_in("ann", "correct horse", next="/track").headers["Location"] == "/track"
    browser = Browser(app)
    assert browser.sign_in("ann", "correct horse", next="https://evil.example/").headers["Location"] != (
        "https://evil.example/"
    )
    browser = Browser(app)
    assert (
        not browser.sign_in("ann", "correct horse", next="//evil.example/")
        .headers["Location"]
        .startswith("//")
    )


def test_the_session_cookie_is_secure_httponly_and_samesite(app, make_user):
    make_user("ann", "agent", password="correct horse")
    response = Browser(app).sign_in("ann", "correct horse")
    cookie = response.headers["Set-Cookie"]
    assert "complaints_session=" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_page_sends_the_security_headers(app):
    response = app.test_client().get("/signin")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert csrf_token(response.text)


def test_demo_sign_ins_show_in_demo_mode_only(app):
    assert "agent.li" not in app.test_client().get("/signin").text
    app.config["DEMO_MODE"] = True
    page = app.test_client().get("/signin").text
    assert "agent.li" in page and "demo-password" in page


def test_the_language_switch_is_remembered_on_the_user(app, session, make_user):
    user = make_user("ann", "agent", password="correct horse")
    browser = Browser(app)
    browser.sign_in("ann", "correct horse")
    assert "Sign out" in browser.get("/signin").text
    browser.post("/language", data={"language": "zh_CN", "next": "/signin"})
    assert "退出登录" in browser.get("/signin").text
    fresh(session)
    assert session.get(type(user), user.id).language == "zh_CN"
    other = Browser(app)  # a new browser: the user's choice follows them
    other.sign_in("ann", "correct horse")
    assert "退出登录" in other.get("/signin").text


def test_without_a_choice_the_browser_language_decides(app):
    client = app.test_client()
    assert "员工登录" in client.get("/signin", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "Staff sign-in" in client.get("/signin", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
