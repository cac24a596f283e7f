"""REDIS_SENTINELS and its companions: read into one SentinelConfig, every bad value named (never
a password), and the forms Celery, kombu and the rate limiter read."""

from __future__ import annotations

import subprocess
import sys

import pytest

from monitor import store
from monitor.cli.config_check import check
from monitor.pages import ConfigError
from monitor.settings import load_settings
from tests.paths import ROOT

GOOD = {"REDIS_SENTINELS": "s1:26379, s2:26380,[::1]:26381", "REDIS_SENTINEL_MASTER": "main"}


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    return caught.value.problems


def test_sentinels_and_a_master_name_make_the_broker_a_kombu_sentinel_url() -> None:
    settings = load_settings({**GOOD, "REDIS_PASSWORD": "p@ss/word"})
    assert settings.sentinel is not None
    assert settings.sentinel.nodes == (("s1", 26379), ("s2", 26380), ("::1", 26381))
    assert settings.redis is settings.sentinel
    assert settings.broker_url == (
        "sentinel://:p%40ss%2Fword@s1:26379/0;sentinel://:p%40ss%2Fword@s2:26380/0;"
        "sentinel://:p%40ss%2Fword@[::1]:26381/0"
    )
    assert settings.broker_options["master_name"] == "main"
    assert str(settings.sentinel) == "main via s1:26379,s2:26380,[::1]:26381"  # no password


def test_redis_url_gives_the_password_and_database_when_sentinels_are_set() -> None:
    settings = load_settings({**GOOD, "REDIS_URL": "redis://:secret@ignored:6379/4"})
    assert settings.sentinel is not None
    assert (settings.sentinel.password, settings.sentinel.db) == ("secret", 4)
    assert (
        settings.sentinel.limits_uri()
        == "redis+sentinel://:secret@s1:26379,s2:26380,[::1]:26381/main"
    )
    assert settings.sentinel.limits_options()["db"] == 4


def test_the_sentinels_own_password_goes_to_the_sentinel_connections_only() -> None:
    settings = load_settings({**GOOD, "REDIS_SENTINEL_PASSWORD": "sentinel-pw"})
    assert settings.sentinel is not None
    assert settings.sentinel.password is None
    assert settings.broker_options["sentinel_kwargs"]["password"] == "sentinel-pw"
    assert "sentinel-pw" not in repr(settings)


def test_without_sentinels_the_redis_url_stays_the_broker() -> None:
    settings = load_settings({"REDIS_URL": "redis://:pw@cache:6379/0"})
    assert (settings.sentinel, settings.redis, settings.broker_options) == (
        None,
        "redis://:pw@cache:6379/0",
        {},
    )


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({"REDIS_SENTINELS": "s1:26379"}, "REDIS_SENTINEL_MASTER: not set; REDIS_SENTINELS needs"),
        ({"REDIS_SENTINEL_MASTER": "main"}, "REDIS_SENTINEL_MASTER: set without REDIS_SENTINELS"),
        ({**GOOD, "REDIS_SENTINELS": "s1"}, "REDIS_SENTINELS: 's1' is not host:port"),
        ({**GOOD, "REDIS_SENTINELS": "s1:0"}, "REDIS_SENTINELS: 's1:0' is not host:port"),
        ({**GOOD, "REDIS_SENTINELS": "s1:http"}, "REDIS_SENTINELS: 's1:http' is not host:port"),
        ({**GOOD, "REDIS_SENTINELS": ":26379"}, "REDIS_SENTINELS: ':26379' is not host:port"),
        ({**GOOD, "REDIS_SENTINELS": "a:1,a:1"}, "REDIS_SENTINELS: 'a:1' is listed twice"),
        ({**GOOD, "REDIS_SENTINELS": " , "}, "REDIS_SENTINELS: no sentinel listed"),
        ({**GOOD, "REDIS_SENTINEL_MASTER": "my master"}, "REDIS_SENTINEL_MASTER: 'my master'"),
        ({**GOOD, "REDIS_URL": "rediss://h:6379/0"}, "REDIS_URL: with REDIS_SENTINELS only"),
        (
            {**GOOD, "REDIS_URL": "redis://:one@h/0", "REDIS_PASSWORD": "two"},
            "REDIS_PASSWORD: differs from REDIS_URL's password",
        ),
        (
            {"REDIS_URL": "redis://h:6379/0", "REDIS_PASSWORD": "pw-not-read"},
            "REDIS_PASSWORD: read only with REDIS_SENTINELS",
        ),
    ],
)
def test_each_bad_sentinel_setting_is_named_without_its_password(
    env: dict[str, str], wanted: str
) -> None:
    found = problems(env)
    assert any(p.startswith(wanted) for p in found), found
    assert not any("two" in p or "pw-not-read" in p for p in found)


def test_config_check_lists_every_sentinel_problem_at_once() -> None:
    env = {"REDIS_SENTINELS": "s1,s2:x", "FLOWER_BASIC_AUTH": "a:b"}
    found = check(env, ROOT / "pages.yaml")
    assert [p.split(":")[0] for p in found] == [
        "REDIS_SENTINELS",
        "REDIS_SENTINELS",
        "REDIS_SENTINEL_MASTER",
    ]
    assert check({**GOOD, "FLOWER_BASIC_AUTH": "a:b"}, ROOT / "pages.yaml") == []


def test_a_client_made_for_the_sentinels_asks_them_for_the_primary() -> None:
    settings = load_settings({"REDIS_SENTINELS": "127.0.0.1:1", "REDIS_SENTINEL_MASTER": "main"})
    client = store.connect(settings.redis)
    pool = client.connection_pool
    assert pool.service_name == "main"  # type: ignore[attr-defined]
    assert pool.connection_kwargs["decode_responses"] is True


def test_the_settings_load_without_redis_which_gunicorn_would_import_before_gevent_patches_ssl() -> (
    None
):
    """gunicorn's master imports the web's logger class (monitor.web.weblog, which reads the
    settings) before a gevent worker patches ssl: redis imported there makes gevent warn, in
    plain text, on every web worker's start."""
    probe = "import sys, monitor.web.weblog; print('redis' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout.strip()) == (0, "False"), done.stderr
