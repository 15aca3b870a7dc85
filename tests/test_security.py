"""Authentication and security (issue 3 §5): the Chinese login page, the django-axes
lockout, password validators, the idle timeout, security headers, CSRF, the error pages
and a clean `check --deploy` under production settings."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
DASHBOARD = "/office/"
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password})


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# -- login page and login/logout --------------------------------------------------------


def test_login_page_is_chinese_by_default() -> None:
    """LANGUAGE_CODE is zh-hans: a browser that asks for nothing gets the Chinese page.

    The project's own zh-hans catalogue (locale/) may not be compiled yet; "登录" is then
    supplied by Django's admin catalogue for "Log in", which the project's catalogue
    translates the same way. The lang attribute is checked too, so the test does not
    depend on which catalogue supplies the word."""
    response = Client().get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html


def test_login_page_is_english_when_asked() -> None:
    """English is available through the browser's Accept-Language."""
    response = Client(headers={"accept-language": "en"}).get(LOGIN)
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_login_redirects_to_the_dashboard_and_logout_by_post_ends_the_session() -> None:
    user = UserFactory(username="zhang")
    client = Client()
    response = _login(client, "zhang", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(DASHBOARD).status_code == 200
    cached = _cached_session_key(client)

    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not _is_logged_in(client)
    assert caches[settings.SESSION_CACHE_ALIAS].get(cached) is None  # the row and its copy
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_logout_by_get_is_refused() -> None:
    """Django 5 logs out only on POST, so a link or image cannot log an officer out."""
    UserFactory(username="zhang")
    client = Client()
    _login(client, "zhang", PASSWORD)
    assert client.get(LOGOUT).status_code == 405
    assert _is_logged_in(client)


# -- lockout (django-axes) --------------------------------------------------------------


def _fail_five_times(client: Client, username: str) -> list[tuple[int, str]]:
    out = []
    for _ in range(5):
        response = _login(client, username, "wrong-password-123")
        out.append((response.status_code, _error_text(response)))
    return out


def _error_text(response) -> str:  # type: ignore[no-untyped-def]
    """The visible failure message: the login form's errors, or the lockout page's alert.
    (A lockout response still carries the login form in `response.context`, because axes
    replaces the rendered login page, so the status decides.)"""
    if response.status_code == 200:
        return " ".join(str(e) for e in response.context["form"].non_field_errors())
    return response.content.decode().split('role="alert"', 1)[-1].split("</div>", 1)[0]


def test_lockout_after_five_failures_refuses_even_the_right_password() -> None:
    """Five failures lock the account (AXES_FAILURE_LIMIT); the next attempt, with the
    right password, gets the locked-out page and no session."""
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=15)
    UserFactory(username="zhang")
    client = Client()
    failures = _fail_five_times(client, "zhang")
    assert [status for status, _ in failures] == [200, 200, 200, 200, 429]
    assert all(text for _, text in failures)
    # The fifth failure is the one that locks: axes answers it with the locked-out page.
    assert "Account locked" in failures[4][1] or "锁定" in failures[4][1]

    response = _login(client, "zhang", PASSWORD)
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert not _is_logged_in(client)
    assert client.get(DASHBOARD).status_code == 302

    # The lock is per account, not per client: another browser is refused too.
    other = Client()
    assert _login(other, "zhang", PASSWORD).status_code == 429
    assert not _is_logged_in(other)


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=dt.timedelta(minutes=40))
def test_lockout_limits_are_configurable_and_the_login_page_states_them() -> None:
    """Both numbers come from settings (AXES_FAILURE_LIMIT, AXES_COOLOFF_MINUTES); the
    login page tells the officer the rule as configured, not a fixed 5 and 15."""
    html = Client(headers={"accept-language": "en"}).get(LOGIN).content.decode()
    assert "After 3 failed attempts the account is locked for 40 minutes." in html
    UserFactory(username="zhang")
    client = Client()
    statuses = [_login(client, "zhang", "wrong-password-123").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert _login(client, "zhang", PASSWORD).status_code == 429


def test_lockout_does_not_reveal_whether_the_user_exists() -> None:
    """A failed login answers alike for an existing and a made-up username: the same
    status and the same message on every one of the five failures, and the same lock."""
    UserFactory(username="zhang")
    existing = _fail_five_times(Client(), "zhang")
    missing = _fail_five_times(Client(), "nobody-here")
    assert existing == missing
    assert _login(Client(), "zhang", PASSWORD).status_code == 429
    assert _login(Client(), "nobody-here", PASSWORD).status_code == 429


def test_login_works_again_after_the_cool_off() -> None:
    """Once AXES_COOLOFF_TIME has passed since the last failure the lock lifts. The
    failures are moved back in time instead of sleeping."""
    UserFactory(username="zhang")
    client = Client()
    _fail_five_times(client, "zhang")
    assert _login(client, "zhang", PASSWORD).status_code == 429

    AccessAttempt.objects.filter(username="zhang").update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1))
    assert _login(client, "zhang", PASSWORD).status_code == 429, "still inside the cool-off"

    AccessAttempt.objects.filter(username="zhang").update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1))
    response = _login(client, "zhang", PASSWORD)
    assert response.status_code == 302
    assert _is_logged_in(client)


