"""The `channels:` section of pages.yaml: typed, every problem named, secrets only from the
environment (or a file it names) and never shown."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from monitor.channel_config import load_channels, parse_channels
from monitor.channels.email import EmailSender
from monitor.channels.pagerduty import PagerDutySender
from monitor.channels.slack import SlackSender
from monitor.channels.webhook import WebhookSender
from monitor.cli.config_check import main
from monitor.pages import ConfigError
from monitor.settings import RETRY_SCHEDULE, load_settings
from tests.support import receivers
from tests.support.receivers import Receiver
from tests.test_cli import statusmon

WHSEC = "whsec_" + base64.b64encode(b"a-channel-signing-key-of-32-bytes").decode()
ENV = {
    "SLACK_URL": "https://hooks.slack.com/services/T0/B0/SECRETTOKEN",
    "HOOK_SECRET": WHSEC,
    "PD_KEY": "R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12",
}


def parse(channels: Any, env: dict[str, str] | None = None) -> list[Any]:
    return parse_channels({"pages": [], "channels": channels}, "pages.yaml", env or ENV)


def problems(channels: Any, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(channels, env)
    return info.value.problems


def test_no_channels_key_means_no_channels() -> None:
    assert parse_channels({"pages": []}, "pages.yaml", {}) == []


def test_each_type_is_parsed_into_its_typed_sender_with_the_types_rate() -> None:
    slack, hook, pager, mail = parse(
        {
            "ops-slack": {"type": "slack", "url_env": "SLACK_URL"},
            "hook": {
                "type": "webhook",
                "url": "https://example.com/h",
                "secret_env": "HOOK_SECRET",
            },
            "pager": {"type": "pagerduty", "routing_key_env": "PD_KEY", "rate": 5},
            "mail": {
                "type": "email",
                "host": "smtp.example.com",
                "from": "a@example.com",
                "to": "b@example.com",
            },
        }
    )
    assert isinstance(slack.sender, SlackSender) and slack.rate == 1.0
    assert slack.sender.url == ENV["SLACK_URL"]
    assert (
        isinstance(hook.sender, WebhookSender)
        and hook.sender.key == b"a-channel-signing-key-of-32-bytes"
    )
    assert isinstance(pager.sender, PagerDutySender) and pager.rate == 5.0
    assert isinstance(mail.sender, EmailSender)
    assert (mail.sender.port, mail.sender.security, mail.sender.to) == (
        587,
        "starttls",
        ("b@example.com",),
    )


def test_a_secret_is_read_from_the_file_named_by_name_file(tmp_path: Path) -> None:
    secret = tmp_path / "slack-url"
    secret.write_text(ENV["SLACK_URL"] + "\n")
    (channel,) = parse(
        {"s": {"type": "slack", "url_env": "SLACK_URL"}}, {"SLACK_URL_FILE": str(secret)}
    )
    assert channel.sender.url == ENV["SLACK_URL"]


def test_no_secret_shows_in_repr_or_problems() -> None:
    channels = parse(
        {
            "s": {"type": "slack", "url_env": "SLACK_URL"},
            "p": {"type": "pagerduty", "routing_key_env": "PD_KEY"},
            "h": {"type": "webhook", "url_env": "SLACK_URL", "secret_env": "HOOK_SECRET"},
        }
    )
    shown = repr(channels)
    for value in ("SECRETTOKEN", ENV["PD_KEY"], "b'key'"):
        assert value not in shown
    bad = problems({"s": {"type": "slack", "url_env": "BAD"}}, {"BAD": "ftp://SECRETTOKEN@x"})
    assert bad == ["pages.yaml: channel 's': field 'url_env': must be an http(s) URL"]


def test_every_problem_names_the_file_the_channel_and_the_field() -> None:
    found = problems(
        {
            "Bad Name": {"type": "slack", "url_env": "SLACK_URL"},
            "nokind": {"type": "carrier-pigeon"},
            "s": {"type": "slack", "url": "https://x", "url_env": "MISSING", "rate": 0},
            "m": {"type": "email", "host": "h", "from": "a@x", "to": ["nobody"], "security": "tls"},
            "p": {"type": "pagerduty"},
            "h": {"type": "webhook", "url": "https://x", "secret_env": "NOT_WHSEC"},
            "r": {
                "type": "slack",
                "url_env": "SLACK_URL",
                "routing": {"kinds": ["weather"], "min_severity": "bad", "colour": 1},
            },
        },
        {**ENV, "NOT_WHSEC": "plain"},
    )
    assert found == [
        "pages.yaml: channel 'Bad Name': field 'name': must be lower-case letters, digits, - or _ (at most 64)",
        "pages.yaml: channel 'nokind': field 'type': 'carrier-pigeon' is not one of apprise, discord, email, pagerduty, slack, teams, webhook",
        "pages.yaml: channel 's': field 'url': unknown field for a slack channel",
        "pages.yaml: channel 's': field 'url_env': environment variable MISSING (or MISSING_FILE) is not set",
        "pages.yaml: channel 's': field 'rate': 0 must be messages per second, more than 0",
        "pages.yaml: channel 'm': field 'security': 'tls' is not one of starttls, ssl, none",
        "pages.yaml: channel 'm': field 'to': expected one or more e-mail addresses",
        "pages.yaml: channel 'p': field 'routing_key_env': required: the name of the environment variable holding it",
        "pages.yaml: channel 'h': field 'secret_env': not a Standard Webhooks secret (whsec_<base64>)",
        "pages.yaml: channel 'r': field 'routing.colour': unknown field",
        "pages.yaml: channel 'r': field 'routing.min_severity': 'bad' is not one of degraded, partial_outage, major_outage",
        "pages.yaml: channel 'r': field 'routing.kinds': expected a list of incident, component, maintenance",
    ]


def test_channels_must_be_a_mapping_of_names() -> None:
    assert problems([{"type": "slack"}]) == [
        "pages.yaml: 'channels:' must map channel names to their settings"
    ]


def test_an_apprise_url_apprise_does_not_know_is_refused() -> None:
    found = problems({"a": {"type": "apprise", "url_env": "U"}}, {"U": "nosuchservice://x"})
    assert found == [
        "pages.yaml: channel 'a': field 'url_env': not a URL Apprise knows (see its list of services)"
    ]


def test_config_check_validates_the_channels_and_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = tmp_path / "pages.yaml"
    pages.write_text(
        "pages: [{id: gh, name: GitHub, url: 'https://www.githubstatus.com'}]\n"
        "channels:\n  ops: {type: slack, url_env: SLACK_URL}\n"
    )
    assert main({"MONITOR_PAGES": str(pages)}) == 2
    assert capsys.readouterr().err == (
        f"statusmon: {pages}: channel 'ops': field 'url_env': "
        "environment variable SLACK_URL (or SLACK_URL_FILE) is not set\n"
    )
    assert main({"MONITOR_PAGES": str(pages), **ENV}) == 0
    assert capsys.readouterr().out == f"{pages}: 1 pages, 1 channels OK\n"
    assert [c.name for c in load_channels(pages, ENV)] == ["ops"]


def test_delivery_settings_are_read_and_bad_ones_named() -> None:
    s = load_settings(
        {
            "EVENTS_RETENTION_DAYS": "7",
            "DELIVERY_RETRY_SCHEDULE": "1, 2.5,60",
            "DELIVERY_DEADLINE": "3",
        }
    )
    assert (s.events_retention_days, s.retry_schedule, s.delivery_deadline) == (
        7,
        (1.0, 2.5, 60.0),
        3.0,
    )
    assert load_settings({}).retry_schedule == RETRY_SCHEDULE
    assert sum(RETRY_SCHEDULE) < 86400  # the last attempt comes within a day
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {
                "EVENTS_RETENTION_DAYS": "0",
                "DELIVERY_RETRY_SCHEDULE": "5,soon",
                "DELIVERY_DEADLINE": "-1",
            }
        )
    assert caught.value.problems == [
        "EVENTS_RETENTION_DAYS: '0' must be a whole number from 1 to 36500",
        "DELIVERY_RETRY_SCHEDULE: '5,soon' must be seconds separated by commas (e.g. 5,30,120)",
        "DELIVERY_DEADLINE: '-1' must be a positive number",
    ]


def test_channels_test_to_pagerduty_triggers_and_resolves_its_test_event(tmp_path: Path) -> None:
    hooks = Receiver()
    try:
        pages = tmp_path / "pages.yaml"
        url = hooks.on("/enqueue", receivers.pagerduty)
        pages.write_text(
            f"pages: []\nchannels:\n  pager: {{type: pagerduty, routing_key_env: PD_KEY, url: '{url}'}}\n"
        )
        done = statusmon(
            "channels", "test", "pager", MONITOR_PAGES=str(pages), PD_KEY=ENV["PD_KEY"]
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [
            "pager: accepted: HTTP 202",
            "pager: resolve accepted: HTTP 202",
        ]
        trigger, resolve = (r.json() for r in hooks.at("/enqueue"))
        assert trigger["payload"]["severity"] == "info"
        assert trigger["payload"]["summary"].startswith("[statusmon test] ")
        assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
        assert trigger["dedup_key"] == resolve["dedup_key"]
    finally:
        hooks.close()


def test_channels_test_names_a_channel_that_is_not_there(tmp_path: Path) -> None:
    pages = tmp_path / "pages.yaml"
    pages.write_text("pages: []\n")
    done = statusmon("channels", "test", "nope", MONITOR_PAGES=str(pages))
    assert (done.returncode, done.stderr) == (2, f"statusmon: no channel 'nope' in {pages}\n")


def test_the_deliverers_settings_are_read_and_bad_ones_named() -> None:
    s = load_settings({"DELIVER_CONCURRENCY": "3", "DELIVER_NICE": "0"})
    assert (s.deliver_concurrency, s.deliver_nice) == (3, 0)
    assert (load_settings({}).deliver_concurrency, load_settings({}).deliver_nice) == (8, 5)
    with pytest.raises(ConfigError) as caught:
        load_settings({"DELIVER_CONCURRENCY": "0", "DELIVER_NICE": "-2"})
    assert caught.value.problems == [
        "DELIVER_CONCURRENCY: '0' must be a whole number from 1 to 256",
        "DELIVER_NICE: '-2' must be a whole number from 0 to 19",
    ]
