"""Signing in and out through the pages: argon2 passwords, audit events, limits, the session and CSRF."""

from __future__ import annotations

from datetime import timedelta

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


# ------------------------------------------------------------------ sessions held on the server


def test_a_cookie_replayed_after_sign_out_is_refused(app, make_user):
    make_user("ann", "agent", password="correct horse")
    browser = Browser(app)
    browser.sign_in("ann", "correct horse")
    assert browser.get("/agent/").status_code == 200
    stolen = browser.client.get_cookie("complaints_session").value  # a copy taken while signed in
    assert browser.post("/signout").status_code == 302

    thief = app.test_client()
    thief.set_cookie("complaints_session", stolen)
    replayed = thief.get("/agent/")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/signin")


def test_a_cookie_with_a_user_id_but_no_live_session_is_anonymous(app, make_user):
    user = make_user("ann", "agent", password="correct horse")
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["user_id"] = user.id  # what a cookie held before sessions lived on the server
    assert client.get("/agent/").status_code == 302
    with client.session_transaction() as cookie:
        cookie["sid"] = "made-up"
    assert client.get("/agent/").status_code == 302


def test_disabling_a_user_or_resetting_the_password_ends_their_sessions(app, session, clock, make_user):
    from engine import accounts

    admin = make_user("root", "admin", departments=(), password="correct horse")
    ann = make_user("ann", "agent", password="correct horse")
    first, second = Browser(app), Browser(app)
    first.sign_in("ann", "correct horse")
    second.sign_in("ann", "correct horse")
    accounts.reset_password(session, clock, ann.id, "another horse", actor=admin.username)
    assert first.get("/agent/").status_code == 302 and second.get("/agent/").status_code == 302

    first.sign_in("ann", "another horse")
    assert first.get("/agent/").status_code == 200
    accounts.update_user(session, clock, ann.id, actor=admin.username, active=False)
    assert first.get("/agent/").status_code == 302


def idle_for(session, minutes: int) -> None:
    """Make every session look unused for ``minutes`` (sessions keep wall-clock time, not the test clock)."""
    from engine.models import UserSession

    fresh(session)
    for row in session.scalars(select(UserSession)):
        row.seen_at -= timedelta(minutes=minutes)
    session.commit()


def test_an_idle_session_ends_on_the_server_too(app, session, make_user):
    make_user("ann", "agent", password="correct horse")
    browser = Browser(app)
    browser.sign_in("ann", "correct horse")
    idle_for(session, 479)
    assert browser.get("/agent/").status_code == 200  # used: the idle time starts again
    idle_for(session, 479)
    assert browser.get("/agent/").status_code == 200
    idle_for(session, 481)
    assert browser.get("/agent/").status_code == 302


def test_signing_in_sweeps_away_sessions_idle_past_the_limit(app, session, make_user):
    from engine.models import UserSession

    make_user("ann", "agent", password="correct horse")
    bob = make_user("bob", "agent", password="correct horse")
    Browser(app).sign_in("ann", "correct horse")
    idle_for(session, 9 * 60)
    Browser(app).sign_in("bob", "correct horse")
    fresh(session)
    assert [s.user_id for s in session.scalars(select(UserSession))] == [bob.id]


# ------------------------------------------------------------------ failed sign-ins: no one locks a colleague out


def test_failed_sign_ins_from_one_client_do_not_lock_the_user_out_elsewhere(app, make_user):
    make_user("ann", "agent", password="correct horse")
    attacker = Browser(app)
    for _ in range(10):
        assert attacker.sign_in("ann", "guess").status_code == 401
    assert attacker.sign_in("ann", "correct horse").status_code == 429  # this client, this username: locked

    colleague = Browser(app)
    colleague.client.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert colleague.sign_in("ann", "correct horse").status_code == 302  # ann at her own desk still signs in


def test_one_client_guessing_many_usernames_is_capped(app, make_user):
    make_user("ann", "agent", password="correct horse")
    app.config["API_RATE_LIMITS"] = {"signin_client": (25, 300)}
    browser = Browser(app)
    for i in range(25):
        assert browser.sign_in(f"user{i}", "guess").status_code == 401
    assert browser.sign_in("ann", "correct horse").status_code == 429