def test_an_administrator_can_unlock_an_account() -> None:
    """axes_reset (or the admin's AccessAttempt page) lifts the lock at once."""
    UserFactory(username="zhang")
    client = Client()
    _fail_five_times(client, "zhang")
    assert axes_reset(username="zhang") >= 1
    assert _login(client, "zhang", PASSWORD).status_code == 302
    assert _is_logged_in(client)


def test_a_successful_login_resets_the_failure_count() -> None:
    """AXES_RESET_ON_SUCCESS: four failures, a success, then four more do not lock."""
    UserFactory(username="zhang")
    client = Client()
    for _ in range(4):
        _login(client, "zhang", "wrong-password-123")
    assert _login(client, "zhang", PASSWORD).status_code == 302
    client.post(LOGOUT)
    for _ in range(4):
        assert _login(client, "zhang", "wrong-password-123").status_code == 200
    assert _login(client, "zhang", PASSWORD).status_code == 302


# -- password validators ----------------------------------------------------------------


@pytest.mark.parametrize("password", ["short1!", "password123", "12345678901234"])
def test_password_validators_reject_short_common_or_numeric_passwords(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_validators_reject_a_password_like_the_username() -> None:
    user = UserFactory.build(username="zhangwei2026", full_name="张伟")
    with pytest.raises(ValidationError):
        validate_password("zhangwei2026", user=user)


def test_password_validators_accept_a_strong_password() -> None:
    validate_password(PASSWORD)


# -- idle timeout -----------------------------------------------------------------------


def test_idle_timeout_settings() -> None:
    """Officers' sessions expire after SESSION_IDLE_MINUTES without a request."""
    idle_minutes = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    assert settings.SESSION_COOKIE_AGE == idle_minutes * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def _session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _cached_session_key(client: Client) -> str:
    """The cache key of the session's cached copy (the test settings have Redis, hence
    `cached_db`, as production does)."""
    assert settings.SESSION_ENGINE == "org.sessions"  # cached_db, with the user
    return client.session.cache_key  # type: ignore[attr-defined]


def _ttl(key: str) -> int:
    """The seconds Redis keeps the entry (Django's cache API does not read a TTL)."""
    cache = caches[settings.SESSION_CACHE_ALIAS]
    return cache._cache.get_client(key).ttl(cache.make_and_validate_key(key))  # type: ignore[attr-defined]


def test_sessions_are_cached_only_in_a_shared_cache() -> None:
    """Issue 13: with Redis, sessions are read from its copy (`cached_db`, still written
    to the database); without it (`make run`, a process-local cache that another process
    would not see change) from the database alone."""
    assert settings.SESSION_ENGINE == "org.sessions"  # cached_db, with the user
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.dev", "REDIS_URL": "",
           "DATABASE_URL": "sqlite:///unused.sqlite3"}
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "django.contrib.sessions.backends.db", result.stderr


