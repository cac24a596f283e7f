"""Each channel type against a loopback receiver that checks what the real service checks."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook

from monitor.channels import discord, pagerduty, slack, teams
from monitor.channels.apprise_url import AppriseSender
from monitor.channels.base import Message
from monitor.channels.email import EmailSender
from monitor.channels.webhook import WebhookSender
from monitor.cli.redis_server import free_port
from monitor.events import StatusEvent, dedup_key
from monitor.signing import standard_key, verify
from tests.support import receivers
from tests.support.receivers import Receiver

SECRET = "whsec_" + base64.b64encode(b"a-thirty-two-byte-signing-key!!!").decode()
ROUTING_KEY = "R0ut1ngK3yR0ut1ngK3yR0ut1ngK3y12"
UTC_ZONE = ZoneInfo("UTC")


def incident(status: str = "investigating", body: str = "Looking.", **kw: Any) -> StatusEvent:
    values: dict[str, Any] = dict(
        page_id="gh",
        page_name="GitHub",
        provider="statuspage",
        kind="incident",
        product="GitHub - Actions",
        status=status,
        status_raw=status,
        occurred_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        dedup_key=dedup_key("gh", "incident", "i1", status),
        body=body,
        component_ids=("c1",),
        incident_id="i1",
        incident_name="Actions delayed",
        update_id=status,
        url="https://www.githubstatus.com/incidents/i1",
    )
    values.update(kw)
    return StatusEvent(**values)


def component(status: str, previous: str) -> StatusEvent:
    return StatusEvent(
        page_id="gh",
        page_name="GitHub",
        provider="statuspage",
        kind="component",
        product="GitHub - Git Operations",
        status=status,
        status_raw=status,
        previous_status=previous,
        occurred_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        dedup_key=dedup_key("gh", "component", "git", status),
        component_ids=("git",),
    )


def msg(event: StatusEvent, severity: str = "major_outage", test: bool = False) -> Message:
    return Message(event, severity, UTC_ZONE, test)


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def test_a_webhook_is_signed_so_the_reference_standard_webhooks_package_verifies_it(
    hooks: Receiver,
) -> None:
    url = hooks.on("/hook", receivers.standard_webhooks(SECRET))
    answer = WebhookSender(url, standard_key(SECRET)).send(msg(incident()), 5)
    assert answer.ok, answer.detail
    (got,) = hooks.at("/hook")
    assert got.status == 200
    assert got.headers["webhook-id"] == incident().dedup_key
    data = got.json()
    assert data["type"] == "statusmon.event.v1" and data["test"] is False
    assert data["data"]["dedup_key"] == incident().dedup_key
    assert data["data"]["status_text"] == "Investigating - Looking."


def test_a_webhook_signed_with_another_secret_is_refused_by_the_reference_package(
    hooks: Receiver,
) -> None:
    url = hooks.on("/hook", receivers.standard_webhooks(SECRET))
    other = standard_key("whsec_" + base64.b64encode(b"another-signing-key-of-32-bytes!").decode())
    answer = WebhookSender(url, other).send(msg(incident()), 5)
    assert not answer.ok and answer.status == 401 and not answer.retryable


def test_the_ingress_verifier_accepts_what_the_reference_package_signs_and_nothing_else() -> None:
    body = b'{"hello": "world"}'
    stamp = datetime.now(UTC).replace(microsecond=0)
    signature = Webhook(SECRET).sign("msg_1", stamp, body)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": signature,
    }
    key = standard_key(SECRET)
    assert verify("standard", [key], body, headers, time.time()).message_id == "msg_1"
    with pytest.raises(ValueError, match="does not match"):
        verify("standard", [key], body + b" ", headers, time.time())


def test_a_slack_message_is_block_kit_coloured_by_severity(hooks: Receiver) -> None:
    url = hooks.on("/slack", receivers.slack)
    answer = slack.SlackSender(url).send(msg(incident()), 5)
    assert answer.ok, answer.detail
    data = hooks.at("/slack")[0].json()
    (attachment,) = data["attachments"]
    assert attachment["color"] == "#e01e5a"
    header, section, context, actions = attachment["blocks"]
    assert header["text"]["text"] == "GitHub - Actions"
    assert section["text"]["text"] == "*Investigating* - Looking."
    assert context["elements"][0]["text"] == "GitHub · 2026-01-01 12:00:00"
    assert actions["elements"][0]["url"] == incident().url
    assert data["text"].startswith("[2026-01-01 12:00:00] Product: GitHub - Actions\n")


def test_a_slack_message_of_a_huge_update_stays_within_slacks_limits(hooks: Receiver) -> None:
    url = hooks.on("/slack", receivers.slack)
    huge = incident(body="word " * 5000, product="P" * 400)
    answer = slack.SlackSender(url).send(msg(huge), 5)
    assert answer.ok, answer.detail


def test_a_discord_embed_is_coloured_and_kept_within_discords_limits(hooks: Receiver) -> None:
    url = hooks.on("/discord", receivers.discord)
    huge = incident(body="x" * 9000, product="P" * 400)
    answer = discord.DiscordSender(url).send(msg(huge, "degraded"), 5)
    assert answer.ok and answer.status == 204, answer.detail
    (embed,) = hooks.at("/discord")[0].json()["embeds"]
    assert embed["color"] == 0xECB22E and len(embed["title"]) == 256
    assert len(embed["description"]) <= 4096


def test_the_discord_checker_refuses_an_embed_over_six_thousand_characters() -> None:
    embed = {
        "title": "t",
        "description": "d" * 4096,
        "fields": [{"name": "n", "value": "v" * 1024}] * 2,
    }
    assert receivers.discord(json.dumps({"embeds": [embed]}).encode(), {})[0] == 400


def test_a_teams_message_is_an_adaptive_card_1_4(hooks: Receiver) -> None:
    url = hooks.on("/teams", receivers.teams)
    answer = teams.TeamsSender(url).send(msg(incident()), 5)
    assert answer.ok and answer.status == 202, answer.detail
    card = hooks.at("/teams")[0].json()["attachments"][0]["content"]
    assert card["version"] == "1.4" and card["type"] == "AdaptiveCard"
    assert card["actions"][0]["url"] == incident().url


def test_pagerduty_triggers_on_an_opening_and_resolves_with_the_same_dedup_key(
    hooks: Receiver,
) -> None:
    url = hooks.on("/enqueue", receivers.pagerduty)
    sender = pagerduty.PagerDutySender(ROUTING_KEY, url)
    long = incident(body="y" * 3000)
    assert sender.send(msg(long), 5).ok
    assert sender.send(msg(incident("resolved", "Fixed."), "operational"), 5).ok
    trigger, resolve = (r.json() for r in hooks.at("/enqueue"))
    assert trigger["event_action"] == "trigger" and resolve["event_action"] == "resolve"
    assert trigger["dedup_key"] == resolve["dedup_key"] == "statusmon/gh/incident/i1"
    assert trigger["payload"]["severity"] == "critical"
    assert len(trigger["payload"]["summary"]) == 1024
    assert trigger["payload"]["source"] == "GitHub"


def test_pagerduty_pages_for_partial_and_major_outages_and_resolves_on_recovery() -> None:
    sender = pagerduty.PagerDutySender(ROUTING_KEY)
    assert sender.wants(component("partial_outage", "operational"))
    assert sender.wants(component("operational", "major_outage"))
    assert not sender.wants(component("degraded", "operational"))
    assert not sender.wants(incident(kind="maintenance"))
    assert pagerduty.action(component("degraded", "major_outage")) == "resolve"


def test_pagerduty_refuses_a_bad_routing_key_for_good(hooks: Receiver) -> None:
    url = hooks.on("/enqueue", receivers.pagerduty)
    answer = pagerduty.PagerDutySender("short", url).send(msg(incident()), 5)
    assert not answer.ok and answer.status == 400 and not answer.retryable
    assert "routing_key" in answer.detail


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(envelope)
        return "250 Message accepted for delivery"


def test_an_email_is_one_message_whose_subject_is_the_two_lines() -> None:
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        sender = EmailSender(
            "127.0.0.1",
            port,
            "none",
            "statusmon@example.com",
            ("ops@example.com",),
        )
        answer = sender.send(msg(incident()), 5)
    finally:
        smtp.stop()
    assert answer.ok, answer.detail
    (envelope,) = inbox.mails
    assert envelope.rcpt_tos == ["ops@example.com"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == (
        "[2026-01-01 12:00:00] Product: GitHub - Actions Status: Investigating - Looking."
    )
    assert "https://www.githubstatus.com/incidents/i1" in mail.get_content()


def test_an_email_to_a_server_that_is_not_there_is_retried() -> None:
    sender = EmailSender("127.0.0.1", 9, "none", "a@example.com", ("b@example.com",))
    answer = sender.send(msg(incident()), 2)
    assert not answer.ok and answer.retryable


def test_apprise_sends_through_a_real_apprise_url_to_a_loopback_receiver(hooks: Receiver) -> None:
    hooks.on("/apprise", receivers.accept)
    url = hooks.url.replace("http://", "json://") + "/apprise"
    answer = AppriseSender(url).send(msg(incident()), 5)
    assert answer.ok, answer.detail
    data = hooks.at("/apprise")[0].json()
    assert data["title"] == "[2026-01-01 12:00:00] Product: GitHub - Actions"
    assert data["message"].startswith("Status: Investigating - Looking.")


def test_apprise_reports_a_receiver_failure_as_retryable(hooks: Receiver) -> None:
    hooks.on("/apprise", receivers.accept, receivers.Reply(503))
    url = hooks.url.replace("http://", "json://") + "/apprise"
    answer = AppriseSender(url).send(msg(incident()), 5)
    assert not answer.ok and answer.retryable


def test_a_test_message_is_marked_as_a_test_in_every_format(hooks: Receiver) -> None:
    url = hooks.on("/slack", receivers.slack)
    slack.SlackSender(url).send(msg(incident(), test=True), 5)
    data = hooks.at("/slack")[0].json()
    assert data["text"].startswith("[statusmon test] ")
    assert data["attachments"][0]["blocks"][0]["text"]["text"].startswith("[statusmon test] ")