def test_each_request_renews_the_session_expiry() -> None:
    """Both the row's expiry and its cached copy's lifetime start again on a page."""
    UserFactory(username="zhang")
    client = Client()
    _login(client, "zhang", PASSWORD)
    # Pretend the officer has been idle for all but one minute of the timeout.
    nearly = timezone.now() + dt.timedelta(minutes=1)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=nearly)
    key = _cached_session_key(client)
    caches[settings.SESSION_CACHE_ALIAS].touch(key, 60)

    assert client.get(DASHBOARD).status_code == 200
    renewed = _session_row(client).expire_date
    expected = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((renewed - expected).total_seconds()) < 60
    assert settings.SESSION_COOKIE_AGE - 60 < _ttl(key) <= settings.SESSION_COOKIE_AGE


def test_the_cached_session_lives_as_long_as_the_row() -> None:
    """The cached copy is what a request reads, so it must end when the idle timeout
    does: written with the whole timeout, and read back from the row with what the row
    has left (an API read, which saves nothing)."""
    UserFactory(username="zhang")
    client = Client()
    _login(client, "zhang", PASSWORD)
    key = _cached_session_key(client)
    assert settings.SESSION_COOKIE_AGE - 60 < _ttl(key) <= settings.SESSION_COOKIE_AGE

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(minutes=5))
    caches[settings.SESSION_CACHE_ALIAS].delete(key)
    assert client.get("/api/v1/regions/").status_code == 200
    assert 240 < _ttl(key) <= 300


def test_an_idle_session_is_logged_out() -> None:
    """When the idle timeout runs out, Redis drops the cached copy (its TTL, above) and
    the row has expired: the next request reads the row, finds it expired, and is
    anonymous."""
    UserFactory(username="zhang")
    client = Client()
    _login(client, "zhang", PASSWORD)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1))
    caches[settings.SESSION_CACHE_ALIAS].delete(_cached_session_key(client))
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_lost_cached_session_logs_nobody_out() -> None:
    """A Redis restart (or eviction) loses the cached copies; the rows still hold the
    sessions, so every officer stays signed in."""
    UserFactory(username="zhang")
    client = Client()
    _login(client, "zhang", PASSWORD)
    caches[settings.SESSION_CACHE_ALIAS].delete(_cached_session_key(client))
    assert client.get(DASHBOARD).status_code == 200
    assert _is_logged_in(client)


# -- headers and CSRF -------------------------------------------------------------------


def test_security_headers() -> None:
    response = Client().get(LOGIN)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "HttpOnly" in str(response.cookies[settings.CSRF_COOKIE_NAME])


def test_login_post_without_csrf_token_is_refused() -> None:
    UserFactory(username="zhang")
    client = Client(enforce_csrf_checks=True)
    response = _login(client, "zhang", PASSWORD)
    assert response.status_code == 403
    assert not _is_logged_in(client)


def test_login_post_with_csrf_token_is_accepted() -> None:
    UserFactory(username="zhang")
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(LOGIN, {"username": "zhang", "password": PASSWORD,
                                   "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert _is_logged_in(client)


# -- error pages ------------------------------------------------------------------------


def test_missing_url_renders_the_not_found_page_not_a_traceback() -> None:
    assert settings.DEBUG is False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "404.html" in [t.name for t in response.templates]
    assert 'lang="zh-hans"' in html
    assert "Traceback" not in html
    assert "URLconf" not in html


# -- check --deploy ---------------------------------------------------------------------


def _production_env(tmp_path: Path) -> dict[str, str]:
    """The variables the README asks a deployment to set (plus PATH and HOME)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(45)[:60],
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    for key in ("PATH", "HOME"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    assert len(env["SECRET_KEY"]) == 60
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "ERRORS" not in output


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    """Secrets come only from the environment: no SECRET_KEY, no start."""
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
